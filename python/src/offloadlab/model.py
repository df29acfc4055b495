"""MDPs as arrays, and the project's model directory format (docs/python.md, "Models";
the format itself: docs/model-format.md).

An `MDPModel` is a finite MDP in the row form of the model format: a sparse matrix whose
rows are distributions (or, in continuous time, rate rows) over the states, one cost per
row, and for each state its list of candidate rows, one per available action:

    V(x) = min over the candidate rows y of x of  cost(y) + gamma * sum_x' P(y, x') V(x').

In the choice form row y is one (state, action) pair and each row belongs to one state;
in the post-decision form (what `offload modes export` writes) states may share rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

#: Largest |row sum - 1| of a probability row accepted before anything is written
#: (the bound the tool applies when it reads a model file).
ROW_SUM_TOLERANCE = 1e-9


@dataclass
class MDPModel:
    """A finite MDP as arrays (see the module docstring for the equation).

    `transitions` is a CSR matrix rows x states; `costs` one cost per row;
    `candidate_start` (states + 1 offsets) and `candidate_rows` list each state's rows in
    action order. `choice_actions` gives, per candidate, the action label it came from
    (its index in the caller's action axis), so a policy can be reported in the caller's
    terms. `time` is "discrete" (rows are probabilities) or "continuous" (rows are rates
    out of the state, costs are per unit time). `form` is "choice" or "post-decision".
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
        """The same MDP with one row per (state, candidate) pair."""
        if self.form == "choice" and np.array_equal(
            self.candidate_rows, np.arange(self.row_count)
        ):
            return self
        transitions, costs, _ = self.choices()
        return MDPModel(
            transitions=transitions,
            costs=costs,
            candidate_start=self.candidate_start.copy(),
            candidate_rows=np.arange(self.choice_count, dtype=np.int64),
            choice_actions=self.choice_actions,
            time=self.time,
            form="choice",
            metadata=dict(self.metadata),
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
        in continuous time rows hold rates (off-diagonal, >= 0; the diagonal is ignored).
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
        blocks = sp.vstack([matrices[a][[s]] for s, a in zip(state_of, action_of)], format="csr") if len(state_of) else sp.csr_matrix((0, states))
        counts = np.bincount(state_of, minlength=states)
        return cls.from_choices(
            blocks,
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
        transitions = sp.csr_matrix(transitions, dtype=float)
        transitions.sum_duplicates()
        transitions.eliminate_zeros()
        transitions.sort_indices()
        costs = np.asarray(costs, dtype=float).ravel()
        states = np.asarray(states).ravel()
        rows, columns = transitions.shape
        if len(costs) != rows or len(states) != rows:
            raise ValueError(
                f"transitions has {rows} rows, costs {len(costs)} entries and states "
                f"{len(states)}: one of each per choice is needed"
            )
        if rows and (np.any(np.diff(states) < 0) or states[0] < 0):
            raise ValueError("states must be non-decreasing and >= 0 (a state's choices consecutive)")
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
        if self.time not in ("discrete", "continuous"):
            raise ValueError(f"time must be 'discrete' or 'continuous', got {self.time!r}")
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
        bad = np.flatnonzero(~np.isfinite(self.costs))
        if len(bad):
            raise ValueError(
                f"cost of {self.describe_row(int(bad[0]))} is {self.costs[bad[0]]}, expected a "
                "finite number"
            )
        bad = np.flatnonzero(~np.isfinite(P.data) | (P.data < 0))
        if len(bad):
            row = int(np.searchsorted(P.indptr, bad[0], side="right") - 1)
            raise ValueError(
                f"{self.describe_row(row)}, column {P.indices[bad[0]]}: value {P.data[bad[0]]}, expected a "
                f"finite {'probability' if self.time == 'discrete' else 'rate'} >= 0"
            )
        rows = self.candidate_rows
        if len(rows) and (rows.min() < 0 or rows.max() >= P.shape[0]):
            raise ValueError(f"candidate rows must lie in 0..{P.shape[0] - 1}")
        if self.time == "discrete":
            sums = np.asarray(P.sum(axis=1)).ravel()
            worst = int(np.argmax(np.abs(sums - 1))) if len(sums) else 0
            if len(sums) and abs(sums[worst] - 1) > ROW_SUM_TOLERANCE:
                raise ValueError(
                    f"{self.describe_row(worst)} sums to {sums[worst]!r}, not 1 within "
                    f"{ROW_SUM_TOLERANCE}"
                )

    def describe_row(self, row: int) -> str:
        """`row y`, or `state s, action a` when the row is a choice built from actions."""
        if self.form == "choice" and self.choice_actions is not None and row < self.choice_count:
            state = int(np.searchsorted(self.candidate_start, row, side="right") - 1)
            return f"state {state}, action {int(self.choice_actions[row])}"
        return f"row {row}"
