"""Matrix-free value iteration for the service-mode MDP, vectorised with numpy.

Written directly from the Bellman equation S3.4 of specs/service-modes.md on the
(xb, xl, x1, x2) grid, without any transition matrix: the four events are shifted
views of the value array.

    W(y) = |y| + gamma/nu [ lambda V(arr y) + mu_c1 1{y1=1, y2=0} V(d1 y)
                            + mu_c2 1{y2>=1} V(d2 y) + mu_l2 1{yl=1} V(lc y)
                            + (nu - active(y)) V(y) ]
    V(x) = min over the candidates of x (idle, SM1, SM2, SM1+SM2) of W.

Jacobi iteration from V = 0, stopped by the MacQueen-Porteus bounds: with
d = T V - V, the fixed point lies in [T V + g lo, T V + g hi] (g = gamma/(1-gamma),
lo = min d, hi = max d); the iteration stops when g (hi - lo) / 2 <= tolerance and
returns the midpoint T V + g (lo + hi) / 2, which is then within `tolerance` of V*
in the sup norm.
"""

from dataclasses import dataclass

import numpy as np

# Action codes (S12) and the change each applies to (xb, xl, x1, x2).
ACTION_CHANGES = ((0, 0, 0, 0), (-1, 0, 1, 0), (-1, 1, 0, 0), (-2, 1, 1, 0))


@dataclass
class Solution:
    """Values and greedy action codes on the grid, with the run's statistics."""

    values: np.ndarray  # shape (B+1, 2, 2, B2+1)
    actions: np.ndarray  # action code per state, same shape
    iterations: int
    error_bound: float  # certified sup-norm distance to V*


class Grid:
    """The model's rates and the coefficient arrays of S3.4 on the grid."""

    def __init__(self, arrival_rate, sm1_cloud_rate, sm2_local_rate, sm2_cloud_rate,
                 buffer_limit, cloud_buffer_limit, discount_factor):
        self.shape = (buffer_limit + 1, 2, 2, cloud_buffer_limit + 1)
        self.gamma = discount_factor
        nu = arrival_rate + sm1_cloud_rate + sm2_cloud_rate + sm2_local_rate  # S3.2
        xb, xl, x1, x2 = np.indices(self.shape)
        self.cost = (xb + xl + x1 + x2).astype(np.float64)
        active = (arrival_rate
                  + sm1_cloud_rate * ((x1 == 1) & (x2 == 0))
                  + sm2_cloud_rate * (x2 >= 1)
                  + sm2_local_rate * (xl == 1))
        g = discount_factor / nu
        self.stay = g * (nu - active)  # fictitious self-loop of uniformisation
        self.arrival = g * arrival_rate
        self.sm1_departure = g * sm1_cloud_rate
        self.sm2_departure = g * sm2_cloud_rate
        self.local_completion = g * sm2_local_rate

    def post_decision_values(self, V: np.ndarray, W: np.ndarray) -> None:
        """W(y) of S3.4 for every post-decision state y, written into W."""
        np.multiply(self.stay, V, out=W)
        W += self.cost
        W[:-1] += self.arrival * V[1:]  # arrival: xb + 1
        W[-1] += self.arrival * V[-1]  # lost at xb = B: self-loop
        W[:, :, 1, 0] += self.sm1_departure * V[:, :, 0, 0]  # SM1 done (only while x2 = 0)
        W[..., 1:] += self.sm2_departure * V[..., :-1]  # SM2 cloud departure: x2 - 1
        W[:, 1, :, :-1] += self.local_completion * V[:, 0, :, 1:]  # local done: x2 + 1
        W[:, 1, :, -1] += self.local_completion * V[:, 1, :, -1]  # blocked at x2 = B2

    @staticmethod
    def minimise(W: np.ndarray, V: np.ndarray) -> None:
        """V(x) = min over the candidates of x (S3.3) of W, written into V."""
        V[...] = W  # idle
        np.minimum(V[1:, :, 0], W[:-1, :, 1], out=V[1:, :, 0])  # SM1: xb >= 1, x1 = 0
        np.minimum(V[1:, 0], W[:-1, 1], out=V[1:, 0])  # SM2: xb >= 1, xl = 0
        np.minimum(V[2:, 0, 0], W[:-2, 1, 1], out=V[2:, 0, 0])  # SM1+SM2: xb >= 2

    @staticmethod
    def greedy_actions(W: np.ndarray) -> np.ndarray:
        """Action code minimising W at every state; ties go to the first of
        idle, SM1, SM2, SM1+SM2 (strict improvement needed to switch)."""
        best = W.copy()
        actions = np.zeros(W.shape, dtype=np.int8)
        candidates = (
            ((slice(1, None), slice(None), 0), (slice(None, -1), slice(None), 1), 1),
            ((slice(1, None), 0), (slice(None, -1), 1), 2),
            ((slice(2, None), 0, 0), (slice(None, -2), 1, 1), 3),
        )
        for at, source, code in candidates:
            better = W[source] < best[at]
            best[at] = np.where(better, W[source], best[at])
            actions[at] = np.where(better, code, actions[at])
        return actions

    def solve(self, tolerance: float, max_iterations: int = 1_000_000) -> Solution:
        """Jacobi value iteration with the MacQueen-Porteus stopping rule."""
        g = self.gamma / (1 - self.gamma)
        V = np.zeros(self.shape)
        W = np.empty(self.shape)
        new = np.empty(self.shape)
        for iteration in range(1, max_iterations + 1):
            self.post_decision_values(V, W)
            self.minimise(W, new)
            np.subtract(new, V, out=V)  # V now holds d = T V - V
            low, high = V.min(), V.max()
            V, new = new, V
            if g * (high - low) / 2 <= tolerance:
                break
        else:
            raise RuntimeError(f"no convergence in {max_iterations} iterations")
        V += g * (low + high) / 2
        self.post_decision_values(V, W)
        return Solution(V, self.greedy_actions(W), iteration, g * (high - low) / 2)
