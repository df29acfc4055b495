"""MDPs as arrays, and the project's model directory format (docs/python.md §4;
the format itself: docs/model-format.md).

An `MDPModel` is a finite MDP in the row form of the model format: a sparse matrix whose
rows are distributions (or, in continuous time, rate rows) over the states, one cost per
row, and for each state its list of candidate rows, one per available action:

    V(x) = min over the candidate rows y of x of  cost(y) + gamma * sum_x' P(y, x') V(x').

In the choice form row y is one (state, action) pair and each row belongs to one state;
in the post-decision form (what `offload modes export` writes) states may share rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse as sp

#: Largest |row sum - 1| of a probability row accepted before anything is written
#: (the bound the tool applies when it reads a model file).
ROW_SUM_TOLERANCE = 1e-9


class ArrayError(ValueError):
    """A bad entry of one of the model's arrays; `key` names the array (as in the model
    format's `files`), so a reader can name the file."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


@dataclass
class MDPModel:
    """A finite MDP as arrays (see the module docstring for the equation).

    `transitions` is a CSR matrix rows x states; `costs` one cost per row;
    `candidate_start` (states + 1 offsets) and `candidate_rows` list each state's rows in
    action order. `choice_actions` gives, per candidate, the action label it came from
    (its index in the caller's action axis), so a policy can be reported in the caller's
    terms. `time` is "discrete" (rows are probabilities) or "continuous" (rows are rates
    out of the state, costs are per unit time). `form` is "choice" or "post-decision";
    a continuous post-decision model names each row's `home_states` (the state the system
    sits in while the row's rates run).
    `metadata` keeps every other key of a model file's model.json; `arrays` every other
    array (coordinates, reference values and policy of an export).
    """

    transitions: sp.csr_matrix
    costs: np.ndarray
    candidate_start: np.ndarray
    candidate_rows: np.ndarray
    choice_actions: np.ndarray | None = None
    time: str = "discrete"
    form: str = "choice"
    home_states: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    # -- shape ---------------------------------------------------------------------------

    @property
    def state_count(self) -> int:
        """Number of states."""
        return len(self.candidate_start) - 1

    @property
    def row_count(self) -> int:
        """Number of rows (choices, or post-decision states)."""
        return self.transitions.shape[0]

    @property
    def choice_count(self) -> int:
        """Number of (state, candidate) pairs."""
        return len(self.candidate_rows)

    def choice_states(self) -> np.ndarray:
        """The state of each candidate, in candidate order."""
        return np.repeat(np.arange(self.state_count), np.diff(self.candidate_start))

    def choices(self) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """The model in state-action-pair form: (transitions per candidate, cost per
        candidate, state per candidate), as QuantEcon's `DiscreteDP(R, Q, beta, s_indices,
        a_indices)` takes it (with rewards = -costs)."""
        return (
            self.transitions[self.candidate_rows].tocsr(),
            self.costs[self.candidate_rows],
            self.choice_states(),
        )

    def as_choice_form(self) -> "MDPModel":
        """The same MDP with one row per (state, candidate) pair (discrete time, or a
        continuous model already in choice form)."""
        if self.form == "choice" and np.array_equal(self.candidate_rows, np.arange(self.row_count)):
            return self
        if self.time == "continuous" and self.form == "post-decision":
            raise ValueError(
                "a continuous post-decision model has no choice form here: a row's rates run "
                "in its home state, which need not be the state that selects it"
            )
        transitions, costs, _ = self.choices()
        arrays = {key: value for key, value in self.arrays.items() if key != "rowCoordinates"}
        if "rowCoordinates" in self.arrays:
            arrays["rowCoordinates"] = self.arrays["rowCoordinates"][self.candidate_rows]
        return MDPModel(
            transitions=transitions,
            costs=costs,
            candidate_start=self.candidate_start.copy(),
            candidate_rows=np.arange(self.choice_count, dtype=np.int64),
            choice_actions=self.choice_actions,
            time=self.time,
            form="choice",
            metadata=dict(self.metadata, form="choice"),
            arrays=arrays,
        )

    # -- construction --------------------------------------------------------------------

    @classmethod
    def from_actions(
        cls,
        transitions: np.ndarray | Sequence[Any],
        costs: np.ndarray,
        *,
        time: str = "discrete",
    ) -> "MDPModel":
        """An MDP from one matrix per action, as pymdptoolbox takes it.

        `transitions[a]` is the states x states matrix of action a (dense array or
        scipy.sparse); a 3-d array is read as (actions, states, states). `costs[s, a]` is
        the cost of action a in state s; `inf` marks an action not available in s (its
        matrix row is then ignored). In discrete time each available row must sum to 1;
        in continuous time rows hold rates out of s (>= 0; the diagonal entry, e.g. a
        generator's -q(s), is ignored) and costs are per unit time.
        """
        costs = np.asarray(costs, dtype=float)
        if costs.ndim != 2:
            raise ValueError(f"costs must be 2-d (states, actions), got shape {costs.shape}")
        states, actions = costs.shape
        if isinstance(transitions, np.ndarray) and transitions.ndim != 3:
            raise ValueError(
                "transitions must be a 3-d array (actions, states, states) or a list of "
                f"matrices, got an array of shape {transitions.shape}"
            )
        if len(transitions) != actions:
            raise ValueError(
                f"transitions has {len(transitions)} actions but costs has {actions} columns"
            )
        matrices = []
        for action, matrix in enumerate(transitions):
            matrix = sp.csr_matrix(matrix, dtype=float)
            if matrix.shape != (states, states):
                raise ValueError(
                    f"transitions[{action}] has shape {matrix.shape}, expected "
                    f"({states}, {states}) (costs has {states} states)"
                )
            matrices.append(matrix)
        available = ~np.isposinf(costs)
        state_of, action_of = np.nonzero(available)  # row-major: states, then actions
        stacked = sp.vstack(matrices, format="csr")  # row a * states + s is (s, a)
        rows = stacked[action_of * states + state_of]
        counts = np.bincount(state_of, minlength=states)
        return cls.from_choices(
            rows,
            costs[state_of, action_of],
            state_of,
            choice_actions=action_of,
            time=time,
            counts=counts,
        )

    @classmethod
    def from_choices(
        cls,
        transitions: Any,
        costs: np.ndarray,
        states: np.ndarray,
        *,
        choice_actions: np.ndarray | None = None,
        time: str = "discrete",
        counts: np.ndarray | None = None,
    ) -> "MDPModel":
        """An MDP in state-action-pair form, as QuantEcon's `DiscreteDP` with `s_indices`
        takes it: row i of `transitions` (choices x states, dense or sparse) and `costs[i]`
        belong to state `states[i]`; `states` must be non-decreasing (a state's choices
        are consecutive) and cover every state.
        """
        states = np.asarray(states).ravel()
        transitions = _canonical(transitions, home=states if time == "continuous" else None)
        costs = np.asarray(costs, dtype=float).ravel()
        rows, columns = transitions.shape
        if len(costs) != rows or len(states) != rows:
            raise ValueError(
                f"transitions has {rows} rows, costs {len(costs)} entries and states "
                f"{len(states)}: one of each per choice is needed"
            )
        if rows and (np.any(np.diff(states) < 0) or states[0] < 0):
            raise ValueError(
                "states must be non-decreasing and >= 0 (a state's choices consecutive)"
            )
        if counts is None:
            counts = np.bincount(states, minlength=columns) if rows else np.zeros(columns, int)
        if len(counts) != columns:
            raise ValueError(
                f"states names state {len(counts) - 1}, but transitions has {columns} columns"
            )
        start = np.zeros(columns + 1, dtype=np.int64)
        np.cumsum(counts, out=start[1:])
        model = cls(
            transitions=transitions,
            costs=costs,
            candidate_start=start,
            candidate_rows=np.arange(rows, dtype=np.int64),
            choice_actions=None if choice_actions is None else np.asarray(choice_actions),
            time=time,
            form="choice",
        )
        model.check()
        return model

    # -- checks --------------------------------------------------------------------------

    def check(self) -> None:
        """Raise ValueError naming the first state, row or entry that breaks the format."""
        P = self.transitions
        if P.shape[1] != self.state_count:
            raise ValueError(
                f"transitions has {P.shape[1]} columns but the model has {self.state_count} states"
            )
        counts = np.diff(self.candidate_start)
        if np.any(counts < 1):
            raise ValueError(f"state {int(np.argmax(counts < 1))} has no available action")
        if len(self.costs) != P.shape[0]:
            raise ValueError(f"{len(self.costs)} costs for {P.shape[0]} rows")
        rows = self.candidate_rows
        if len(rows) and (rows.min() < 0 or rows.max() >= P.shape[0]):
            raise ValueError(f"candidate rows must lie in 0..{P.shape[0] - 1}")
        if self.time == "continuous" and self.form == "post-decision":
            home = self.home_states
            if home is None or len(home) != P.shape[0]:
                raise ValueError("a continuous post-decision model needs one home state per row")
            if len(home) and (home.min() < 0 or home.max() >= self.state_count):
                raise ValueError(f"home states must lie in 0..{self.state_count - 1}")
        _check_rows(P, self.costs, self.time, self.describe_row)

    def describe_row(self, row: int) -> str:
        """`row y`, or `state s, action a` when the row is a choice built from actions."""
        if self.form == "choice" and self.choice_actions is not None and row < self.choice_count:
            state = int(np.searchsorted(self.candidate_start, row, side="right") - 1)
            return f"state {state}, action {int(self.choice_actions[row])}"
        return f"row {row}"


