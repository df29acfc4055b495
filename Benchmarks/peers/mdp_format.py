"""Reader and writer of the `offloadlab-mdp-v1` export format (see README.md).

A model directory holds `model.json` and raw little-endian arrays. The MDP is in
post-decision form: rows are post-decision states, columns are (pre-decision) states,

    V(x) = min over candidate rows y of x of W(y),   W(y) = cost(y) + gamma * sum_x' P(y, x') V(x').
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

FORMAT = "offloadlab-mdp-v1"

# File key in model.json "files" -> (default file name, little-endian dtype).
ARRAYS = {
    "transitionsRowStart": ("transitions_row_start.int64", "<i8"),
    "transitionsColumns": ("transitions_columns.int32", "<i4"),
    "transitionsValues": ("transitions_values.float64", "<f8"),
    "costs": ("costs.float64", "<f8"),
    "candidateStart": ("candidate_start.int64", "<i8"),
    "candidateRows": ("candidate_rows.int32", "<i4"),
    "stateCoordinates": ("state_coordinates.int32", "<i4"),
    "rowCoordinates": ("row_coordinates.int32", "<i4"),
    "referenceValues": ("reference_values.float64", "<f8"),
    "referencePolicy": ("reference_policy.int32", "<i4"),
}
OPTIONAL = ("referenceValues", "referencePolicy")

# Largest |row sum - 1| accepted when a model is loaded.
ROW_SUM_TOLERANCE = 1e-12


@dataclass
class Model:
    """One exported MDP, with its metadata and arrays (all arrays in memory)."""

    meta: dict
    transitions: sp.csr_matrix  # rows x states
    costs: np.ndarray  # rows
    candidate_start: np.ndarray  # states + 1
    candidate_rows: np.ndarray  # candidate pairs
    state_coordinates: np.ndarray  # states x 4 (xb, xl, x1, x2)
    row_coordinates: np.ndarray  # rows x 4
    reference_values: np.ndarray | None = None
    reference_policy: np.ndarray | None = None  # candidate position per state

    @property
    def state_count(self) -> int:
        """Number of (pre-decision) states."""
        return len(self.candidate_start) - 1

    @property
    def gamma(self) -> float:
        """Discount factor of the discrete-time model."""
        return float(self.meta["discountFactor"])

    @property
    def tolerance(self) -> float:
        """Certified sup-norm tolerance on values that every solver must meet."""
        return float(self.meta["tolerance"])

    def pair_states(self) -> np.ndarray:
        """State of each candidate pair (the state-action-pair form's s_indices)."""
        counts = np.diff(self.candidate_start)
        return np.repeat(np.arange(self.state_count, dtype=np.int64), counts)

    def pair_positions(self) -> np.ndarray:
        """Position of each candidate pair within its state's list (a_indices)."""
        starts = np.repeat(self.candidate_start[:-1], np.diff(self.candidate_start))
        return np.arange(len(self.candidate_rows), dtype=np.int64) - starts

    def reference_choice_rows(self) -> np.ndarray | None:
        """Chosen row per state of the reference policy, if the export has one."""
        if self.reference_policy is None:
            return None
        return self.candidate_rows[self.candidate_start[:-1] + self.reference_policy]


def write_model(directory: Path, meta: dict, model_arrays: dict) -> None:
    """Write model.json and every array given (keys as in ARRAYS) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for key, array in model_arrays.items():
        name, dtype = ARRAYS[key]
        np.ascontiguousarray(array, dtype=dtype).tofile(directory / name)
        files[key] = name
    document = dict(meta, format=FORMAT, files=files)
    (directory / "model.json").write_text(json.dumps(document, indent=2) + "\n")


def model_arrays(model: Model) -> dict:
    """The arrays of `model` keyed as in ARRAYS (for writing it back)."""
    arrays = {
        "transitionsRowStart": model.transitions.indptr,
        "transitionsColumns": model.transitions.indices,
        "transitionsValues": model.transitions.data,
        "costs": model.costs,
        "candidateStart": model.candidate_start,
        "candidateRows": model.candidate_rows,
        "stateCoordinates": model.state_coordinates,
        "rowCoordinates": model.row_coordinates,
    }
    if model.reference_values is not None:
        arrays["referenceValues"] = model.reference_values
    if model.reference_policy is not None:
        arrays["referencePolicy"] = model.reference_policy
    return arrays


def read_meta(directory: Path) -> dict:
    """Read and check model.json only."""
    meta = json.loads((Path(directory) / "model.json").read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{directory}: format {meta.get('format')!r}, expected {FORMAT!r}")
    if meta.get("form") != "post-decision" or meta.get("objective") != "minimize":
        raise ValueError(f"{directory}: only post-decision minimisation models are supported")
    return meta


def load_array(directory: Path, meta: dict, key: str, length: int) -> np.ndarray | None:
    """Load one array, checking its length; None if optional and absent."""
    default_name, dtype = ARRAYS[key]
    name = meta.get("files", {}).get(key, default_name)
    path = directory / name
    if not path.exists():
        if key in OPTIONAL:
            return None
        raise FileNotFoundError(path)
    array = np.fromfile(path, dtype=dtype)
    if len(array) != length:
        raise ValueError(f"{path}: {len(array)} entries, expected {length}")
    return array


def read_model(directory: Path) -> Model:
    """Read a model directory and check its structural invariants."""
    directory = Path(directory)
    meta = read_meta(directory)
    n, r, nnz = meta["stateCount"], meta["rowCount"], meta["nonzeroCount"]

    def load(key: str, length: int) -> np.ndarray | None:
        return load_array(directory, meta, key, length)

    row_start = load("transitionsRowStart", r + 1)
    columns = load("transitionsColumns", nnz)
    values = load("transitionsValues", nnz)
    candidate_start = load("candidateStart", n + 1)
    candidate_rows = load("candidateRows", int(candidate_start[-1]))
    model = Model(
        meta=meta,
        transitions=sp.csr_matrix((values, columns, row_start), shape=(r, n)),
        costs=load("costs", r),
        candidate_start=candidate_start,
        candidate_rows=candidate_rows,
        state_coordinates=load("stateCoordinates", 4 * n).reshape(n, 4),
        row_coordinates=load("rowCoordinates", 4 * r).reshape(r, 4),
        reference_values=load("referenceValues", n),
        reference_policy=load("referencePolicy", n),
    )
    _check(model, directory)
    return model


def _check(model: Model, directory: Path) -> None:
    """Raise ValueError if the model breaks an invariant of the format."""
    P = model.transitions
    problems = []
    if P.nnz and (P.indices.min() < 0 or P.indices.max() >= model.state_count):
        problems.append("transition column out of range")
    if P.nnz and P.data.min() <= 0:
        problems.append("non-positive transition probability")
    row_sums = np.asarray(P.sum(axis=1)).ravel()
    if np.abs(row_sums - 1).max() > ROW_SUM_TOLERANCE:
        problems.append(f"row sums differ from 1 by {np.abs(row_sums - 1).max():.2e}")
    if np.any(np.diff(model.candidate_start) < 1):
        problems.append("a state without candidates")
    rows = model.candidate_rows
    if len(rows) and (rows.min() < 0 or rows.max() >= P.shape[0]):
        problems.append("candidate row out of range")
    if model.reference_policy is not None:
        counts = np.diff(model.candidate_start)
        if np.any((model.reference_policy < 0) | (model.reference_policy >= counts)):
            problems.append("reference policy position out of range")
    if problems:
        raise ValueError(f"{directory}: " + "; ".join(problems))
