"""Your own MDP or chain from arrays: `offload mdp solve|evaluate|stationary`
(docs/python.md §4.2; the command: docs/mdp-command.md).

Each function writes the model to a temporary model directory (docs/model-format.md §1),
runs the command once with `--format json` and returns arrays. Values are expected
discounted costs (or, average criterion, relative values with the gain), minimised.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .files import write_model
from .model import MarkovChain, MDPModel
from .runner import Offload, as_float, flags, resolve

#: Options the functions set themselves.
_RESERVED = ("input", "prism", "format", "output_values", "policy")


@dataclass
class MDPSolution:
    """A solve or policy evaluation (`offload mdp solve|evaluate`).

    `values[s]`: the value of state s. `policy[s]`: the chosen action index, 0-based
    within state s's candidates (for a model built with `MDPModel.from_actions`,
    `actions` maps it back to your action axis). `status` is the solver's status
    ("converged" when the tolerance was met); `error_bound` certifies
    max_s |values[s] - V*(s)| for the discounted criterion; `gain`, `gain_lower`,
    `gain_upper` bracket the optimal long-run cost for the average criterion.
    `document` is the whole JSON output.
    """

    values: np.ndarray
    policy: np.ndarray
    status: str
    iterations: int
    error_bound: float | None
    gain: float | None
    gain_lower: float | None
    gain_upper: float | None
    method: str
    tolerance: float
    tolerance_kind: str
    discount_factor: float | None
    uniformization_rate: float | None
    warnings: list[str]
    document: dict[str, Any]
    actions: np.ndarray | None = None
    policy_labels: list[str] | None = None
    provenance: dict[str, Any] | None = field(default=None)

    @property
    def converged(self) -> bool:
        """Whether the solver met its tolerance."""
        return self.status == "converged"

    def table(self) -> pd.DataFrame:
        """One row per state: value, action index (and your action label, if known)."""
        table = pd.DataFrame({"value": self.values, "action": self.policy})
        if self.actions is not None:
            table["action_label"] = self.actions
        table.index.name = "state"
        return table


@dataclass
class StationaryResult:
    """`offload mdp stationary`: the stationary distribution and, if the chain has costs,
    the long-run average cost; `residual` is ||pi P - pi||_1 of the distribution (of the
    uniformized chain, in continuous time), `method` "gth" or "gauss-seidel". `document`
    is the whole JSON output."""

    distribution: np.ndarray
    average_cost: float | None
    residual: float
    status: str
    iterations: int
    method: str
    warnings: list[str]
    document: dict[str, Any]
    provenance: dict[str, Any] | None = None


def solve(
    model: MDPModel | str | Path,
    *,
    offload: Offload | str | None = None,
    **options: Any,
) -> MDPSolution:
    """Solve an MDP (`offload mdp solve`): `model` is an `MDPModel`, the path of a model
    directory, or the prefix of PRISM explicit files (PREFIX.tra, ...). Options are the
    command's flags as keywords: `criterion` ("discounted" or "average"), `discount` (γ)
    or `continuous_discount` (β), `tolerance`, `tolerance_mode` ("absolute" or
    "relative"), `method`, `max_iterations`, `uniformization_rate`, `prism_type`.
    Raises `NotConvergedError` when the solver stops short of the tolerance.
    """
    return _run_on_model("solve", model, offload, options)


def evaluate(
    model: MDPModel | str | Path,
    policy: Any,
    *,
    offload: Offload | str | None = None,
    **options: Any,
) -> MDPSolution:
    """Values of a fixed policy (`offload mdp evaluate`): `policy[s]` is the action index
    of state s (0-based within its candidates). Options as for `solve`."""
    policy = np.asarray(policy).ravel()
    with tempfile.TemporaryDirectory(prefix="offloadlab-") as scratch:
        path = Path(scratch) / "policy.csv"
        pd.DataFrame({"state": np.arange(len(policy)), "action": policy}).to_csv(path, index=False)
        return _run_on_model("evaluate", model, offload, dict(options, policy=str(path)))


def stationary(
    chain: MarkovChain | Any,
    costs: Any = None,
    *,
    time: str = "discrete",
    offload: Offload | str | None = None,
    **options: Any,
) -> StationaryResult:
    """Stationary distribution of a chain (`offload mdp stationary`): `chain` is a
    `MarkovChain`, a square matrix (probabilities, or rates with `time="continuous"`),
    the path of a chain directory, or a PRISM prefix (`prism_type="ctmc"` for a
    PRISM-variant CTMC); `costs` (per state) give the average cost."""
    if isinstance(chain, (str, Path)):
        source = Path(chain)
    else:
        if not isinstance(chain, MarkovChain):
            chain = MarkovChain.from_matrix(chain, costs, time=time)
        source = chain
    document = _run_document("stationary", source, resolve(offload), options)
    distribution = np.asarray([as_float(x) for x in document["distribution"]])
    average = document.get("averageCost")
    return StationaryResult(
        distribution=distribution,
        average_cost=None if average is None else as_float(average),
        residual=as_float(document["residual"]),
        status=str(document["status"]),
        iterations=int(document["iterations"]),
        method=str(document["method"]),
        warnings=list(document.get("warnings", [])),
        document=document,
        provenance=document.get("provenance"),
    )


def _run_on_model(
    command: str,
    model: MDPModel | str | Path,
    offload: Offload | str | None,
    options: dict[str, Any],
) -> MDPSolution:
    labels = None
    if isinstance(model, MDPModel):
        labels = model.choice_actions
    document = _run_document(command, model, resolve(offload), options)
    policy = np.asarray(document["policy"], dtype=np.int64)
    actions = None
    if labels is not None:
        model_start = model.candidate_start[:-1]
        actions = np.asarray(labels)[model_start + policy]
    return MDPSolution(
        values=np.asarray([as_float(x) for x in document["values"]]),
        policy=policy,
        status=str(document["status"]),
        iterations=int(document["iterations"]),
        error_bound=_optional_float(document, "errorBound"),
        gain=_optional_float(document, "gain"),
        gain_lower=_optional_float(document, "gainLower"),
        gain_upper=_optional_float(document, "gainUpper"),
        method=str(document.get("method", "")),
        tolerance=as_float(document.get("tolerance")),
        tolerance_kind=str(document.get("toleranceKind", "")),
        discount_factor=_optional_float(document, "discountFactor"),
        uniformization_rate=_optional_float(document, "uniformizationRate"),
        warnings=list(document.get("warnings", [])),
        document=document,
        actions=actions,
        policy_labels=document.get("policyLabels"),
        provenance=document.get("provenance"),
    )


def _optional_float(document: dict[str, Any], key: str) -> float | None:
    value = document.get(key)
    return None if value is None else as_float(value)


def _run_document(
    command: str,
    source: MDPModel | MarkovChain | str | Path,
    runner: Offload,
    options: dict[str, Any],
) -> dict[str, Any]:
    reserved = [
        name
        for name in _RESERVED
        if name in options and not (name == "policy" and command == "evaluate")
    ]
    if reserved:
        raise ValueError(f"option {reserved[0]!r} is set by offloadlab itself")
    with tempfile.TemporaryDirectory(prefix="offloadlab-") as scratch:
        if isinstance(source, (str, Path)):
            where = _files_flag(Path(source))
        else:
            where = ["--input", str(write_model(Path(scratch) / "model", source))]
        return runner.run_json(["mdp", command, *where, *flags(options), "--format", "json"])


def _files_flag(path: Path) -> list[str]:
    """`--input DIR` for a model directory, `--prism PREFIX` when PREFIX.tra exists."""
    if path.is_dir():
        return ["--input", str(path)]
    if Path(f"{path}.tra").exists():
        return ["--prism", str(path)]
    raise FileNotFoundError(
        f"{path}: neither a model directory nor the prefix of PRISM explicit files "
        f"(no {path.name}.tra)"
    )
