"""Per-call overhead of offloadlab (docs/python.md §7).

Times, as the median of N calls in one run:
  1. `subprocess.run([offload, "--version"])` directly: the cost of starting the tool;
  2. `offloadlab.version()`: the same through the runner;
  3. `offloadlab.mdp.solve` of the two-state MDP of docs/model-format.md §1.4: writing
     the model directory, the solve and reading the JSON result;
  4. the same solve by `offload mdp solve` directly on a directory written once.
With `--large-buffer B`, also (median of 3) the built-in model with that buffer
(4 (B + 1)^2 states; B = 157 gives 99,856): `offload mdp solve --input` on its exported
directory, `mdp.solve` on the same directory, and `mdp.solve` on the in-memory model
(which writes the directory first), plus `write_model` alone.

Usage: python measure_overhead.py [--calls 20] [--binary PATH] [--large-buffer B]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import offloadlab as ol


def median_seconds(call, calls: int) -> float:
    call()  # warm the file cache
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def report(name: str, seconds: float) -> None:
    print(f"{name:58s} {1000 * seconds:10.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--binary", default=None)
    parser.add_argument("--large-buffer", type=int, default=None)
    arguments = parser.parse_args()
    offload = ol.Offload(arguments.binary)
    binary = str(offload.binary)
    model = ol.MDPModel.from_actions(
        np.array([[[1.0, 0.0], [1.0, 0.0]], [[0.5, 0.5], [0.0, 0.0]]]),
        np.array([[1.0, 0.5], [0.0, np.inf]]),
    )
    scratch = Path(tempfile.mkdtemp(prefix="offloadlab-overhead-"))
    tiny = ol.write_model(scratch / "tiny", model, discount_factor=0.9)
    calls = arguments.calls
    print(f"{binary} ({ol.version(offload)}); median of {calls} calls")
    report(
        "subprocess: offload --version",
        median_seconds(lambda: subprocess.run([binary, "--version"], capture_output=True), calls),
    )
    report("offloadlab.version()", median_seconds(lambda: ol.version(offload), calls))
    direct = [binary, "mdp", "solve", "--input", str(tiny), "--format", "json"]
    report(
        "subprocess: offload mdp solve (2 states, directory)",
        median_seconds(lambda: subprocess.run(direct, capture_output=True), calls),
    )
    report(
        "offloadlab.mdp.solve (2 states, arrays)",
        median_seconds(lambda: ol.mdp.solve(model, discount=0.9, offload=offload), calls),
    )
    if arguments.large_buffer:
        buffer = arguments.large_buffer
        large_directory = scratch / "large"
        large = ol.modes.export(large_directory, buffer=buffer, offload=offload)
        gamma = large.metadata["discountFactor"]
        print(f"built-in model, B = {buffer}: {large.state_count} states; median of 3 calls")
        command = [binary, "mdp", "solve", "--input", str(large_directory), "--format", "json"]
        report(
            "subprocess: offload mdp solve --input (exported directory)",
            median_seconds(lambda: subprocess.run(command, capture_output=True, check=True), 3),
        )
        report(
            "offloadlab.mdp.solve(directory)",
            median_seconds(lambda: ol.mdp.solve(large_directory, offload=offload), 3),
        )
        report(
            "offloadlab.mdp.solve(model) (writes the directory)",
            median_seconds(lambda: ol.mdp.solve(large, discount=gamma, offload=offload), 3),
        )
        report(
            "offloadlab.write_model alone",
            median_seconds(lambda: ol.write_model(scratch / "copy", large), 3),
        )


if __name__ == "__main__":
    main()
