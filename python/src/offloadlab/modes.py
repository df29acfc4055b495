"""The built-in service-mode offloading model: `offload modes solve|delay|sweep|export`
(docs/python.md §3).

Options are the tool's flags as keyword arguments (`cloud_buffer=20` is `--cloud-buffer
20`; see `offload modes solve --help`); the tool validates them, so a bad value raises
`OffloadUsageError` with its message. Each function runs the tool once with `--format
json` and returns arrays and DataFrames.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .files import read_model
from .model import MDPModel
from .runner import Offload, as_float, flags, resolve

#: Options the functions set themselves.
_RESERVED = ("format", "heatmap_csv", "output", "svg")


@dataclass
class ModesSolution:
    """The result of `offload modes solve` (see `solve`).

    `thresholds`: index n = 0..W, columns `T1` (least xb >= 1 with SM2 when the cloud
    holds an SM1 job and n SM2 jobs) and `T0` (the same with no SM1 job; missing at n = 0),
    as nullable integers (<NA>: no threshold). `cloud_queue_thresholds`: index xb = 1..W,
    the least x2 with SM2 for x1 = 1 (`cloud_busy`) and x1 = 0 (`cloud_idle`).
    `policy`: action codes (0 idle, 1 SM1, 2 SM2, 3 SM1+SM2) as integer arrays:
    `cloud_first_set` rows xl = 0, 1 by columns xb = 1..W; `cloud_busy` and `cloud_idle`
    rows x2 = 0..W by columns xb = 0..W (xl = 0, x1 = 1 and 0). `heatmap`: the whole
    policy in long form (xb, xl, x1, x2, action, value, decision_gap), if asked for.
    `solver`, `structure`, `parameters`: the JSON objects; `document`: the whole output.
    """

    thresholds: pd.DataFrame
    cloud_queue_thresholds: pd.DataFrame
    policy: dict[str, np.ndarray]
    solver: dict[str, Any]
    structure: dict[str, Any]
    parameters: dict[str, Any]
    warnings: list[str]
    document: dict[str, Any]
    heatmap: pd.DataFrame | None = None
    provenance: dict[str, Any] | None = field(default=None)

    @property
    def window(self) -> int:
        """W: the grids and thresholds cover xb, x2 <= W."""
        return int(self.structure["window"])


@dataclass
class DelayResult:
    """The result of `offload modes delay`: one row per policy (index: policy name) with
    the exact long-run figures, the Offload-Only closed form, the model's parameters."""

    policies: pd.DataFrame
    offload_only_closed_form: dict[str, float | None]
    parameters: dict[str, Any]
    warnings: list[str]
    document: dict[str, Any]
    provenance: dict[str, Any] | None = None


def solve(
    *, heatmap: bool = False, offload: Offload | str | None = None, **options: Any
) -> ModesSolution:
    """Optimal policy, thresholds and structure verdicts (`offload modes solve`).

    `heatmap=True` also reads the whole policy with values (`--heatmap-csv`). Raises
    `NotConvergedError` (exit 2) if either solve (B, or the 2B truncation check) did not
    converge.
    """
    runner = resolve(offload)
    with tempfile.TemporaryDirectory(prefix="offloadlab-") as scratch:
        arguments = ["modes", "solve", *_options(options), "--format", "json"]
        heatmap_path = Path(scratch) / "heatmap.csv"
        if heatmap:
            arguments += ["--heatmap-csv", str(heatmap_path)]
        document = runner.run_json(arguments)
        table = pd.read_csv(heatmap_path) if heatmap else None
    thresholds, cloud_queue_thresholds = _threshold_tables(document)
    return ModesSolution(
        thresholds=thresholds,
        cloud_queue_thresholds=cloud_queue_thresholds,
        policy={
            snake_case(name): np.asarray(grid, dtype=np.int64)
            for name, grid in document["policy"].items()
        },
        solver=document["solver"],
        structure=document["structure"],
        parameters=document["parameters"],
        warnings=list(document.get("warnings", [])),
        document=document,
        heatmap=table,
        provenance=document.get("provenance"),
    )


def delay(*, offload: Offload | str | None = None, **options: Any) -> DelayResult:
    """Exact mean delay, mean jobs, blocking and shares of the optimal and baseline
    policies (`offload modes delay`); `cloud_busy_thresholds=[...]` adds a threshold
    policy. Columns are the JSON keys in snake case (mean_delay, mean_jobs, ...)."""
    document = resolve(offload).run_json(["modes", "delay", *_options(options), "--format", "json"])
    closed_form = {
        snake_case(key): None if value is None else as_float(value)
        for key, value in document["offloadOnlyClosedForm"].items()
    }
    return DelayResult(
        policies=_policy_frame(document["policies"]).set_index("policy"),
        offload_only_closed_form=closed_form,
        parameters=document["parameters"],
        warnings=list(document.get("warnings", [])),
        document=document,
        provenance=document.get("provenance"),
    )


