"""Self-tests of the harness on small models (python -m unittest, in the harness's venv).

Exact solutions come from policy iteration with sparse LU, independent of every peer.
"""

import tempfile
import unittest
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import build_reference_model
import harness
import mdp_format
import numpy_vi
import peers

TOLERANCE = 1e-8
AVERAGE_COST_PEERS = ("stormpy-lra", "mdptoolbox-rvi", "mdptoolbox-rvi-patched")


def small_parameters(buffer=4, cloud_buffer=3):
    """Configuration (a) on a small, deliberately non-square grid (B != B2)."""
    return build_reference_model.Parameters.from_paper(0.5, 5.0, 0.6, 1.0, buffer, cloud_buffer)


def exact_solution(model: mdp_format.Model):
    """(V*, W*) by policy iteration with exact (LU) evaluation."""
    n = model.state_count
    positions = np.zeros(n, dtype=np.int64)
    for _ in range(100):
        rows = model.candidate_rows[model.candidate_start[:-1] + positions]
        system = sp.identity(n, format="csc") - model.gamma * model.transitions[rows].tocsc()
        values = spla.spsolve(system, model.costs[rows])
        W = model.costs + model.gamma * (model.transitions @ values)
        improved = positions.copy()
        for x, candidates in enumerate(candidate_lists(model)):
            pair_w = W[candidates]
            if pair_w.min() < pair_w[positions[x]] - 1e-12 * abs(pair_w[positions[x]]):
                improved[x] = int(np.argmin(pair_w))
        if np.array_equal(improved, positions):
            return values, W
        positions = improved
    raise AssertionError("policy iteration did not converge")


def candidate_lists(model: mdp_format.Model) -> list[np.ndarray]:
    """Candidate rows of every state."""
    return np.split(model.candidate_rows, model.candidate_start[1:-1])


def greedy_rows(model: mdp_format.Model, W: np.ndarray) -> np.ndarray:
    """Row minimising W at every state (first on ties)."""
    return np.array([rows[np.argmin(W[rows])] for rows in candidate_lists(model)])


def permuted(model: mdp_format.Model, seed: int) -> mdp_format.Model:
    """The same MDP with states and rows renumbered at random (as an exporter may)."""
    rng = np.random.default_rng(seed)
    n, r = model.state_count, model.transitions.shape[0]
    states, rows = rng.permutation(n), rng.permutation(r)  # new index k = old states[k]
    new_state, new_row = np.argsort(states), np.argsort(rows)
    P = model.transitions[rows]
    P = sp.csr_matrix((P.data, new_state[P.indices], P.indptr), shape=P.shape)
    P.sort_indices()
    counts = np.diff(model.candidate_start)[states]
    lists = candidate_lists(model)
    lists = [lists[x] for x in states]
    return mdp_format.Model(
        meta=dict(model.meta), transitions=P, costs=model.costs[rows],
        candidate_start=np.concatenate(([0], np.cumsum(counts))),
        candidate_rows=new_row[np.concatenate(lists)],
        state_coordinates=model.state_coordinates[states],
        row_coordinates=model.row_coordinates[rows])


