"""The Python examples of docs/python.md and python/README.md run as written (each page's
blocks in order, in one namespace, with the default runner)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import offloadlab.runner

ROOT = Path(__file__).resolve().parents[2]
#: Each page and the least number of Python examples it has.
PAGES = {ROOT / "docs" / "python.md": 12, ROOT / "python" / "README.md": 1}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_example_runs(page, offload, monkeypatch, capsys):
    if not page.exists():
        pytest.skip(f"{page.name} is not in this checkout")
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL)
    assert len(blocks) >= PAGES[page]
    monkeypatch.setenv("OFFLOAD_BINARY", str(offload.binary))
    monkeypatch.setattr(offloadlab.runner, "_default", None)
    namespace: dict = {}
    for number, block in enumerate(blocks, start=1):
        try:
            exec(compile(block, f"{page.name} example {number}", "exec"), namespace)
        except Exception as error:  # report which example failed
            pytest.fail(f"example {number} of {page.name} failed: {error!r}\n{block}")
    if page.name == "python.md":
        assert "64 invalid value 1 for buffer limit (B)" in capsys.readouterr().out
