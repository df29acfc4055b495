"""Average-cost (delay-optimal) table: OffloadLab's certified policy iteration against
Storm's long-run-average model checking on the same exported model, in one run.

    python average.py --offload PATH [--buffers "50 100"] [--load 0.95] [--repeats 3]

For each B: `offload modes export` writes configuration (a) at the given load; Storm
(`peers.py stormpy-lra`, its own process, one thread) checks R{"cost"}min=? [ LRA ] on it;
`offload modes bench --criterion average` times OffloadLab's solve. The two are run
alternately `--repeats` times and the median solve times are compared (ratio = Storm /
OffloadLab, same run). Storm's gain at the initial (empty) state is compared with
OffloadLab's certified bracket gainLower <= g* <= gainUpper: its error is reported as the
distance to the bracket's midpoint, +- the bracket's half-width. The table goes to stdout
and to .work/average.md.
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from harness import HERE, run_measured


def bench(offload: Path, buffer: int, load: float, timeout: float) -> dict:
    """One `offload modes bench --criterion average` run (its JSON, plus wall seconds)."""
    command = [str(offload), "modes", "bench", "--criterion", "average", "--buffer",
               str(buffer), "--load", repr(load), "--format", "json"]
    code, output, wall, peak = run_measured(command, timeout)
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {code})")
    result = json.loads(output)
    result["peakBytes"] = peak
    return result


def storm(model_dir: Path, output: Path, timeout: float) -> dict:
    """One Storm LRA run in its own process: result.json plus the gain at state 0."""
    command = [sys.executable, str(HERE / "peers.py"), "stormpy-lra", "--model",
               str(model_dir), "--output", str(output)]
    env = dict(__import__("os").environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    code, _, wall, peak = run_measured(command, timeout, env=env)
    if code != 0:
        raise SystemExit(f"Storm LRA failed (exit {code})")
    import numpy as np

    result = json.loads((output / "result.json").read_text())
    result["gain"] = float(np.fromfile(output / "values.float64", dtype="<f8")[0])
    result["peakBytes"] = peak
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offload", type=Path, required=True, help="the offload executable")
    parser.add_argument("--buffers", default="50 100", help='buffer sizes B (default "50 100")')
    parser.add_argument("--load", type=float, default=0.95, help="rho (default 0.95)")
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs per B")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run")
    parser.add_argument("--work", type=Path, default=HERE / ".work", help="work directory")
    args = parser.parse_args()
    rows = []
    for buffer in [int(b) for b in args.buffers.split()]:
        model_dir = args.work / f"average-B{buffer}" / "offload-model"
        subprocess.run([str(args.offload), "modes", "export", "--buffer", str(buffer), "--load",
                        repr(args.load), "--output", str(model_dir)], check=True,
                       stdout=subprocess.DEVNULL)
        ours, theirs = [], []
        for repeat in range(args.repeats):
            print(f"B={buffer}: run {repeat + 1}/{args.repeats}", file=sys.stderr, flush=True)
            theirs.append(storm(model_dir, args.work / f"average-B{buffer}" / "storm",
                                args.timeout))
            ours.append(bench(args.offload, buffer, args.load, args.timeout))
        last = ours[-1]
        lower, upper = last["gainLower"], last["gainUpper"]
        middle, half = (lower + upper) / 2, (upper - lower) / 2
        storm_gain = theirs[-1]["gain"]
        ours_s = statistics.median(r["seconds"] for r in ours)
        storm_s = statistics.median(r["solveSeconds"] for r in theirs)
        rows.append({
            "B": buffer, "states": last["states"], "offload_s": ours_s,
            "offload_all": [round(r["seconds"], 3) for r in ours],
            "iterations": last["iterations"], "gain_lower": lower, "gain_upper": upper,
            "width_rel": (upper - lower) / middle, "storm_solve_s": storm_s,
            "storm_all": [round(r["solveSeconds"], 3) for r in theirs],
            "storm_build_s": statistics.median(r["buildSeconds"] for r in theirs),
            "storm_gain": storm_gain, "storm_error_rel": abs(storm_gain - middle) / middle,
            "storm_error_slack_rel": half / middle, "ratio": storm_s / ours_s,
            "storm_in_bracket": lower <= storm_gain <= upper,
        })
    lines = [
        "| B | states | OffloadLab s (runs) | PI iterations | certified bracket on g* | "
        "width (rel.) | Storm LRA solve s (runs) | Storm build s | Storm gain | "
        "Storm error (rel.) | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['B']} | {r['states']} | {r['offload_s']:.3f} ({r['offload_all']}) | "
            f"{r['iterations']} | [{r['gain_lower']:.12f}, {r['gain_upper']:.12f}] | "
            f"{r['width_rel']:.1e} | {r['storm_solve_s']:.3f} ({r['storm_all']}) | "
            f"{r['storm_build_s']:.2f} | {r['storm_gain']:.12f} | "
            f"{r['storm_error_rel']:.1e} +- {r['storm_error_slack_rel']:.0e} | "
            f"{r['ratio']:.1f} |")
    text = "\n".join(lines)
    print(text)
    args.work.mkdir(parents=True, exist_ok=True)
    (args.work / "average.md").write_text(text + "\n")
    (args.work / "average.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