class BuilderTest(unittest.TestCase):
    def test_sizes_and_events(self):
        params = small_parameters()
        model = build_reference_model.build(params)
        self.assertEqual(model.state_count, 4 * 5 * 4)  # 4 (B+1)(B2+1), S2.3
        np.testing.assert_allclose(np.asarray(model.transitions.sum(axis=1)).ravel(), 1)
        nu = params.uniformization_rate
        self.assertAlmostEqual(nu, 3 + 5 + 12.5 + 1 / 0.6)

        def index(*coordinates):
            return int(build_reference_model.flat_index(np.array([coordinates]), params.shape)[0])

        P = model.transitions
        self.assertAlmostEqual(P[index(0, 0, 0, 0), index(1, 0, 0, 0)], 3 / nu)
        # arrival lost at xb = B and local completion blocked at x2 = B2: both self-loops
        full = index(4, 1, 0, 3)
        self.assertAlmostEqual(P[full, full], 1 - 12.5 / nu)
        # SM1 served only while x2 = 0 (preemptive SM2 priority)
        self.assertEqual(P[index(0, 0, 1, 1), index(0, 0, 0, 1)], 0)
        self.assertAlmostEqual(P[index(0, 0, 1, 0), index(0, 0, 0, 0)], 5 / nu)
        # candidates of (3, 0, 0, 2): idle, SM1, SM2, SM1+SM2, in this order
        x = index(3, 0, 0, 2)
        chosen = model.candidate_rows[model.candidate_start[x]:model.candidate_start[x + 1]]
        expected = [index(3, 0, 0, 2), index(2, 0, 1, 2), index(2, 1, 0, 2), index(1, 1, 1, 2)]
        self.assertEqual(chosen.tolist(), expected)

    def test_round_trip_through_files(self):
        model = build_reference_model.build(small_parameters())
        with tempfile.TemporaryDirectory() as directory:
            mdp_format.write_model(Path(directory), model.meta, mdp_format.model_arrays(model))
            again = mdp_format.read_model(Path(directory))
        self.assertEqual(abs(again.transitions - model.transitions).max(), 0)
        np.testing.assert_array_equal(again.candidate_rows, model.candidate_rows)


class SolverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = build_reference_model.build(small_parameters())
        cls.exact, cls.W = exact_solution(cls.model)

    def test_numpy_vi(self):
        p = small_parameters()
        grid = numpy_vi.Grid(p.arrival_rate, p.sm1_cloud_rate, p.sm2_local_rate, p.sm2_cloud_rate,
                             p.buffer_limit, p.cloud_buffer_limit, p.discount_factor)
        solution = grid.solve(TOLERANCE)
        self.assertLessEqual(solution.error_bound, TOLERANCE)
        self.assertLessEqual(np.abs(solution.values.ravel() - self.exact).max(), TOLERANCE)

    def test_every_peer_on_a_permuted_export(self):
        exported = permuted(self.model, seed=7)
        state_map = build_reference_model.flat_index(exported.state_coordinates,
                                                     small_parameters().shape)
        row_map = build_reference_model.flat_index(exported.row_coordinates,
                                                   small_parameters().shape)
        with tempfile.TemporaryDirectory() as directory:
            model_dir = Path(directory) / "model"
            mdp_format.write_model(model_dir, exported.meta, mdp_format.model_arrays(exported))
            for name in (name for name in peers.PEERS if name not in AVERAGE_COST_PEERS):
                with self.subTest(peer=name):
                    output = Path(directory) / name
                    peers.run(name, model_dir, output)
                    values = np.fromfile(output / "values.float64")
                    rows = np.fromfile(output / "choice_rows.int32", dtype="<i4")
                    self.assertLessEqual(np.abs(values - self.exact[state_map]).max(), TOLERANCE)
                    best = [self.W[row_map[c]].min() for c in candidate_lists(exported)]
                    np.testing.assert_allclose(self.W[row_map[rows]], best, rtol=0, atol=1e-9)


    def test_storm_lra_gain(self):
        """Storm's LRA gain against average-cost policy iteration written here with scipy."""
        gain, _ = exact_average_cost(self.model)
        with tempfile.TemporaryDirectory() as directory:
            model_dir = Path(directory) / "model"
            mdp_format.write_model(model_dir, self.model.meta, mdp_format.model_arrays(self.model))
            peers.run("stormpy-lra", model_dir, Path(directory) / "lra")
            values = np.fromfile(Path(directory) / "lra" / "values.float64")
        # Storm stops on its default LRA criterion (about 1e-6 relative).
        np.testing.assert_allclose(values, gain, rtol=1e-5)

    def test_mdptoolbox_rvi_on_a_permuted_export(self):
        """Both mdptoolbox peers: the gain within their epsilon of policy iteration's, and
        every chosen row optimal in the average-cost Bellman equation (ties within 1e-6)."""
        gain, W = exact_average_cost(self.model)
        exported = permuted(self.model, seed=11)
        row_map = build_reference_model.flat_index(exported.row_coordinates,
                                                   small_parameters().shape)
        epsilon = 1e-9
        with tempfile.TemporaryDirectory() as directory:
            model_dir = Path(directory) / "model"
            mdp_format.write_model(model_dir, exported.meta, mdp_format.model_arrays(exported))
            for name in ("mdptoolbox-rvi", "mdptoolbox-rvi-patched"):
                with self.subTest(peer=name):
                    output = Path(directory) / name
                    peers.run(name, model_dir, output, gain_tolerance=epsilon)
                    values = np.fromfile(output / "values.float64")
                    rows = np.fromfile(output / "choice_rows.int32", dtype="<i4")
                    self.assertLessEqual(np.abs(values - gain).max(), epsilon)
                    best = [W[row_map[c]].min() for c in candidate_lists(exported)]
                    np.testing.assert_allclose(W[row_map[rows]], best, rtol=0, atol=1e-6)

    def test_mdptoolbox_action_rows_repeat_the_first_candidate(self):
        with tempfile.TemporaryDirectory() as directory:
            model_dir = Path(directory) / "model"
            mdp_format.write_model(model_dir, self.model.meta, mdp_format.model_arrays(self.model))
            rows = peers.MdpToolboxRVI(model_dir).action_rows()
        lists = candidate_lists(self.model)
        self.assertEqual(rows.shape, (self.model.state_count, 4))
        for x, candidates in enumerate(lists):
            padding = [candidates[0]] * (4 - len(candidates))
            self.assertEqual(rows[x].tolist(), candidates.tolist() + padding)
        self.assertEqual(min(len(c) for c in lists), 1)  # states with padding exist