def sweep(*, offload: Offload | str | None = None, **options: Any) -> pd.DataFrame:
    """The policy table over a range of one parameter (`offload modes sweep`).

    Give one option several values, as a list (`load=[0.2, 0.5, 0.8]`) or the tool's
    range text (`load="0.1:0.9:0.1"`). One row per value and policy: the swept value
    (column named after the option, e.g. `load`; one column per swept option where the
    tool sweeps a grid), `policy`, the figures, then the model's parameters at that
    value. `DataFrame.attrs["document"]` keeps the JSON.
    """
    document = resolve(offload).run_json(["modes", "sweep", *_options(options), "--format", "json"])
    frames = []
    for point in document["points"]:
        frame = _policy_frame(point["policies"])
        for position, (name, value) in enumerate(_swept_values(document, point)):
            frame.insert(position, name, value)
        for key, value in point["parameters"].items():
            name = snake_case(key)
            if name not in frame:
                frame[name] = value
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    table.attrs["document"] = document
    return table


def export(
    directory: str | Path | None = None, *, offload: Offload | str | None = None, **options: Any
) -> MDPModel:
    """The compiled discounted MDP with OffloadLab's certified solution
    (`offload modes export`), read back as an `MDPModel` (post-decision form).

    The files go to `directory` (kept) or to a temporary directory (removed after
    reading). `model.metadata` holds model.json (discountFactor, tolerance,
    referenceErrorBound, parameters); `model.arrays` the coordinates and the reference
    values and policy.
    """
    runner = resolve(offload)
    if directory is not None:
        runner.run(["modes", "export", *_options(options), "--output", str(directory)])
        return read_model(directory)
    with tempfile.TemporaryDirectory(prefix="offloadlab-") as scratch:
        runner.run(["modes", "export", *_options(options), "--output", scratch])
        return read_model(scratch)


def _swept_values(document: dict[str, Any], point: dict[str, Any]) -> list[tuple[str, float]]:
    """(column, value) of each swept option at `point`: `swept` names with a `values`
    object per point, or (earlier documents) one `parameter` with a `value` per point."""
    if "swept" in document:
        return [
            (snake_case(name.replace("-", "_")), as_float(point["values"][name]))
            for name in document["swept"]
        ]
    return [(snake_case(document["parameter"].replace("-", "_")), as_float(point["value"]))]


def _threshold_tables(document: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """T1(n), T0(n) by n = 0..W, and the x2-direction thresholds by xb = 1..W.

    A threshold is an integer; no threshold is written "never" (or null in earlier
    documents), T0(0), which is undefined, null: both become <NA>. Earlier documents list
    T0 from n = 1 and keep the x2-direction thresholds inside `thresholds`.
    """
    along_base = document["thresholds"]
    window = int(document["structure"]["window"])
    if "n" in along_base:
        n, busy, idle = along_base["n"], along_base["cloudBusy"], along_base["cloudIdle"]
        along_queue = document["cloudQueueThresholds"]
        xb = along_queue["xb"]
        queue_busy, queue_idle = along_queue["cloudBusy"], along_queue["cloudIdle"]
    else:
        n, busy, idle = range(window + 1), along_base["cloudBusy"], [None, *along_base["cloudIdle"]]
        xb = range(1, window + 1)
        queue_busy = along_base["cloudQueueCloudBusy"]
        queue_idle = along_base["cloudQueueCloudIdle"]
    return (
        pd.DataFrame(
            {"T1": _integers(busy), "T0": _integers(idle)},
            index=pd.Index(list(n), name="n"),
        ),
        pd.DataFrame(
            {"cloud_busy": _integers(queue_busy), "cloud_idle": _integers(queue_idle)},
            index=pd.Index(list(xb), name="xb"),
        ),
    )


def snake_case(name: str) -> str:
    """`meanDelay` -> `mean_delay`, `sm1Share` -> `sm1_share` (the CSV column names)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _options(options: dict[str, Any]) -> list[str]:
    reserved = [name for name in _RESERVED if name in options]
    if reserved:
        raise ValueError(
            f"option {reserved[0]!r} is set by offloadlab itself (output is read as JSON); "
            "call the offload tool directly for other formats"
        )
    return flags(options)


def _integers(values: list[int | str | None]) -> pd.Series:
    """Nullable integers: None and "never" become <NA>."""
    return pd.array(
        [int(value) if isinstance(value, int) else pd.NA for value in values], dtype="Int64"
    )


def _policy_frame(policies: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per policy, columns in snake case; numbers (also "inf", "nan", and null for
    an undefined figure such as the delay of a policy that admits no job) as floats."""
    rows = []
    for policy in policies:
        row = {}
        for key, value in policy.items():
            name = "policy" if key == "name" else snake_case(key)
            is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
            is_number = is_number or value is None or value in ("inf", "-inf", "nan")
            row[name] = as_float(value) if is_number else value
        rows.append(row)
    frame = pd.DataFrame(rows)
    if "policy" in frame:
        frame = frame[["policy", *(name for name in frame.columns if name != "policy")]]
    for name in ("reachable_states", "solver_iterations"):
        if name in frame:
            frame[name] = frame[name].astype("Int64")
    return frame
