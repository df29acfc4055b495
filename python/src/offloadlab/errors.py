"""Exceptions raised when the `offload` command fails (docs/python.md §6).

Every failure of the tool becomes one exception carrying the tool's own message, its exit
code, the command line and the full standard error. The exit code picks the class:

| exit code | class | also a |
| --- | --- | --- |
| 64 (bad flag, value or file) | `OffloadUsageError` | `ValueError` |
| 2 (a solve did not converge) | `NotConvergedError` | `ArithmeticError` |
| any other non-zero, or a signal | `OffloadError` | `RuntimeError` |

A run that exceeds its time limit raises `OffloadTimeoutError` (a `TimeoutError`); a tool
that cannot be found raises `OffloadNotFoundError` (a `FileNotFoundError`).
"""

from __future__ import annotations

#: Exit code of a usage error: a malformed flag, an out-of-range value or a bad input file.
USAGE_EXIT_CODE = 64
#: Exit code of a solve that did not reach its tolerance (its output is still printed).
NOT_CONVERGED_EXIT_CODE = 2


class OffloadError(RuntimeError):
    """The `offload` tool failed.

    Attributes: `message` (the tool's error text), `exit_code` (None when the tool did not
    run to an exit), `command` (the argument list), `stderr` and `stdout` (full texts) and
    `document` (the JSON output when the command printed one, else None).
    """

    def __init__(
        self,
        message: str,
        *,
        exit_code: int | None = None,
        command: list[str] | None = None,
        stdout: str = "",
        stderr: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.command = list(command or [])
        self.stdout = stdout
        self.stderr = stderr
        #: The parsed JSON output, when the failed command printed one (else None).
        self.document: dict | None = None

    def __str__(self) -> str:
        where = " ".join(["offload", *self.command[1:]]) if self.command else "offload"
        code = "" if self.exit_code is None else f" (exit code {self.exit_code})"
        return f"{where}: {self.message}{code}"


class OffloadUsageError(OffloadError, ValueError):
    """Exit code 64: the tool rejected a flag, a value or an input file before solving."""


class NotConvergedError(OffloadError, ArithmeticError):
    """Exit code 2: a solve stopped before its certified tolerance was met.

    `stdout` holds what the tool printed anyway (for JSON output, the result with its
    status and error bound), so the caller can inspect how far the solve got.
    """


class OffloadTimeoutError(OffloadError, TimeoutError):
    """The run exceeded the time limit given to the runner; the process was killed."""


class OffloadNotFoundError(OffloadError, FileNotFoundError):
    """No `offload` executable was found (argument, OFFLOAD_BINARY, then PATH)."""


class OffloadWarning(UserWarning):
    """A warning the tool reported (printed on its stderr and listed in JSON `warnings`)."""


def error_for_exit(exit_code: int, *, command: list[str], stdout: str, stderr: str) -> OffloadError:
    """The exception for a run that ended with a non-zero `exit_code`."""
    message = (
        error_message(stderr) or f"the tool printed no error message (stdout: {stdout[:200]!r})"
    )
    if exit_code < 0:
        message = f"killed by signal {-exit_code}; {message}"
        kind: type[OffloadError] = OffloadError
    elif exit_code == USAGE_EXIT_CODE:
        kind = OffloadUsageError
    elif exit_code == NOT_CONVERGED_EXIT_CODE:
        kind = NotConvergedError
    else:
        kind = OffloadError
    return kind(message, exit_code=exit_code, command=command, stdout=stdout, stderr=stderr)


def error_message(stderr: str) -> str:
    """The tool's error text: the lines from the first `error:` line on, without the usage
    reminder the argument parser appends; the whole stderr if no line says `error:`."""
    lines = [line.rstrip() for line in stderr.strip().splitlines()]
    start = next((i for i, line in enumerate(lines) if line.lower().startswith("error:")), None)
    if start is None:
        return "\n".join(lines).strip()
    kept = []
    for line in lines[start:]:
        stripped = line.strip()
        if stripped.startswith("Usage:") or stripped.startswith("See '"):
            break
        kept.append(line)
    text = "\n".join(kept).strip()
    return text[len("error:") :].strip() if text.lower().startswith("error:") else text
