"""Finding and running the `offload` executable (docs/python.md §1, §2).

Each call starts one `offload` process, passes options as command-line flags, reads its
standard output (JSON where the command offers it) and turns a non-zero exit into an
exception from `offloadlab.errors`. Nothing is compiled or linked: the Swift tool never
needs Python, and this package needs only the executable.
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .errors import (
    OffloadError,
    OffloadNotFoundError,
    OffloadTimeoutError,
    OffloadWarning,
    error_for_exit,
)

#: Environment variable naming the executable when no path is passed to `Offload`.
BINARY_ENVIRONMENT_VARIABLE = "OFFLOAD_BINARY"
#: Default time limit of one run, in seconds (None: no limit).
DEFAULT_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Run:
    """One finished run: the argument list (executable first), exit code and outputs."""

    command: list[str]
    exit_code: int
    stdout: str
    stderr: str


class Offload:
    """A located `offload` executable and the time limit of its runs.

    The executable is, in order: `binary` if given, else the path in the OFFLOAD_BINARY
    environment variable, else `offload` on PATH. `timeout` is the limit of one run in
    seconds (None: none); a run that exceeds it is killed and raises `OffloadTimeoutError`.
    """

    def __init__(
        self, binary: str | os.PathLike | None = None, timeout: float | None = DEFAULT_TIMEOUT
    ):
        self.binary = locate_binary(binary)
        if timeout is not None and not (timeout > 0 and math.isfinite(timeout)):
            raise ValueError(f"invalid timeout {timeout!r}: expected seconds > 0, or None")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"Offload({str(self.binary)!r}, timeout={self.timeout!r})"

    def run(self, arguments: list[str], *, check: bool = True) -> Run:
        """Run `offload ARGUMENTS`; raise the matching `OffloadError` on a non-zero exit
        (unless `check` is False). Standard input is closed; stdout and stderr are captured.
        """
        command = [str(self.binary), *map(str, arguments)]
        try:
            completed = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired as error:
            raise OffloadTimeoutError(
                f"no result within the time limit of {self.timeout} s; the process was killed "
                "(pass a larger timeout to Offload(..., timeout=...))",
                command=command,
                stdout=_text(error.stdout),
                stderr=_text(error.stderr),
            ) from None
        except OSError as error:
            raise OffloadError(f"cannot start {self.binary}: {error}", command=command) from error
        run = Run(command, completed.returncode, completed.stdout, completed.stderr)
        if check and run.exit_code != 0:
            raise error_for_exit(
                run.exit_code, command=command, stdout=run.stdout, stderr=run.stderr
            )
        return run

    def run_json(self, arguments: list[str]) -> dict[str, Any]:
        """Run a command that prints one JSON document, and return it as a dict.

        Each entry of the document's `warnings` array is re-issued as an `OffloadWarning`.
        A not-converged exit (2) raises `NotConvergedError` whose `document` attribute holds
        the parsed output when there is one.
        """
        try:
            run = self.run(arguments)
        except OffloadError as error:
            error.document = _parse_or_none(error.stdout)
            raise
        document = parse_json(run.stdout, command=run.command, stderr=run.stderr)
        for text in document.get("warnings", []) or []:
            warnings.warn(str(text), OffloadWarning, stacklevel=3)
        return document

    def version(self) -> str:
        """The tool's version string, as printed by `offload --version`."""
        return self.run(["--version"]).stdout.strip()


def command(
    *words: str, format: str = "json", offload: Offload | str | None = None, **options: Any
) -> Any:
    """Any `offload` command with `--format json` (returns the document as a dict) or
    `--format csv` (returns a pandas DataFrame), for commands this package has no
    function for: `command("machine", "optimal", format="csv", age_cap=6)`. Options are
    flags as everywhere (docs/python.md §2).
    """
    if format not in ("json", "csv"):
        raise ValueError(f"format must be 'json' or 'csv', got {format!r}")
    runner = resolve(offload)
    arguments = [*words, *flags(options), "--format", format]
    if format == "json":
        return runner.run_json(arguments)
    return pd.read_csv(io.StringIO(runner.run(arguments).stdout))


def locate_binary(binary: str | os.PathLike | None = None) -> Path:
    """The `offload` executable: `binary`, else $OFFLOAD_BINARY, else `offload` on PATH.

    Raises `OffloadNotFoundError` naming where it looked.
    """
    if binary is not None:
        source, candidate = "the binary argument", os.fspath(binary)
    elif os.environ.get(BINARY_ENVIRONMENT_VARIABLE):
        source = f"${BINARY_ENVIRONMENT_VARIABLE}"
        candidate = os.environ[BINARY_ENVIRONMENT_VARIABLE]
    else:
        found = shutil.which("offload")
        if found is None:
            raise OffloadNotFoundError(
                "no offload executable: pass Offload(binary=PATH), set "
                f"{BINARY_ENVIRONMENT_VARIABLE}, or put offload on PATH (build it with "
                "`swift build -c release --product offload`; it is .build/release/offload)"
            )
        return Path(found)
    path = Path(candidate).expanduser()
    if path.is_dir() or not os.access(path, os.X_OK):
        raise OffloadNotFoundError(f"{source} is {candidate!r}, which is not an executable file")
    return path.resolve()


def parse_json(text: str, *, command: list[str], stderr: str = "") -> dict[str, Any]:
    """The JSON document of a run's stdout; `OffloadError` if stdout is not one object."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise OffloadError(
            f"expected one JSON document on stdout, got {text[:200]!r} ({error})",
            command=command,
            stdout=text,
            stderr=stderr,
        ) from None
    if not isinstance(document, dict):
        raise OffloadError(
            f"expected a JSON object on stdout, got {type(document).__name__}",
            command=command,
            stdout=text,
            stderr=stderr,
        )
    return document


def flags(options: Mapping[str, Any]) -> list[str]:
    """Command-line flags for keyword options: `cloud_buffer=10` becomes
    `--cloud-buffer 10`; True adds a bare flag, None and False add nothing; a list or
    tuple becomes a comma list (None items as `none`); floats keep full precision.
    """
    arguments: list[str] = []
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        if value is True:
            arguments.append(flag)
        else:
            arguments += [flag, flag_value(value)]
    return arguments


def flag_value(value: Any) -> str:
    """One flag value as the tool reads it."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (list, tuple)):
        return ",".join("none" if item is None else flag_value(item) for item in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def as_float(value: Any) -> float:
    """A JSON number, or the strings `inf`, `-inf`, `nan` the tool writes for
    non-finite values, as a float."""
    if isinstance(value, str):
        return float(value)
    return math.nan if value is None else float(value)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _parse_or_none(text: str) -> dict[str, Any] | None:
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return None
    return document if isinstance(document, dict) else None


_default: Offload | None = None


def default_offload() -> Offload:
    """The runner used when a function gets no `offload=` argument (located on first use)."""
    global _default
    if _default is None:
        _default = Offload()
    return _default


def resolve(offload: Offload | str | os.PathLike | None) -> Offload:
    """`offload` itself, a runner for the executable at that path, or the default runner."""
    if isinstance(offload, Offload):
        return offload
    if offload is None:
        return default_offload()
    return Offload(offload)
