"""Solves one exported model with one peer solver; run once per peer, in its own process.

    python peers.py PEER --model MODEL_DIR --output RESULT_DIR

PEER is one of quantecon-mpi, stormpy-vi, stormpy-lra, mdptoolbox-rvi,
mdptoolbox-rvi-patched, numpy-vi, mdpsolver-mpi. The model is read
from MODEL_DIR (offloadlab-mdp-v1, see README.md); RESULT_DIR receives

- `result.json`: peer, settings, load/build/solve seconds, iterations, certified bound;
- `values.float64`: V(x) per state (export order);
- `choice_rows.int32`: the post-decision row chosen at each state.

Only the solve call is timed as "solve"; reading the files is "load" and the conversion
into the peer's own data structures (plus any JIT warm-up) is "build". Every discounted
peer stops with a certified sup-norm error at most the model's `tolerance` (1e-8) on the
values; the average-cost peers (stormpy-lra, mdptoolbox-rvi, mdptoolbox-rvi-patched)
write their gain as every state's value. Each rule is explained next to the peer below
and in README.md. The process's peak
memory is measured by the caller (run_harness.py).
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

import mdp_format

MAX_ITERATIONS = 1_000_000


class Peer:
    """Interface of a peer: build() converts the model, solve() runs the solver."""

    name = ""
    settings = ""
    stopping_rule = ""

    def __init__(self, model_dir: Path):
        self.model = mdp_format.read_model(model_dir)
        self.iterations = None
        self.error_bound = None

    def build(self) -> None:
        """Convert the model into the peer's own structures (timed as build)."""

    def solve(self) -> None:
        """Run the peer's solver (the only part timed as solve)."""
        raise NotImplementedError

    def results(self) -> tuple[np.ndarray, np.ndarray]:
        """(values per state, chosen row per state) in export order."""
        raise NotImplementedError

    def rows_from_positions(self, positions: np.ndarray) -> np.ndarray:
        """Chosen row per state from a candidate position per state."""
        return self.model.candidate_rows[self.model.candidate_start[:-1] + positions]


class QuantEconMPI(Peer):
    """quantecon DiscreteDP, state-action-pair form with a sparse Q, modified PI.

    quantecon stops MPI when span(T v - v) < epsilon (1 - beta) / beta and returns
    T v + midrange(T v - v) beta / (1 - beta); by the MacQueen-Porteus bounds that is
    within beta/(1-beta) span/2 < epsilon/2 of V*. epsilon = 2 * tolerance.
    """

    name = "quantecon-mpi"
    partial_evaluations = 20  # quantecon's default k

    def build(self):
        from quantecon.markov import DiscreteDP

        m = self.model
        self.epsilon = 2 * m.tolerance
        self.settings = (f"DiscreteDP sa-pair sparse Q, modified_policy_iteration "
                         f"k={self.partial_evaluations}, epsilon={self.epsilon:g}")
        self.stopping_rule = "span(Tv - v) < eps (1-beta)/beta, midpoint returned; error < eps/2"
        self._warm_up(DiscreteDP)
        self.ddp = DiscreteDP(-m.costs[m.candidate_rows], m.transitions[m.candidate_rows],
                              m.gamma, m.pair_states(), m.pair_positions())

    def _warm_up(self, discrete_dp) -> None:
        """Compile quantecon's numba kernels on a two-state problem (not timed as solve)."""
        import scipy.sparse as sp

        tiny = discrete_dp(np.array([0.0, -1.0, -2.0]),
                           sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])),
                           0.9, np.array([0, 0, 1]), np.array([0, 1, 0]))
        tiny.solve(method="modified_policy_iteration", epsilon=1e-6, k=2)

    def solve(self):
        self.result = self.ddp.solve(method="modified_policy_iteration", epsilon=self.epsilon,
                                     max_iter=MAX_ITERATIONS, k=self.partial_evaluations)
        self.iterations = int(self.result.num_iter)

    def results(self):
        return -self.result.v, self.rows_from_positions(self.result.sigma)


def storm_mdp(stormpy, m: mdp_format.Model):
    """The model as a stormpy SparseMdp in choice form (one row per candidate, row groups
    per state), with the stage costs as the state-action reward model "cost"."""
    Q = m.transitions[m.candidate_rows]
    n, pairs = m.state_count, Q.shape[0]
    builder = stormpy.datastructures.SparseMatrixBuilder[float](
        rows=pairs, columns=n, entries=Q.nnz, force_dimensions=True,
        has_custom_row_grouping=True, row_groups=n)
    builder.add_next_values(np.repeat(np.arange(pairs), np.diff(Q.indptr)).tolist(),
                            Q.indices.tolist(), Q.data.tolist(),
                            m.candidate_start[:-1].tolist())
    labeling = stormpy.models.StateLabeling(n)
    labeling.add_label("init")
    labeling.add_label_to_state("init", 0)
    costs = stormpy.models.SparseRewardModel[float](
        optional_state_action_reward_vector=m.costs[m.candidate_rows].tolist())
    components = stormpy.models.SparseModelComponents[float](
        transition_matrix=builder.build(), state_labeling=labeling,
        reward_models={"cost": costs})
    return stormpy.models.SparseMdp[float](components)


