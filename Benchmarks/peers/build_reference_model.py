"""Builds the service-mode offloading MDP independently of OffloadLab, from the spec.

specs/service-modes.md: state (xb, xl, x1, x2) with 0 <= xb <= B, 0 <= x2 <= B2 (S2.1,
S2.3), events of S2.2 (arrival lost at xb = B, local completion blocked at x2 = B2),
uniformisation constant nu = lambda + mu_c1 + mu_c2 + mu_l2 (S3.2), post-decision
candidates idle, SM1, SM2, SM1+SM2 (S3.3) and the Bellman equation of S3.4 with per-stage
cost |y|. The result is written in the `offloadlab-mdp-v1` format (README.md), with one
row per post-decision state; row y is the state y itself.

    python build_reference_model.py --buffer 100 --output DIR            # configuration (a)
    python build_reference_model.py --parameters-from EXPORT --output DIR
"""

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import mdp_format


@dataclass(frozen=True)
class Parameters:
    """Raw rates and truncation of one model instance (S1, S2.3, S3.2)."""

    arrival_rate: float  # lambda
    sm1_cloud_rate: float  # mu_c1
    sm2_local_rate: float  # mu_l2
    sm2_cloud_rate: float  # mu_c2
    buffer_limit: int  # B
    cloud_buffer_limit: int  # B2
    discount_factor: float = 0.99  # gamma
    tolerance: float = 1e-8

    @property
    def uniformization_rate(self) -> float:
        """nu = lambda + mu_c1 + mu_c2 + mu_l2 (S3.2, sum of all rates)."""
        return self.arrival_rate + self.sm1_cloud_rate + self.sm2_cloud_rate + self.sm2_local_rate

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """Grid shape (xb, xl, x1, x2)."""
        return (self.buffer_limit + 1, 2, 2, self.cloud_buffer_limit + 1)

    @classmethod
    def from_paper(cls, rho, K, f, mu0, buffer_limit, cloud_buffer_limit, **rest):
        """Rates from the paper's parameters (S1): lambda = rho (1+K) mu0, mu_c1 = K mu0,
        mu_l2 = mu0 / f, mu_c2 = K mu0 / (1 - f)."""
        return cls(
            arrival_rate=rho * (1 + K) * mu0,
            sm1_cloud_rate=K * mu0,
            sm2_local_rate=mu0 / f,
            sm2_cloud_rate=K * mu0 / (1 - f),
            buffer_limit=buffer_limit,
            cloud_buffer_limit=cloud_buffer_limit,
            **rest,
        )

    @classmethod
    def from_meta(cls, meta: dict):
        """Parameters recorded in an exported model.json."""
        p = meta["parameters"]
        return cls(
            arrival_rate=p["arrivalRate"],
            sm1_cloud_rate=p["sm1CloudRate"],
            sm2_local_rate=p["sm2LocalRate"],
            sm2_cloud_rate=p["sm2CloudRate"],
            buffer_limit=p["bufferLimit"],
            cloud_buffer_limit=p["cloudBufferLimit"],
            discount_factor=meta["discountFactor"],
            tolerance=meta["tolerance"],
        )

    def meta(self) -> dict:
        """The model.json fields describing these parameters (without counts and files)."""
        return {
            "form": "post-decision",
            "objective": "minimize",
            "discountFactor": self.discount_factor,
            "tolerance": self.tolerance,
            "parameters": {
                "arrivalRate": self.arrival_rate,
                "sm1CloudRate": self.sm1_cloud_rate,
                "sm2LocalRate": self.sm2_local_rate,
                "sm2CloudRate": self.sm2_cloud_rate,
                "uniformizationRate": self.uniformization_rate,
                "bufferLimit": self.buffer_limit,
                "cloudBufferLimit": self.cloud_buffer_limit,
            },
        }


def grid_coordinates(shape) -> np.ndarray:
    """All grid points in C order as an (N, 4) array; row k is the state with index k."""
    return np.indices(shape).reshape(4, -1).T.astype(np.int64)


def flat_index(coordinates: np.ndarray, shape) -> np.ndarray:
    """Flat C-order index of (N, 4) grid coordinates."""
    return np.ravel_multi_index(tuple(coordinates.T), shape)


