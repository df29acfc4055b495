"""Per-call overhead of offloadlab (docs/python.md, "Overhead").

Times, as the median of N calls in one run:
  1. `subprocess.run([offload, "--version"])` directly: the cost of starting the tool;
  2. `offloadlab.version()`: the same through the runner (adds discovery and checks);
  3. `offloadlab.mdp.solve` of the two-state MDP of docs/model-format.md §1.4: writing
     the model directory, the solve, reading the JSON result.

Usage: python measure_overhead.py [--calls 20] [--binary PATH]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--binary", default=None)
    arguments = parser.parse_args()
    offload = ol.Offload(arguments.binary)
    model = ol.MDPModel.from_actions(
        np.array([[[1.0, 0.0], [1.0, 0.0]], [[0.5, 0.5], [0.0, 0.0]]]),
        np.array([[1.0, 0.5], [0.0, np.inf]]),
    )
    rows = [
        (
            "subprocess: offload --version",
            lambda: subprocess.run(
                [str(offload.binary), "--version"], capture_output=True, check=True
            ),
        ),
        ("offloadlab.version()", lambda: ol.version(offload)),
        (
            "offloadlab.mdp.solve (2 states)",
            lambda: ol.mdp.solve(model, discount=0.9, offload=offload),
        ),
    ]
    print(f"binary {offload.binary} ({ol.version(offload)}), median of {arguments.calls} calls")
    for name, call in rows:
        print(f"{name:36s} {1000 * median_seconds(call, arguments.calls):8.2f} ms")


if __name__ == "__main__":
    main()
