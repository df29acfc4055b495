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
    state array), action labels of an MDP's choices to `metadata["choiceLabels"]` (None
    where a choice has none), `.sta` values to `arrays["stateCoordinates"]` with
    `metadata["coordinateNames"]`; `metadata["variant"]` says which variant was read.
    Lines may come in any order. Raises `ModelFormatError` as `FILE:LINE: problem`.
    """
    prefix = str(prefix)
    tra_path = Path(prefix + ".tra")
    tra = _lines(tra_path, required=True)
    if not tra:
        raise ModelFormatError(f"{tra_path}: empty")
    _, first_number, first = tra[0]
    words = first.split()
    if len(words) == 1 and words[0].lower() in _MODEL_TYPES:
        variant, kind, header = "storm", words[0].lower(), None
        if model_type is not None and model_type != kind:
            raise _error(tra_path, first_number, f"the file says {kind}, not {model_type}", first)
    elif len(words) in (2, 3):
        variant = "prism"
        kind = "mdp" if len(words) == 3 else (model_type or "dtmc")
        header = [_integer(w, tra_path, first_number, "count") for w in words]
    else:
        raise _error(tra_path, first_number, "expected a model type or a count header line", first)
    mdp = kind == "mdp"
    width = 4 if mdp else 3
    fields_of = []
    for path, number, line in tra[1:]:
        fields = line.split()
        if len(fields) < width or len(fields) > width + (1 if mdp else 0):
            raise _error(path, number, f"expected {width} fields", line)
        fields_of.append(fields)
    columns = [[fields[k] for fields in fields_of] for k in range(width)]
    numbers = [number for _, number, _ in tra[1:]]
    sources = _integers(columns[0], tra_path, numbers, "source state")
    choices = _integers(columns[1], tra_path, numbers, "choice index") if mdp else None
    targets = _integers(columns[width - 2], tra_path, numbers, "target state")
    values = np.array(
        [_number(text, tra_path, n) for text, n in zip(columns[width - 1], numbers, strict=True)]
    )
    if header:
        states = header[0]
        if header[-1] != len(values):
            raise _error(
                tra_path,
                first_number,
                f"the header says {header[-1]} transitions, the file has {len(values)}",
                header[-1],
            )
    else:
        states = int(max(sources.max(initial=-1), targets.max(initial=-1))) + 1
    for name, indices in (("source", sources), ("target", targets)):
        if len(indices) and indices.max() >= states:
            bad = int(np.argmax(indices >= states))
            raise _error(
                tra_path, numbers[bad], f"{name} state outside 0..{states - 1}", int(indices[bad])
            )
    keys = (sources, choices, targets) if mdp else (sources, targets)
    order = np.lexsort(keys[::-1])
    sorted_keys = np.stack([key[order] for key in keys])
    repeated = np.flatnonzero(np.all(sorted_keys[:, 1:] == sorted_keys[:, :-1], axis=0))
    if len(repeated):
        line = numbers[order[repeated[0] + 1]]
        raise _error(
            tra_path, line, "this transition appears twice", tra[1 + order[repeated[0] + 1]][2]
        )
    labels = _labels(prefix, states)
    coordinates, names = _state_values(prefix, states)
    state_rewards = _state_rewards(prefix, states)
    if mdp:
        row_of, row_states, row_choices = _choice_rows(
            sources, choices, order, states, tra_path, numbers
        )
        row_count = len(row_states)
        if header and header[1] != row_count:
            raise _error(
                tra_path,
                first_number,
                f"the header says {header[1]} choices, the file has {row_count}",
                header[1],
            )
        transitions = sp.csr_matrix((values, (row_of, targets)), shape=(row_count, states))
        entry_of = {
            (int(s), int(c), int(t)): i
            for i, (s, c, t) in enumerate(zip(sources, choices, targets, strict=True))
        }
        expected = _transition_rewards(
            prefix, entry_of, values, row_of, row_count, 4, (states, row_count)
        )
        try:
            model: MDPModel | MarkovChain = MDPModel.from_choices(
                transitions,
                state_rewards[row_states] + expected,
                row_states,
                choice_actions=row_choices,
            )
        except ValueError as error:
            raise ModelFormatError(f"{tra_path}: {error}") from None
        action_labels: list[str | None] = [None] * row_count
        for fields, row in zip(fields_of, row_of, strict=True):
            if len(fields) == 5:
                action_labels[row] = fields[4]
        model.metadata["choiceLabels"] = action_labels
    else:
        entry_of = {
            (int(s), int(t)): i for i, (s, t) in enumerate(zip(sources, targets, strict=True))
        }
        expected = _transition_rewards(prefix, entry_of, values, sources, states, 3, (states,))
        has_costs = Path(prefix + ".srew").exists() or Path(prefix + ".trew").exists()
        matrix = sp.csr_matrix((values, (sources, targets)), shape=(states, states))
        try:
            model = MarkovChain.from_matrix(
                matrix,
                state_rewards + expected if has_costs else None,
                time="continuous" if kind == "ctmc" else "discrete",
            )
        except ValueError as error:
            raise ModelFormatError(f"{tra_path}: {error}") from None
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


def _integers(texts, path, numbers, what: str) -> np.ndarray:
    """The column `texts` as int64 indices >= 0 (errors name the line)."""
    try:
        array = np.array([int(text) for text in texts], dtype=np.int64)
    except ValueError:
        array = None
    if array is None or (len(array) and array.min() < 0):
        for text, number in zip(texts, numbers, strict=True):
            _integer(text, path, number, what)
    return array


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


def _choice_rows(sources, choices, order, states, path, numbers):
    """Row of each transition (rows are the (state, choice) pairs in sorted order), and
    each row's state and choice; checks that every state has choices 0, 1, ... without
    gaps."""
    pairs = np.stack([sources, choices], axis=1)
    unique, row_of = np.unique(pairs, axis=0, return_inverse=True)
    row_states, row_choices = unique[:, 0], unique[:, 1]
    first_row = np.searchsorted(row_states, np.arange(states))
    counts = np.bincount(row_states, minlength=states)
    if np.any(counts == 0):
        missing = int(np.argmax(counts == 0))
        raise ModelFormatError(
            f"{path}: state {missing} has no transition (every state needs a choice)"
        )
    position = np.arange(len(unique)) - first_row[row_states]
    gaps = np.flatnonzero(row_choices != position)
    if len(gaps):
        state, choice = int(row_states[gaps[0]]), int(row_choices[gaps[0]])
        line = numbers[int(np.argmax((sources == state) & (choices == choice)))]
        raise _error(
            path,
            line,
            f"state {state} has choice {choice} but not choice {int(position[gaps[0]])}: "
            "choices are numbered 0, 1, ... without gaps",
            choice,
        )
    return row_of.ravel(), row_states, row_choices


def _state_rewards(prefix: str, states: int) -> np.ndarray:
    """srew(s) per state; a first line `n k` with n = the state count is PRISM's counts
    line (it cannot be an entry), and k must then be the number of entries."""
    rewards = np.zeros(states)
    lines = _lines(Path(prefix + ".srew"), required=False)
    counts = None
    if lines and len(lines[0][2].split()) == 2 and lines[0][2].split()[0] == str(states):
        counts, lines = lines[0], lines[1:]
    if counts is not None and counts[2].split()[1] != str(len(lines)):
        raise _error(
            counts[0],
            counts[1],
            f"the counts line says {counts[2].split()[1]} entries, the file has {len(lines)}",
            counts[2],
        )
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


def _transition_rewards(prefix, entry_of, values, rows, row_count, width, model_counts):
    """Expected transition reward per row: the sum over its transitions of value times
    reward. A first line with one field fewer than an entry is PRISM's counts line
    (states[, choices], entries), a model-type word is skipped."""
    expected = np.zeros(row_count)
    lines = _lines(Path(prefix + ".trew"), required=False)
    if lines and lines[0][2].lower() in _MODEL_TYPES:
        lines = lines[1:]
    if lines and len(lines[0][2].split()) == width - 1:
        (path, number, line), lines = lines[0], lines[1:]
        counts = [_integer(f, path, number, "count") for f in line.split()]
        if counts != [*model_counts, len(lines)]:
            raise _error(
                path,
                number,
                f"the counts line should be {' '.join(map(str, [*model_counts, len(lines)]))}",
                line,
            )
    seen = set()
    for path, number, line in lines:
        fields = line.split()
        if len(fields) != width:
            raise _error(path, number, f"expected {width} fields", line)
        key = tuple(_integer(f, path, number, "index") for f in fields[:-1])
        entry = entry_of.get(key)
        if entry is None or entry in seen:
            raise _error(path, number, "names no transition of the .tra file, or repeats one", line)
        seen.add(entry)
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