def transition_matrix(params: Parameters, coords: np.ndarray) -> sp.csr_matrix:
    """P(y, x') of S3.4 for every post-decision state y (one row per grid point)."""
    B, B2, nu = params.buffer_limit, params.cloud_buffer_limit, params.uniformization_rate
    yb, yl, y1, y2 = coords.T
    n = len(coords)
    rows = np.arange(n)
    arrival = coords.copy()
    arrival[:, 0] = np.minimum(yb + 1, B)  # lost at xb = B: self-loop
    sm1_on = (y1 == 1) & (y2 == 0)  # preemptive SM2 priority at the cloud
    sm1_done = coords.copy()
    sm1_done[:, 2] = 0
    sm2_on = y2 >= 1
    sm2_done = coords.copy()
    sm2_done[:, 3] = y2 - 1
    local_on = yl == 1
    local_done = coords.copy()
    blocked = y2 == B2  # local completion blocked at x2 = B2: self-loop
    local_done[:, 1] = np.where(blocked, yl, 0)
    local_done[:, 3] = np.where(blocked, y2, y2 + 1)
    active = (
        params.arrival_rate
        + params.sm1_cloud_rate * sm1_on
        + params.sm2_cloud_rate * sm2_on
        + params.sm2_local_rate * local_on
    )
    events = [
        (np.ones(n, bool), arrival, params.arrival_rate / nu),
        (sm1_on, sm1_done, params.sm1_cloud_rate / nu),
        (sm2_on, sm2_done, params.sm2_cloud_rate / nu),
        (local_on, local_done, params.sm2_local_rate / nu),
    ]
    from_rows, to_states, probabilities = [rows], [rows], [1 - active / nu]  # fictitious
    for enabled, target, probability in events:
        from_rows.append(rows[enabled])
        to_states.append(flat_index(target[enabled], params.shape))
        probabilities.append(np.full(enabled.sum(), probability))
    P = sp.csr_matrix(
        (np.concatenate(probabilities), (np.concatenate(from_rows), np.concatenate(to_states))),
        shape=(n, n),
    )  # duplicate (row, column) entries are summed
    P.sum_duplicates()
    P.sort_indices()
    return P


def candidates(params: Parameters, coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR-like candidate lists of S3.3: (candidate_start, candidate_rows).

    Order within a state: idle, SM1 (xb >= 1, x1 = 0), SM2 (xb >= 1, xl = 0),
    SM1+SM2 (xb >= 2, x1 = 0, xl = 0).
    """
    xb, xl, x1, _ = coords.T
    n = len(coords)
    options = [  # (admissible, change to (xb, xl, x1, x2))
        (np.ones(n, bool), (0, 0, 0, 0)),
        ((xb >= 1) & (x1 == 0), (-1, 0, 1, 0)),
        ((xb >= 1) & (xl == 0), (-1, 1, 0, 0)),
        ((xb >= 2) & (x1 == 0) & (xl == 0), (-2, 1, 1, 0)),
    ]
    states, actions, rows = [], [], []
    for action, (admissible, change) in enumerate(options):
        chosen = np.flatnonzero(admissible)
        states.append(chosen)
        actions.append(np.full(len(chosen), action))
        rows.append(flat_index(coords[chosen] + np.array(change), params.shape))
    states, actions, rows = map(np.concatenate, (states, actions, rows))
    order = np.lexsort((actions, states))
    candidate_start = np.concatenate(([0], np.cumsum(np.bincount(states, minlength=n))))
    return candidate_start, rows[order]


def build(params: Parameters) -> mdp_format.Model:
    """The whole model in memory."""
    coords = grid_coordinates(params.shape)
    P = transition_matrix(params, coords)
    candidate_start, candidate_rows = candidates(params, coords)
    meta = params.meta()
    meta.update(stateCount=len(coords), rowCount=len(coords), nonzeroCount=P.nnz)
    return mdp_format.Model(
        meta=meta,
        transitions=P,
        costs=coords.sum(axis=1).astype(np.float64),
        candidate_start=candidate_start,
        candidate_rows=candidate_rows,
        state_coordinates=coords,
        row_coordinates=coords,
    )


def main() -> None:
    """Command line: build one model and write it in the export format."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, required=True, help="model directory to write")
    parser.add_argument("--parameters-from", type=Path, metavar="EXPORT",
                        help="take every parameter from this exported model's model.json")
    parser.add_argument("--buffer", type=int, default=100, help="B (default 100)")
    parser.add_argument("--cloud-buffer", type=int, help="B2 (default B)")
    parser.add_argument("--rho", type=float, default=0.5, help="load (default 0.5, S9 (a))")
    parser.add_argument("--K", type=float, default=5.0, help="cloud capacity factor (default 5)")
    parser.add_argument("--f", type=float, default=0.6, help="SM2 local fraction (default 0.6)")
    parser.add_argument("--mu0", type=float, default=1.0, help="local capacity (default 1)")
    parser.add_argument("--gamma", type=float, default=0.99, help="discount factor (default 0.99)")
    parser.add_argument("--tolerance", type=float, default=1e-8,
                        help="certified sup-norm tolerance recorded in model.json (default 1e-8)")
    args = parser.parse_args()
    if args.parameters_from:
        params = Parameters.from_meta(mdp_format.read_meta(args.parameters_from))
    else:
        params = Parameters.from_paper(
            args.rho, args.K, args.f, args.mu0, args.buffer,
            args.buffer if args.cloud_buffer is None else args.cloud_buffer,
            discount_factor=args.gamma, tolerance=args.tolerance,
        )
    start = time.perf_counter()
    model = build(params)
    mdp_format.write_model(args.output, model.meta, mdp_format.model_arrays(model))
    print(f"built {model.state_count} states, {model.transitions.nnz} nonzeros, "
          f"{len(model.candidate_rows)} candidate pairs in {time.perf_counter() - start:.2f} s "
          f"-> {args.output}")


if __name__ == "__main__":
    main()