def exact_average_cost(model: mdp_format.Model):
    """(g*, W) by average-cost policy iteration with exact (LU) evaluation:
    (I - P) h + g 1 = c with h(0) = 0 (column 0 replaced by ones); W = c + P h."""
    n = model.state_count
    positions = np.zeros(n, dtype=np.int64)
    for _ in range(100):
        rows = model.candidate_rows[model.candidate_start[:-1] + positions]
        system = (sp.identity(n, format="csr") - model.transitions[rows]).tolil()
        system[:, 0] = 1.0
        solution = spla.spsolve(system.tocsc(), model.costs[rows])
        gain, h = solution[0], np.concatenate([[0.0], solution[1:]])
        W = model.costs + model.transitions @ h
        improved = positions.copy()
        for x, candidates in enumerate(candidate_lists(model)):
            if W[candidates].min() < W[candidates][positions[x]] - 1e-12:
                improved[x] = int(np.argmin(W[candidates]))
        if np.array_equal(improved, positions):
            return gain, W
        positions = improved
    raise AssertionError("average-cost policy iteration did not converge")


class HarnessTest(unittest.TestCase):
    def test_export_cross_check(self):
        built = build_reference_model.build(small_parameters())
        exported = permuted(built, seed=3)
        self.assertTrue(harness.compare_models(exported, built)[0])
        exported.transitions.data[0] += 1e-9
        self.assertFalse(harness.compare_models(exported, built)[0])

    def test_agreement_flags_an_untied_difference(self):
        model = build_reference_model.build(small_parameters())
        values, W = exact_solution(model)
        greedy = greedy_rows(model, W)
        agreement = harness.Agreement(model, values, greedy)
        same = harness.Run("same", 4, model.state_count, values=values, choice_rows=greedy)
        agreement.check(same, TOLERANCE)
        self.assertEqual(same.verdict, "agree")
        pair_w = W[model.candidate_rows]
        gaps = pair_w - np.repeat(np.minimum.reduceat(pair_w, model.candidate_start[:-1]),
                                  np.diff(model.candidate_start))
        worse = int(np.argmax(gaps))  # the clearly worst candidate pair
        wrong = greedy.copy()
        wrong[model.pair_states()[worse]] = model.candidate_rows[worse]
        other = harness.Run("other", 4, model.state_count, values=values + 1.5e-8,
                            choice_rows=wrong)
        agreement.check(other, TOLERANCE)
        self.assertEqual(other.verdict, "DISAGREE: 1 untied policy differences")


if __name__ == "__main__":
    unittest.main()
