"""Reading and writing model directories (the format of docs/model-format.md §1).

A model directory holds `model.json` and raw little-endian arrays named in its `files`
object. `read_model` reads both versions: `offloadlab-mdp-v1` (what `offload modes export`
wrote first: post-decision form, discrete time) and `offloadlab-mdp-v2` (choice or
post-decision form, discrete or continuous time, MDPs and chains). `write_model` writes v2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from .model import ArrayError, MarkovChain, MDPModel

#: The format `write_model` writes.
FORMAT = "offloadlab-mdp-v2"
#: The earlier version, still read (post-decision, discrete time, 4 coordinates).
FORMAT_VERSION_1 = "offloadlab-mdp-v1"

#: The coordinates of a version 1 directory's states and rows.
VERSION_1_COORDINATES = ("xb", "xl", "x1", "x2")

#: Array key in model.json "files" -> (default file name, little-endian dtype).
ARRAY_TYPES = {
    "transitionsRowStart": ("transitions_row_start.int64", "<i8"),
    "transitionsColumns": ("transitions_columns.int32", "<i4"),
    "transitionsValues": ("transitions_values.float64", "<f8"),
    "costs": ("costs.float64", "<f8"),
    "candidateStart": ("candidate_start.int64", "<i8"),
    "candidateRows": ("candidate_rows.int32", "<i4"),
    "homeStates": ("home_states.int32", "<i4"),
    "stateCoordinates": ("state_coordinates.int32", "<i4"),
    "rowCoordinates": ("row_coordinates.int32", "<i4"),
    "referenceValues": ("reference_values.float64", "<f8"),
    "referencePolicy": ("reference_policy.int32", "<i4"),
}
#: Arrays kept in `arrays` of the model read: key -> whether they have one entry per
#: state (else one per row), and whether they are k coordinates per item.
_EXTRA = {
    "stateCoordinates": ("states", True),
    "rowCoordinates": ("rows", True),
    "referenceValues": ("states", False),
    "referencePolicy": ("states", False),
}


class ModelFormatError(ValueError):
    """A model directory that does not follow the format; the message names the file."""


def read_model(directory: str | Path) -> MDPModel | MarkovChain:
    """Read a model directory (v1 or v2) into an `MDPModel` (or a `MarkovChain` for
    `"kind": "chain"`), checking counts, lengths and the row invariants.

    Raises `ModelFormatError` (a ValueError) naming the file and the problem.
    """
    reader = _Reader(Path(directory))
    return reader.read()


def write_model(
    directory: str | Path,
    model: MDPModel | MarkovChain,
    *,
    discount_factor: float | None = None,
    continuous_discount: float | None = None,
) -> Path:
    """Write `model` as an `offloadlab-mdp-v2` directory (created if missing; the files
    it writes are replaced) and return its path. `discount_factor` (γ, discrete time) or
    `continuous_discount` (β, continuous time) are recorded as the model's defaults
    (without them, those of `model.metadata`, e.g. of an exported model, are kept).
    Arrays in `model.arrays` (coordinates, reference values and policy) are written too.
    """
    model.check()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    matrix = model.transitions
    meta: dict[str, Any] = {
        "format": FORMAT,
        "objective": "minimize",
        "time": model.time,
        "stateCount": int(matrix.shape[1]),
        "rowCount": int(matrix.shape[0]),
        "nonzeroCount": int(matrix.nnz),
    }
    arrays: dict[str, np.ndarray] = {
        "transitionsRowStart": matrix.indptr,
        "transitionsColumns": matrix.indices,
        "transitionsValues": matrix.data,
    }
    if model.costs is not None:
        arrays["costs"] = model.costs
    if isinstance(model, MarkovChain):
        meta["kind"] = "chain"
    else:
        meta["kind"] = "mdp"
        meta["form"] = model.form
        arrays["candidateStart"] = model.candidate_start
        if model.form == "post-decision":
            arrays["candidateRows"] = model.candidate_rows
            if model.time == "continuous":
                arrays["homeStates"] = model.home_states
        elif not np.array_equal(model.candidate_rows, np.arange(model.row_count)):
            raise ValueError("a choice-form model lists each row once, in order")
    for key, value in (
        ("discountFactor", discount_factor),
        ("continuousDiscount", continuous_discount),
    ):
        value = model.metadata.get(key) if value is None else value
        if value is not None:
            meta[key] = float(value)
    for key in _EXTRA:
        if key in model.arrays:
            arrays[key] = model.arrays[key]
    if "stateCoordinates" in arrays:
        width = arrays["stateCoordinates"].reshape(matrix.shape[1], -1).shape[1]
        names = model.metadata.get("coordinateNames") or [f"c{i}" for i in range(width)]
        meta["coordinateNames"] = list(names)
    files = {}
    for key, array in arrays.items():
        name, dtype = ARRAY_TYPES[key]
        np.ascontiguousarray(array, dtype=dtype).ravel().tofile(directory / name)
        files[key] = name
    meta["files"] = files
    (directory / "model.json").write_text(json.dumps(meta, indent=2) + "\n")
    return directory


class _Reader:
    """One pass over a model directory (model.json first, then the arrays it implies)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.json_path = directory / "model.json"
        try:
            self.meta = json.loads(self.json_path.read_text())
        except (OSError, ValueError) as error:
            raise ModelFormatError(f"{self.json_path}: cannot read model.json ({error})") from None
        if not isinstance(self.meta, dict) or self.meta.get("format") not in (
            FORMAT,
            FORMAT_VERSION_1,
        ):
            found = self.meta.get("format") if isinstance(self.meta, dict) else self.meta
            raise ModelFormatError(
                f"{self.json_path}: format {found!r}, expected {FORMAT!r} or {FORMAT_VERSION_1!r}"
            )
        self.version = 1 if self.meta["format"] == FORMAT_VERSION_1 else 2

    def fail(self, key: str | None, problem: str) -> ModelFormatError:
        return ModelFormatError(f"{self.path(key) if key else self.json_path}: {problem}")

    def path(self, key: str) -> Path:
        return self.directory / self.meta.get("files", {}).get(key, ARRAY_TYPES[key][0])

    def count(self, key: str, minimum: int) -> int:
        value = self.meta.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(None, f"{key} is {value!r}, expected an integer >= {minimum}")
        return value

    def choice(self, key: str, default: str | None, allowed: tuple[str, ...]) -> str:
        value = self.meta.get(key, default)
        if value not in allowed:
            raise self.fail(None, f"{key} is {value!r}, expected one of {', '.join(allowed)}")
        return value

    def array(self, key: str, length: int | None) -> np.ndarray | None:
        """The array, checked for length (None: any multiple is left to the caller);
        None if its file does not exist."""
        path = self.path(key)
        if not path.exists():
            return None
        dtype = ARRAY_TYPES[key][1]
        raw = path.read_bytes()
        width = np.dtype(dtype).itemsize
        if len(raw) % width:
            raise self.fail(
                key, f"{len(raw)} bytes, not a whole number of {width}-byte entries (truncated?)"
            )
        array = np.frombuffer(raw, dtype=dtype).astype(dtype.replace("<", "="))
        if length is not None and len(array) != length:
            raise self.fail(key, f"{len(array)} entries, expected {length}")
        return array

    def required(self, key: str, length: int) -> np.ndarray:
        array = self.array(key, length)
        if array is None:
            raise self.fail(key, f"missing (array {key!r} is required)")
        return array

    def offsets(self, key: str, length: int, end: int | None) -> np.ndarray:
        offsets = self.required(key, length)
        if (
            offsets[0] != 0
            or np.any(np.diff(offsets) < 0)
            or (end is not None and offsets[-1] != end)
        ):
            target = "" if end is None else f" and end at {end}"
            raise self.fail(key, f"offsets must start at 0, not decrease{target}")
        return offsets

    def read(self) -> MDPModel | MarkovChain:
        kind = "mdp" if self.version == 1 else self.choice("kind", "mdp", ("mdp", "chain"))
        time = (
            "discrete"
            if self.version == 1
            else self.choice("time", "discrete", ("discrete", "continuous"))
        )
        if self.meta.get("objective", "minimize") != "minimize":
            raise self.fail(
                None, f"objective is {self.meta['objective']!r}; only 'minimize' is read"
            )
        states = self.count("stateCount", 1)
        rows = self.count("rowCount", 1)
        nonzeros = self.count("nonzeroCount", 0)
        row_start = self.offsets("transitionsRowStart", rows + 1, nonzeros)
        columns = self.required("transitionsColumns", nonzeros)
        if nonzeros and (columns.min() < 0 or columns.max() >= states):
            raise self.fail("transitionsColumns", f"a target state outside 0..{states - 1}")
        values = self.required("transitionsValues", nonzeros)
        transitions = sp.csr_matrix((values, columns, row_start), shape=(rows, states))
        metadata = {key: value for key, value in self.meta.items() if key != "files"}
        if self.version == 1:
            metadata.setdefault("coordinateNames", list(VERSION_1_COORDINATES))
        if kind == "chain":
            model: MDPModel | MarkovChain = MarkovChain(
                transitions, self.array("costs", rows), time, metadata
            )
        else:
            form = (
                "post-decision"
                if self.version == 1
                else self.choice("form", None, ("choice", "post-decision"))
            )
            candidate_start = self.required("candidateStart", states + 1)
            candidate_start = self.offsets(
                "candidateStart", states + 1, rows if form == "choice" else None
            )
            candidate_rows = (
                np.arange(rows, dtype=np.int64)
                if form == "choice"
                else self.required("candidateRows", int(candidate_start[-1]))
            )
            home = (
                self.array("homeStates", rows)
                if time == "continuous" and form == "post-decision"
                else None
            )
            model = MDPModel(
                transitions=transitions,
                costs=self.required("costs", rows),
                candidate_start=candidate_start,
                candidate_rows=candidate_rows,
                time=time,
                form=form,
                home_states=home,
                metadata=metadata,
            )
        model.arrays = self.extras(states, rows)
        try:
            model.check()
        except ArrayError as error:
            raise self.fail(error.key, str(error)) from None
        except ValueError as error:
            raise ModelFormatError(f"{self.directory}: {error}") from None
        return model

    def extras(self, states: int, rows: int) -> dict[str, np.ndarray]:
        arrays = {}
        names = self.meta.get("coordinateNames")
        width = (
            4 if self.version == 1 else (len(names) if isinstance(names, list) and names else None)
        )
        for key, (per, coordinates) in _EXTRA.items():
            count = states if per == "states" else rows
            if coordinates and width is None:
                continue
            array = self.array(key, count * width if coordinates else count)
            if array is not None:
                arrays[key] = array.reshape(count, width) if coordinates else array
        return arrays
