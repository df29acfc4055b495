"""Reading PRISM explicit files (docs/model-format.md §2): what `offload modes export
--prism PREFIX` writes, and what PRISM and Storm export.

`read_prism(PREFIX)` reads `PREFIX.tra` and, when present, `PREFIX.srew`, `PREFIX.trew`,
`PREFIX.lab` and `PREFIX.sta`, in PRISM's variant (count header lines) or Storm's (a
model-type line first). Rewards are read as costs to minimise: a choice's cost is its
state reward plus its expected transition reward (as Storm reads them),

    c(s, a) = srew(s) + sum_t P(s, a, t) * trew(s, a, t).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .files import ModelFormatError
from .model import MarkovChain, MDPModel

_MODEL_TYPES = ("dtmc", "ctmc", "mdp")


def read_prism(prefix: str | Path, model_type: str | None = None) -> MDPModel | MarkovChain:
    """Read PRISM explicit files into an `MDPModel` (choice form; `choice_actions` are the
    choice indices) or a `MarkovChain` (dtmc: probabilities, ctmc: rates).

    `model_type` ("dtmc" or "ctmc") says what a PRISM-variant chain is, which its
    two-number header cannot (default dtmc). Labels go to `metadata["labels"]` (name ->
    state array), `.sta` values to `arrays["stateCoordinates"]` with
    `metadata["coordinateNames"]`; `metadata["variant"]` says which variant was read.
    Raises `ModelFormatError` as `FILE:LINE: problem`.
    """
    prefix = str(prefix)
    tra = _lines(Path(prefix + ".tra"), required=True)
    first_path, first_number, first = tra[0] if tra else (prefix + ".tra", 0, "")
    words = first.split()
    if len(words) == 1 and words[0].lower() in _MODEL_TYPES:
        variant, kind = "storm", words[0].lower()
        if model_type is not None and model_type != kind:
            raise _error(first_path, first_number, f"the file says {kind}, not {model_type}", first)
        header = None
    elif len(words) in (2, 3):
        variant = "prism"
        kind = "mdp" if len(words) == 3 else (model_type or "dtmc")
        header = [_integer(w, first_path, first_number, "count") for w in words]
    else:
        raise _error(
            first_path, first_number, "expected a model type or a count header line", first
        )
    entries = tra[1:]
    width = 4 if kind == "mdp" else 3
    sources, choices, targets, values = [], [], [], []
    for path, number, line in entries:
        fields = line.split()
        if len(fields) < width or (kind != "mdp" and len(fields) > width):
            raise _error(path, number, f"expected {width} fields", line)
        sources.append(_integer(fields[0], path, number, "source state"))
        if kind == "mdp":
            choices.append(_integer(fields[1], path, number, "choice index"))
        targets.append(_integer(fields[width - 2], path, number, "target state"))
        values.append(_number(fields[width - 1], path, number))
    sources, targets = np.asarray(sources, dtype=np.int64), np.asarray(targets, dtype=np.int64)
    values = np.asarray(values, dtype=float)
    states = header[0] if header else int(max(sources.max(initial=-1), targets.max(initial=-1))) + 1
    if len(targets) and (targets.max() >= states or sources.max() >= states):
        raise ModelFormatError(f"{prefix}.tra: a state index outside 0..{states - 1}")
    if header and header[-1] != len(entries):
        raise ModelFormatError(
            f"{prefix}.tra: the header announces {header[-1]} transitions, found {len(entries)}"
        )
    labels, coordinates, names = _labels(prefix, states), *_state_values(prefix, states)
    state_rewards = _state_rewards(prefix, states, variant)
    if kind == "mdp":
        rows = _choice_rows(sources, np.asarray(choices, dtype=np.int64), prefix)
        row_count = int(rows.max()) + 1 if len(rows) else 0
        transitions = sp.csr_matrix((values, (rows, targets)), shape=(row_count, states))
        first_rows = np.flatnonzero(np.r_[True, np.diff(rows) != 0])
        row_states = sources[first_rows]
        if header and header[1] != row_count:
            raise ModelFormatError(
                f"{prefix}.tra: the header announces {header[1]} choices, found {row_count}"
            )
        keys = {
            (int(s), int(c), int(t)): i
            for i, (s, c, t) in enumerate(zip(sources, choices, targets, strict=True))
        }
        if len(keys) != len(sources):
            raise ModelFormatError(f"{prefix}.tra: a (state, choice, target) triple appears twice")
        rewards = _transition_rewards(prefix, keys, values, rows, row_count, variant, 4)
        costs = state_rewards[row_states] + rewards
        action_of = np.asarray(choices, dtype=np.int64)[first_rows]
        try:
            model: MDPModel | MarkovChain = MDPModel.from_choices(
                transitions, costs, row_states, choice_actions=action_of, time="discrete"
            )
        except ValueError as error:
            raise ModelFormatError(f"{prefix}.tra: {error}") from None
    else:
        time = "continuous" if kind == "ctmc" else "discrete"
        keys = {(int(s), int(t)): i for i, (s, t) in enumerate(zip(sources, targets, strict=True))}
        if len(keys) != len(sources):
            raise ModelFormatError(f"{prefix}.tra: a (source, target) pair appears twice")
        rewards = _transition_rewards(prefix, keys, values, sources, states, variant, 3)
        matrix = sp.csr_matrix((values, (sources, targets)), shape=(states, states))
        has_costs = Path(prefix + ".srew").exists() or Path(prefix + ".trew").exists()
        try:
            model = MarkovChain.from_matrix(
                matrix, state_rewards + rewards if has_costs else None, time=time
            )
        except ValueError as error:
            raise ModelFormatError(f"{prefix}.tra: {error}") from None
    model.metadata.update(
        variant="PRISM variant: count header" if variant == "prism" else "Storm variant",
        modelType=kind,
        labels=labels,
    )
    if coordinates is not None:
        model.arrays["stateCoordinates"] = coordinates
        model.metadata["coordinateNames"] = names
    return model


def _lines(path: Path, required: bool) -> list[tuple[Path, int, str]]:
    """(path, line number, text) of each line that is not blank or a # comment (Storm's
    `#DECLARATION` and `#END` label markers are kept)."""
    if not path.exists():
        if required:
            raise ModelFormatError(f"{path}: missing")
        return []
    raw = path.read_bytes()
    if b"\0" in raw:
        raise ModelFormatError(f"{path}: binary content (a NUL byte), not a text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ModelFormatError(f"{path}: not UTF-8 text ({error})") from None
    kept = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and (not line.startswith("#") or line in ("#DECLARATION", "#END")):
            kept.append((path, number, line))
    return kept


def _error(path, number, problem, value) -> ModelFormatError:
    return ModelFormatError(f"{path}:{number}: {problem} (value {value!r})")


def _integer(text: str, path, number, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise _error(path, number, f"{what} must be an integer >= 0", text) from None
    if value < 0:
        raise _error(path, number, f"{what} must be an integer >= 0", text)
    return value


def _number(text: str, path, number) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _error(path, number, "expected a decimal number", text) from None
    if not np.isfinite(value):
        raise _error(path, number, "must be a finite decimal number", text)
    return value


def _choice_rows(sources: np.ndarray, choices: np.ndarray, prefix: str) -> np.ndarray:
    """Row index of each transition: consecutive (state, choice) pairs, checked to be
    ordered by state then choice, choices numbered 0, 1, ... and no state left out."""
    rows = np.zeros(len(sources), dtype=np.int64)
    row = -1
    previous = (-1, -1)
    for i, pair in enumerate(zip(sources.tolist(), choices.tolist(), strict=True)):
        if pair != previous:
            state, choice = pair
            expected_new_state = state == previous[0] + 1 and choice == 0
            expected_next_choice = state == previous[0] and choice == previous[1] + 1
            if not (expected_new_state or expected_next_choice):
                raise ModelFormatError(
                    f"{prefix}.tra: transition {i + 1} has state {state}, choice {choice} after "
                    f"state {previous[0]}, choice {previous[1]}: lines must be ordered by state, "
                    "then choice, with choices 0, 1, ... and no state without a choice"
                )
            row += 1
            previous = pair
        rows[i] = row
    return rows


def _state_rewards(prefix: str, states: int, variant: str) -> np.ndarray:
    rewards = np.zeros(states)
    lines = _lines(Path(prefix + ".srew"), required=False)
    if variant == "prism" and lines:
        lines = lines[1:]  # the "n k" counts line
    seen = set()
    for path, number, line in lines:
        fields = line.split()
        if len(fields) != 2:
            raise _error(path, number, "expected 'state reward'", line)
        state = _integer(fields[0], path, number, "state")
        if state >= states or state in seen:
            raise _error(path, number, "state out of range or listed twice", line)
        seen.add(state)
        rewards[state] = _number(fields[1], path, number)
    return rewards


def _transition_rewards(prefix, keys, values, rows, row_count, variant, width) -> np.ndarray:
    """Expected transition reward per row: sum over its transitions of value * reward."""
    expected = np.zeros(row_count)
    lines = _lines(Path(prefix + ".trew"), required=False)
    if lines and (variant == "prism" or lines[0][2].lower() in _MODEL_TYPES):
        lines = lines[1:]
    for path, number, line in lines:
        fields = line.split()
        if len(fields) != width:
            raise _error(path, number, f"expected {width} fields", line)
        key = tuple(_integer(f, path, number, "index") for f in fields[:-1])
        entry = keys.get(key)
        if entry is None:
            raise _error(path, number, "names no transition of the .tra file", line)
        expected[rows[entry]] += values[entry] * _number(fields[-1], path, number)
    return expected


def _labels(prefix: str, states: int) -> dict[str, np.ndarray]:
    lines = _lines(Path(prefix + ".lab"), required=False)
    if not lines:
        return {}
    members: dict[str, list[int]] = {}
    if lines[0][2].startswith("#DECLARATION"):  # Storm: names, #END, then "s name ..."
        end = next(i for i, line in enumerate(lines) if line[2].startswith("#END"))
        names = [word for _, _, line in lines[1:end] for word in line.split()]
        body = lines[end + 1 :]
        for name in names:
            members[name] = []
        for path, number, line in body:
            state, *found = line.split()
            for name in found:
                if name not in members:
                    raise _error(path, number, "undeclared label", name)
                members[name].append(_integer(state, path, number, "state"))
    else:  # PRISM: 0="init" 1="goal", then "s: 0 1"
        index_names = {}
        for item in lines[0][2].split():
            index, _, quoted = item.partition("=")
            index_names[index] = quoted.strip('"')
            members[quoted.strip('"')] = []
        for path, number, line in lines[1:]:
            state, _, indices = line.partition(":")
            for index in indices.split():
                if index not in index_names:
                    raise _error(path, number, "undeclared label index", index)
                members[index_names[index]].append(_integer(state, path, number, "state"))
    return {name: np.asarray(found, dtype=np.int64) for name, found in members.items()}


def _state_values(prefix: str, states: int) -> tuple[np.ndarray | None, list[str] | None]:
    lines = _lines(Path(prefix + ".sta"), required=False)
    if not lines:
        return None, None
    names = lines[0][2].strip("()").split(",")
    values = np.zeros((states, len(names)), dtype=np.int64)
    seen = set()
    for path, number, line in lines[1:]:
        state_text, _, tuple_text = line.partition(":")
        state = _integer(state_text, path, number, "state")
        items = tuple_text.strip().strip("()").split(",")
        if state >= states or state in seen or len(items) != len(names):
            raise _error(path, number, "state out of range, repeated, or wrong arity", line)
        seen.add(state)
        values[state] = [_integer_value(item, path, number) for item in items]
    return values, names


def _integer_value(text: str, path, number) -> int:
    text = text.strip()
    if text in ("true", "false"):
        return int(text == "true")
    try:
        return int(text)
    except ValueError:
        raise _error(
            path, number, "expected an integer (or true/false) state value", text
        ) from None
