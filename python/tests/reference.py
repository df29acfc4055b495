"""Independent reference computations for the tests (nothing here calls OffloadLab)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def truncated_mm1(arrival_rate: float, service_rate: float, capacity: int) -> dict[str, float]:
    """M/M/1/K with room for `capacity` jobs: the truncated geometric distribution
    p_n ∝ ρ^n, n = 0..K, its blocking probability p_K, mean jobs and (Little) mean delay."""
    rho = arrival_rate / service_rate
    weights = rho ** np.arange(capacity + 1)
    p = weights / weights.sum()
    mean_jobs = float(np.arange(capacity + 1) @ p)
    blocking = float(p[-1])
    return {
        "blocking_probability": blocking,
        "mean_jobs": mean_jobs,
        "mean_delay": mean_jobs / (arrival_rate * (1 - blocking)),
    }


def policy_iteration(
    transitions: sp.csr_matrix, costs: np.ndarray, states: np.ndarray, gamma: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Discounted policy iteration on the state-action-pair form (choice c of state
    states[c], row transitions[c], cost costs[c]); exact sparse solves per policy.

    Returns (values, chosen position within each state's choices, bound): the bound is
    the sup-norm Bellman residual ||T V - V|| over (1 - gamma), which bounds
    max |V - V*| for any V because T is a gamma-contraction."""
    n = int(states.max()) + 1
    start = np.searchsorted(states, np.arange(n + 1))
    choice = start[:-1].copy()  # first choice of each state
    identity = sp.identity(n, format="csr")
    for _ in range(200):
        values = spla.spsolve((identity - gamma * transitions[choice]).tocsc(), costs[choice])
        q = costs + gamma * (transitions @ values)
        best = np.minimum.reduceat(q, start[:-1])
        # keep the current choice unless another is better by more than round-off
        improve = q[choice] > best + 1e-12 * np.maximum(1, np.abs(best))
        if not improve.any():
            break
        for state in np.flatnonzero(improve):
            segment = q[start[state] : start[state + 1]]
            choice[state] = start[state] + int(np.argmin(segment))
    q = costs + gamma * (transitions @ values)
    residual = float(np.max(np.abs(np.minimum.reduceat(q, start[:-1]) - values)))
    return values, choice - start[:-1], residual / (1 - gamma)
