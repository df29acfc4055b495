"""The runner: finding the tool, passing options, and turning failures into exceptions
(docs/python.md §6)."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

import offloadlab as ol
from offloadlab.runner import flags


def test_keyword_options_become_the_tools_flags():
    arguments = flags(
        {
            "cloud_buffer": 10,
            "tolerance": 1e-10,
            "load": 0.1 + 0.2,  # full precision survives: 0.30000000000000004
            "cloud_busy_thresholds": [3, None, 2],
            "arrival_rate": np.array([1.0, 2.5]),
            "buffer": np.int64(7),
            "verbose": True,
            "quiet": False,
            "config": None,
        }
    )
    assert arguments == [
        "--cloud-buffer",
        "10",
        "--tolerance",
        "1e-10",
        "--load",
        "0.30000000000000004",
        "--cloud-busy-thresholds",
        "3,none,2",
        "--arrival-rate",
        "1.0,2.5",
        "--buffer",
        "7",
        "--verbose",
    ]


def test_binary_from_argument_then_environment_then_path(fake_tool, tmp_path, monkeypatch):
    tool = fake_tool("echo 9.9.9")
    monkeypatch.delenv("OFFLOAD_BINARY", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert ol.Offload().binary == tool.resolve()
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "tool").write_text("#!/bin/sh\necho 1.2.3\n")
    (other / "tool").chmod(0o755)
    monkeypatch.setenv("OFFLOAD_BINARY", str(other / "tool"))
    assert ol.Offload().version() == "1.2.3"
    assert ol.Offload(tool).version() == "9.9.9"


def test_missing_binary_names_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.delenv("OFFLOAD_BINARY", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ol.OffloadNotFoundError, match="OFFLOAD_BINARY") as caught:
        ol.Offload()
    assert isinstance(caught.value, FileNotFoundError)
    with pytest.raises(ol.OffloadNotFoundError, match="not an executable"):
        ol.Offload(tmp_path / "nothing-here")
    monkeypatch.setenv("OFFLOAD_BINARY", str(tmp_path))
    with pytest.raises(ol.OffloadNotFoundError, match=r"\$OFFLOAD_BINARY"):
        ol.Offload()


def test_exit_codes_map_to_exception_classes(fake_tool):
    usage = ol.Offload(
        fake_tool(
            "echo 'Error: invalid value 1 for buffer limit (B): must be an integer >= 2' >&2\n"
            "echo 'Usage: offload modes solve <options>' >&2\nexit 64"
        )
    )
    with pytest.raises(ValueError) as caught:
        usage.run(["modes", "solve"])
    error = caught.value
    assert isinstance(error, ol.OffloadUsageError)
    assert error.exit_code == 64
    assert error.message == "invalid value 1 for buffer limit (B): must be an integer >= 2"
    assert "Usage:" in error.stderr and "Usage:" not in str(error)

    not_converged = ol.Offload(
        fake_tool(
            'echo \'{"status": "iterationLimit", "warnings": []}\'\n'
            "echo 'warning: slow' >&2\necho 'error: did not converge' >&2\nexit 2"
        )
    )
    with pytest.raises(ol.NotConvergedError) as caught:
        not_converged.run_json(["mdp", "solve"])
    assert caught.value.exit_code == 2
    assert caught.value.message == "did not converge"
    assert caught.value.document == {"status": "iterationLimit", "warnings": []}
    assert isinstance(caught.value, ArithmeticError)

    other = ol.Offload(fake_tool("echo 'boom' >&2\nexit 3"))
    with pytest.raises(ol.OffloadError) as caught:
        other.run([])
    assert type(caught.value) is ol.OffloadError and caught.value.exit_code == 3
    assert caught.value.message == "boom"

    killed = ol.Offload(fake_tool("kill -9 $$"))
    with pytest.raises(ol.OffloadError, match="killed by signal 9"):
        killed.run([])


def test_a_run_past_its_time_limit_is_killed(fake_tool):
    slow = ol.Offload(fake_tool("exec sleep 30"), timeout=0.5)
    started = time.monotonic()
    with pytest.raises(ol.OffloadTimeoutError) as caught:
        slow.run([])
    assert time.monotonic() - started < 10
    assert isinstance(caught.value, TimeoutError)
    with pytest.raises(ValueError, match="timeout"):
        ol.Offload(slow.binary, timeout=0)


def test_json_warnings_become_python_warnings(fake_tool):
    tool = ol.Offload(fake_tool('echo \'{"warnings": ["rows rescaled"], "extra": 1}\''))
    with pytest.warns(ol.OffloadWarning, match="rows rescaled"):
        document = tool.run_json([])
    assert document["extra"] == 1
    garbage = ol.Offload(fake_tool("echo 'not json'"))
    with pytest.raises(ol.OffloadError, match="expected one JSON document"):
        garbage.run_json([])


def test_real_tool_version(offload):
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", ol.version(offload))


def test_real_tool_unknown_flag_is_a_usage_error(offload):
    with pytest.raises(ValueError) as caught:
        ol.modes.solve(bogus_flag=1, offload=offload)
    assert caught.value.exit_code == 64
    assert "--bogus-flag" in caught.value.message


def test_real_tool_out_of_range_value_names_parameter_and_range(offload):
    with pytest.raises(ol.OffloadUsageError) as caught:
        ol.modes.delay(buffer=1, offload=offload)
    assert caught.value.exit_code == 64
    assert "buffer limit (B)" in caught.value.message
    assert ">= 2" in caught.value.message


def test_real_tool_not_converged_is_exit_2_with_the_partial_result(offload):
    with pytest.raises(ol.NotConvergedError) as caught:
        ol.modes.solve(buffer=10, max_iterations=3, offload=offload)
    assert caught.value.exit_code == 2
    assert "did not converge" in caught.value.message
    assert caught.value.document["solver"]["converged"] is False


def test_options_the_package_sets_are_refused(offload):
    with pytest.raises(ValueError, match="format"):
        ol.modes.solve(format="csv", offload=offload)