@dataclass
class MarkovChain:
    """A finite Markov chain: `transitions` (states x states, CSR) holds probabilities
    (discrete time, rows sum to 1) or rates (continuous time; the diagonal is ignored);
    `costs`, optional, one per state (per stage or per unit time) for the long-run
    average cost. `metadata` and `arrays` as for `MDPModel`."""

    transitions: sp.csr_matrix
    costs: np.ndarray | None = None
    time: str = "discrete"
    metadata: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_matrix(
        cls, transitions: Any, costs: Any = None, *, time: str = "discrete"
    ) -> "MarkovChain":
        """A chain from a square matrix (dense or scipy.sparse) and optional state costs."""
        matrix = sp.csr_matrix(transitions)
        home = np.arange(matrix.shape[0]) if time == "continuous" else None
        matrix = _canonical(matrix, home=home if matrix.shape[0] == matrix.shape[1] else None)
        chain = cls(matrix, None if costs is None else np.asarray(costs, dtype=float).ravel(), time)
        chain.check()
        return chain

    @property
    def state_count(self) -> int:
        """Number of states."""
        return self.transitions.shape[0]

    def check(self) -> None:
        """Raise ValueError naming the first row or entry that breaks the format."""
        rows, columns = self.transitions.shape
        if rows != columns:
            raise ValueError(f"a chain's matrix must be square, got shape {self.transitions.shape}")
        if self.costs is not None and len(self.costs) != rows:
            raise ValueError(f"{len(self.costs)} costs for {rows} states")
        _check_rows(self.transitions, self.costs, self.time, lambda row: f"row {row}")


