"""Reading and writing model directories (the format of docs/model-format.md).

A model directory holds `model.json` and raw little-endian arrays named in its `files`
object. `read_model` reads what `offload modes export` writes (`offloadlab-mdp-v1`,
post-decision form) into an `MDPModel`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from .model import MDPModel

#: The format `offload modes export` writes: post-decision form, discrete time.
EXPORT_FORMAT = "offloadlab-mdp-v1"

#: Array key in model.json "files" -> (default file name, little-endian dtype).
ARRAY_TYPES = {
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
#: The arrays that define the MDP; every other array is kept in `MDPModel.arrays`.
_STRUCTURE = (
    "transitionsRowStart",
    "transitionsColumns",
    "transitionsValues",
    "costs",
    "candidateStart",
    "candidateRows",
)


class ModelFormatError(ValueError):
    """A model directory that does not follow the format; the message names the file."""


def read_model(directory: str | Path) -> MDPModel:
    """Read a model directory into an `MDPModel`, checking lengths and invariants.

    Raises `ModelFormatError` (a ValueError) naming the file and the problem.
    """
    directory = Path(directory)
    meta_path = directory / "model.json"
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError) as error:
        raise ModelFormatError(f"{meta_path}: cannot read model.json ({error})") from None
    if meta.get("format") != EXPORT_FORMAT:
        raise ModelFormatError(
            f"{meta_path}: format {meta.get('format')!r}, expected {EXPORT_FORMAT!r}"
        )
    states, rows, nonzeros = (_count(meta, key, meta_path) for key in ("stateCount", "rowCount", "nonzeroCount"))
    files = meta.get("files", {})

    def load(key: str, length: int | None) -> np.ndarray | None:
        default_name, dtype = ARRAY_TYPES[key]
        path = directory / files.get(key, default_name)
        if not path.exists():
            if key in _STRUCTURE:
                raise ModelFormatError(f"{path}: missing (array {key!r} of {meta_path})")
            return None
        array = np.fromfile(path, dtype=dtype)
        if length is not None and len(array) != length:
            raise ModelFormatError(f"{path}: {len(array)} entries, expected {length}")
        return array.astype(dtype.replace("<", "="), copy=False)

    row_start = load("transitionsRowStart", rows + 1)
    candidate_start = load("candidateStart", states + 1)
    if row_start[0] != 0 or row_start[-1] != nonzeros or np.any(np.diff(row_start) < 0):
        raise ModelFormatError(
            f"{directory / files.get('transitionsRowStart', 'transitions_row_start.int64')}: "
            f"offsets must rise from 0 to nonzeroCount = {nonzeros}"
        )
    if candidate_start[0] != 0 or np.any(np.diff(candidate_start) < 0):
        raise ModelFormatError(
            f"{directory / files.get('candidateStart', 'candidate_start.int64')}: offsets "
            "must start at 0 and not decrease"
        )
    columns = load("transitionsColumns", nonzeros)
    if nonzeros and (columns.min() < 0 or columns.max() >= states):
        raise ModelFormatError(
            f"{directory / files.get('transitionsColumns', 'transitions_columns.int32')}: "
            f"state index out of 0..{states - 1}"
        )
    transitions = sp.csr_matrix(
        (load("transitionsValues", nonzeros), columns, row_start), shape=(rows, states)
    )
    arrays: dict[str, np.ndarray] = {}
    shapes = {"stateCoordinates": states, "rowCoordinates": rows, "referenceValues": states, "referencePolicy": states}
    for key, count in shapes.items():
        array = load(key, None)
        if array is None:
            continue
        if len(array) % count if count else len(array):
            raise ModelFormatError(f"{key}: {len(array)} entries for {count} items")
        arrays[key] = array.reshape(count, -1) if "Coordinates" in key else array
    metadata = {key: value for key, value in meta.items() if key not in ("files",)}
    model = MDPModel(
        transitions=transitions,
        costs=load("costs", rows),
        candidate_start=candidate_start,
        candidate_rows=load("candidateRows", int(candidate_start[-1])),
        form=meta.get("form", "post-decision"),
        time="discrete",
        metadata=metadata,
        arrays=arrays,
    )
    try:
        model.check()
    except ValueError as error:
        raise ModelFormatError(f"{directory}: {error}") from None
    return model


def _count(meta: dict[str, Any], key: str, path: Path) -> int:
    value = meta.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ModelFormatError(f"{path}: {key} is {value!r}, expected an integer >= 0")
    return value