class StormpyVI(Peer):
    """stormpy (Storm) sparse MDP, property Rmin=? [ Cdiscount=gamma ] (discounted total
    reward), solved by Storm's discounted value iteration.

    Storm stops when every |x_{k+1}(s) - x_k(s)| <= (1 - gamma) eps / gamma (absolute
    criterion), so that ||x_{k+1} - V*|| <= gamma/(1-gamma) ||x_{k+1} - x_k|| <= eps.
    eps = tolerance, absolute (relative_termination_criterion = False).
    """

    name = "stormpy-vi"

    def build(self):
        import stormpy

        m = self.model
        self.settings = (f"SparseMdp, Rmin=? [ Cdiscount={m.gamma!r} ], min-max precision "
                         f"{m.tolerance:g} absolute, scheduler extracted")
        self.stopping_rule = "max |x_{k+1} - x_k| <= (1-gamma) eps/gamma; error <= eps"
        self.mdp = storm_mdp(stormpy, m)
        self.property = stormpy.parse_properties(f"Rmin=? [ Cdiscount={m.gamma!r} ]")[0]
        self.environment = stormpy.Environment()
        min_max = self.environment.solver().min_max()
        min_max.precision = stormpy.Rational(m.tolerance)
        min_max.relative_termination_criterion = False
        self.stormpy = stormpy

    def solve(self):
        self.result = self.stormpy.model_checking(self.mdp, self.property, extract_scheduler=True,
                                                  environment=self.environment)

    def results(self):
        values = np.array(self.result.get_value_vector())
        scheduler = self.result.get_scheduler()
        positions = np.array([scheduler.get_choice(s).get_deterministic_choice()
                              for s in range(self.model.state_count)])
        return values, self.rows_from_positions(positions)


class StormpyLRA(StormpyVI):
    """stormpy (Storm) sparse MDP, property R{"cost"}min=? [ LRA ] (long-run average cost,
    the delay-optimal criterion; docs/average-cost.md), with Storm's default LRA solver.

    stormpy 2.0 exposes no LRA precision setting, so Storm stops on its own default
    criterion; the min-max precision is set to 1e-9 relative as a user would try. The
    "values" written are the gain per state (equal for a unichain model). Solving and
    reading the results are StormpyVI's.
    """

    name = "stormpy-lra"

    def build(self):
        import stormpy

        self.settings = ('SparseMdp, R{"cost"}min=? [ LRA ], Storm default LRA method, '
                         'min-max precision 1e-9 relative, scheduler extracted')
        self.stopping_rule = "Storm's default LRA stopping rule"
        self.mdp = storm_mdp(stormpy, self.model)
        self.property = stormpy.parse_properties('R{"cost"}min=? [ LRA ]')[0]
        self.environment = stormpy.Environment()
        min_max = self.environment.solver().min_max()
        min_max.precision = stormpy.Rational(1e-9)
        min_max.relative_termination_criterion = True
        self.stormpy = stormpy


class MdpToolboxRVI(Peer):
    """pymdptoolbox (pure numpy/scipy), RelativeValueIteration, rewards -cost, the
    long-run average-cost criterion (docs/average-cost.md) without discounting.

    mdptoolbox takes one S x S matrix per action, so action a of state x is x's candidate
    at position a; a state with fewer candidates repeats its first one (idle in this
    format) in the missing positions: an exact copy of an existing choice, which leaves
    the MDP and its gain unchanged without a prohibitive cost. Its RVI stops when
    span(T v - v) < epsilon and returns min(T v - v), the lower end of the Odoni bracket
    of the reward gain: the cost gain written (-average_reward) is within epsilon of g*.
    epsilon = gain_tolerance (absolute; average.py sets it to 1e-9 times the gain, i.e.
    1e-9 relative). The "values" written are the gain per state, as for stormpy-lra.
    """

    name = "mdptoolbox-rvi"
    gain_tolerance = 1e-8

    def build(self):
        import mdptoolbox.mdp

        m = self.model
        rows = self.action_rows()
        self.settings = (f"RelativeValueIteration(list of {rows.shape[1]} csr S x S, R S x "
                         f"{rows.shape[1]}), epsilon={self.gain_tolerance:g}, "
                         f"max_iter={MAX_ITERATIONS}")
        self.stopping_rule = "span(Tv - v) < epsilon, min(Tv - v) returned; |gain error| < eps"
        self.rvi = mdptoolbox.mdp.RelativeValueIteration(
            [m.transitions[rows[:, a]] for a in range(rows.shape[1])], -m.costs[rows],
            epsilon=self.gain_tolerance, max_iter=MAX_ITERATIONS)

    def action_rows(self) -> np.ndarray:
        """states x actions: the candidate row at each position of the state's list, its
        first candidate where the list is shorter (actions = the longest list)."""
        m = self.model
        counts = np.diff(m.candidate_start)
        positions = np.arange(counts.max())[None, :]
        positions = np.where(positions < counts[:, None], positions, 0)
        return m.candidate_rows[m.candidate_start[:-1, None] + positions]

    def solve(self):
        self.rvi.run()
        self.iterations = int(self.rvi.iter)
        if self.iterations >= MAX_ITERATIONS:
            raise RuntimeError(f"mdptoolbox RVI: no convergence in {MAX_ITERATIONS} iterations")
        self.error_bound = self.gain_tolerance

    def results(self):
        gain = -float(self.rvi.average_reward)
        rows = self.action_rows()
        chosen = rows[np.arange(self.model.state_count), np.array(self.rvi.policy)]
        return np.full(self.model.state_count, gain), chosen