def _check_rows(
    matrix: sp.csr_matrix, costs: np.ndarray | None, time: str, describe: Callable[[int], str]
) -> None:
    """Raise ValueError naming (via `describe(row)`) the first non-finite cost, the first
    negative or non-finite entry, or (discrete time) the row farthest from summing to 1."""
    if time not in ("discrete", "continuous"):
        raise ValueError(f"time must be 'discrete' or 'continuous', got {time!r}")
    if costs is not None:
        bad = np.flatnonzero(~np.isfinite(costs))
        if len(bad):
            raise ArrayError(
                "costs",
                f"cost of {describe(int(bad[0]))} is {float(costs[bad[0]])}, "
                "expected a finite number",
            )
    bad = np.flatnonzero(~np.isfinite(matrix.data) | (matrix.data < 0))
    if len(bad):
        row = int(np.searchsorted(matrix.indptr, bad[0], side="right") - 1)
        kind = "probability" if time == "discrete" else "rate"
        raise ArrayError(
            "transitionsValues",
            f"{describe(row)}, column {matrix.indices[bad[0]]}: value "
            f"{float(matrix.data[bad[0]])}, expected a finite {kind} >= 0",
        )
    if time == "discrete" and matrix.shape[0]:
        sums = np.asarray(matrix.sum(axis=1)).ravel()
        worst = int(np.argmax(np.abs(sums - 1)))
        if abs(sums[worst] - 1) > ROW_SUM_TOLERANCE:
            raise ArrayError(
                "transitionsValues",
                f"{describe(worst)} sums to {float(sums[worst])!r}, "
                f"not 1 within {ROW_SUM_TOLERANCE}",
            )


def _canonical(matrix: Any, home: np.ndarray | None = None) -> sp.csr_matrix:
    """CSR copy with duplicates summed, explicit zeros dropped and columns ascending; with
    `home` (continuous time), each row's entry in its home state (the diagonal of a
    generator, which the format ignores) dropped too."""
    matrix = sp.csr_matrix(matrix, dtype=float, copy=True)
    matrix.sum_duplicates()
    if home is not None and len(home) == matrix.shape[0]:
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        matrix.data[matrix.indices == np.asarray(home)[rows]] = 0
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return matrix
