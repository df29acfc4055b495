"""The Python examples of docs/python.md run as written (in order, in one namespace, with
the default runner)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import offloadlab.runner

PAGE = Path(__file__).resolve().parents[2] / "docs" / "python.md"


def test_every_example_runs(offload, monkeypatch, capsys):
    if not PAGE.exists():
        pytest.skip(f"{PAGE.name} is not in this checkout")
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 12
    monkeypatch.setenv("OFFLOAD_BINARY", str(offload.binary))
    monkeypatch.setattr(offloadlab.runner, "_default", None)
    namespace: dict = {}
    for number, block in enumerate(blocks, start=1):
        try:
            exec(compile(block, f"{PAGE.name} example {number}", "exec"), namespace)
        except Exception as error:  # noqa: BLE001 - report which example failed
            pytest.fail(f"example {number} of {PAGE.name} failed: {error!r}\n{block}")
    printed = capsys.readouterr().out
    assert "64 invalid value 1 for buffer limit (B)" in printed