class MdpToolboxRVIPatched(MdpToolboxRVI):
    """mdptoolbox-rvi with the library's input validation (mdptoolbox.util.check) replaced
    by the same checks on the stored entries only: square, entries >= 0, row sums within
    10 machine epsilons of 1 (the library's own tolerance).

    With scipy 1.17, pymdptoolbox 4.0b3's check evaluates `P >= 0` on each sparse P,
    which scipy computes through a dense S x S array (about 26 bytes per state pair: 2.8
    GB at 10,404 states, 43 GB at 40,804), so the documented call cannot build large
    models. The solver itself is untouched.
    """

    name = "mdptoolbox-rvi-patched"

    def build(self):
        import mdptoolbox.util

        mdptoolbox.util.check = check_sparse_mdp
        super().build()
        self.settings += "; util.check replaced by a check of the stored entries"


def check_sparse_mdp(transitions, rewards) -> None:
    """mdptoolbox.util.check's conditions on a list of sparse matrices in O(entries)."""
    for a, P in enumerate(transitions):
        row_sums = np.asarray(P.sum(axis=1)).ravel()
        if P.shape[0] != P.shape[1] or P.shape[0] != rewards.shape[0]:
            raise ValueError(f"action {a}: P is {P.shape}, rewards {rewards.shape}")
        if (P.data < 0).any() or np.abs(row_sums - 1).max() > 10 * np.spacing(1.0):
            raise ValueError(f"action {a}: P is not row-stochastic")


class NumpyVI(Peer):
    """Matrix-free Jacobi VI on the (xb, xl, x1, x2) grid (numpy_vi.py), from S3.4.

    Only model.json and the coordinates are read: the transitions are not used.
    Stops when gamma/(1-gamma) span(TV - V) / 2 <= tolerance and returns the
    MacQueen-Porteus midpoint, within tolerance of V*.
    """

    name = "numpy-vi"

    def __init__(self, model_dir: Path):
        self.meta = mdp_format.read_meta(model_dir)
        n, r = self.meta["stateCount"], self.meta["rowCount"]
        self.state_coordinates = mdp_format.load_array(model_dir, self.meta, "stateCoordinates",
                                                       4 * n).reshape(n, 4)
        self.row_coordinates = mdp_format.load_array(model_dir, self.meta, "rowCoordinates",
                                                     4 * r).reshape(r, 4)
        self.iterations = None
        self.error_bound = None

    def build(self):
        import numpy_vi

        p = self.meta["parameters"]
        self.grid = numpy_vi.Grid(p["arrivalRate"], p["sm1CloudRate"], p["sm2LocalRate"],
                                  p["sm2CloudRate"], p["bufferLimit"], p["cloudBufferLimit"],
                                  self.meta["discountFactor"])
        self.tolerance = float(self.meta["tolerance"])
        self.changes = np.array(numpy_vi.ACTION_CHANGES)
        self.settings = "Jacobi VI from V = 0 on 4-D arrays, MacQueen-Porteus midpoint"
        self.stopping_rule = "gamma/(1-gamma) span(TV - V)/2 <= eps; error <= eps"

    def solve(self):
        self.solution = self.grid.solve(self.tolerance, MAX_ITERATIONS)
        self.iterations = self.solution.iterations
        self.error_bound = self.solution.error_bound

    def results(self):
        shape = self.grid.shape
        states = np.ravel_multi_index(tuple(self.state_coordinates.T), shape)
        row_at = np.full(np.prod(shape), -1, dtype=np.int64)
        row_at[np.ravel_multi_index(tuple(self.row_coordinates.T), shape)] = np.arange(
            len(self.row_coordinates))
        actions = self.solution.actions.ravel()[states]
        chosen = np.ravel_multi_index(tuple((self.state_coordinates + self.changes[actions]).T),
                                      shape)
        return self.solution.values.ravel()[states], row_at[chosen]


