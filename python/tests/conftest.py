"""Shared fixtures: the `offload` executable under test.

The tests run the real tool. It is found as the package finds it (OFFLOAD_BINARY, then
PATH), falling back to this repository's release build (`make release`); when none
exists, every test that needs it is skipped with that reason, unless
OFFLOADLAB_REQUIRE_BINARY=1 (as `make python-test` sets it), which makes it a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import offloadlab as ol

REPOSITORY = Path(__file__).resolve().parents[2]
RELEASE_BUILD = REPOSITORY / ".build" / "release" / "offload"


def _binary() -> Path | None:
    try:
        return ol.locate_binary()
    except ol.OffloadNotFoundError:
        return RELEASE_BUILD if os.access(RELEASE_BUILD, os.X_OK) else None


@pytest.fixture(scope="session")
def offload() -> ol.Offload:
    """A runner for the tool under test (skips the test if there is none)."""
    binary = _binary()
    if binary is None:
        reason = (
            "no offload executable: set OFFLOAD_BINARY, put offload on PATH, or build "
            f"{RELEASE_BUILD.relative_to(REPOSITORY)} with `make release`"
        )
        if os.environ.get("OFFLOADLAB_REQUIRE_BINARY") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return ol.Offload(binary, timeout=600)


@pytest.fixture
def fake_tool(tmp_path):
    """Writes a shell script standing in for `offload` (for runner behaviour that the
    real tool cannot be made to show on demand: exit codes, signals, hangs)."""

    def write(body: str) -> Path:
        path = tmp_path / "offload"
        path.write_text("#!/bin/sh\n" + body + "\n")
        path.chmod(0o755)
        return path

    return write