class MdpSolverMPI(Peer):
    """mdpsolver (C++), generic sparse MDP, modified policy iteration, standard updates,
    one thread (parallel=False).

    mdpsolver stops MPI when span(T v - v) < eps (1 - gamma) / gamma and post-processes
    v := T v + gamma/(1-gamma) min(T v - v) (Puterman 6.6.12, the MacQueen-Porteus lower
    bound of a maximisation), within gamma/(1-gamma) span < eps of V*. eps = tolerance.
    Rewards are -cost.
    """

    name = "mdpsolver-mpi"
    partial_evaluations = 100  # mdpsolver's default parIterLim

    def build(self):
        import mdpsolver

        m = self.model
        self.settings = (f"model.mdp(tranMatProbs/Columns), solve(mpi, standard, "
                         f"parIterLim={self.partial_evaluations}, tolerance={m.tolerance:g}, "
                         f"parallel=False)")
        self.stopping_rule = "span(Tv - v) < eps (1-gamma)/gamma, lower bound returned; error < eps"
        P = m.transitions
        starts = m.candidate_start
        rewards, probabilities, columns = [], [], []
        for x in range(m.state_count):
            rows = m.candidate_rows[starts[x]:starts[x + 1]]
            rewards.append((-m.costs[rows]).tolist())
            probabilities.append([P.data[P.indptr[y]:P.indptr[y + 1]].tolist() for y in rows])
            columns.append([P.indices[P.indptr[y]:P.indptr[y + 1]].tolist() for y in rows])
        self.solver = mdpsolver.model()
        self.solver.mdp(discount=m.gamma, rewards=rewards, tranMatProbs=probabilities,
                        tranMatColumns=columns)

    def solve(self):
        self.solver.solve(algorithm="mpi", tolerance=self.model.tolerance, update="standard",
                          parIterLim=self.partial_evaluations, parallel=False)

    def results(self):
        values = -np.array(self.solver.getValueVector())
        return values, self.rows_from_positions(np.array(self.solver.getPolicy()))


PEERS = {peer.name: peer for peer in (QuantEconMPI, StormpyVI, StormpyLRA, MdpToolboxRVI,
                                       MdpToolboxRVIPatched, NumpyVI, MdpSolverMPI)}


def run(peer_name: str, model_dir: Path, output: Path,
        gain_tolerance: float | None = None) -> None:
    """Load, build, solve and write the results of one peer. `built.json` is written
    once the build is done, so that a caller can tell a build from a solve that failed.
    `gain_tolerance` sets the absolute gain tolerance of an average-cost peer that has one."""
    start = time.perf_counter()
    peer = PEERS[peer_name](model_dir)
    if gain_tolerance is not None:
        if getattr(peer, "gain_tolerance", None) is None:
            raise ValueError(f"--gain-tolerance: {peer_name} has no gain tolerance")
        if not 0 < gain_tolerance < float("inf"):
            raise ValueError(f"--gain-tolerance {gain_tolerance}: must be positive and finite")
        peer.gain_tolerance = gain_tolerance
    loaded = time.perf_counter()
    peer.build()
    built = time.perf_counter()
    output.mkdir(parents=True, exist_ok=True)
    (output / "built.json").write_text(json.dumps(
        {"loadSeconds": loaded - start, "buildSeconds": built - loaded}) + "\n")
    solve_start = time.perf_counter()
    peer.solve()
    solved = time.perf_counter()
    values, choice_rows = peer.results()
    np.ascontiguousarray(values, dtype="<f8").tofile(output / "values.float64")
    np.ascontiguousarray(choice_rows, dtype="<i4").tofile(output / "choice_rows.int32")
    summary = {
        "peer": peer_name,
        "settings": peer.settings,
        "stoppingRule": peer.stopping_rule,
        "loadSeconds": loaded - start,
        "buildSeconds": built - loaded,
        "solveSeconds": solved - solve_start,
        "iterations": peer.iterations,
        "errorBound": peer.error_bound,
    }
    (output / "result.json").write_text(json.dumps(summary, indent=2) + "\n")


def main() -> None:
    """Command line of one peer run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("peer", choices=sorted(PEERS))
    parser.add_argument("--model", type=Path, required=True, help="exported model directory")
    parser.add_argument("--output", type=Path, required=True, help="result directory")
    parser.add_argument("--gain-tolerance", type=float,
                        help="absolute gain tolerance of mdptoolbox-rvi(-patched)")
    args = parser.parse_args()
    run(args.peer, args.model, args.output, args.gain_tolerance)


if __name__ == "__main__":
    main()
