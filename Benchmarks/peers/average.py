"""Average-cost (delay-optimal) table: OffloadLab's certified policy iteration against
Storm's long-run-average model checking and mdptoolbox's relative value iteration on the
same exported model, in one run.

    python average.py --offload PATH [--buffers "50 100 400"] [--load 0.95] [--repeats 3]
                      [--repeats-large 1] [--timeout 3600] [--memory-limit 8]
                      [--peers "stormpy-lra mdptoolbox-rvi mdptoolbox-rvi-patched"]

For each B: `offload modes export` writes configuration (a) at the given load. Each repeat
runs `offload modes bench --criterion average` (OffloadLab's solve and its certified
bracket gainLower <= g* <= gainUpper), then every peer in its own process (`peers.py`, one
thread, data segment capped at --memory-limit GiB): stormpy-lra checks
R{"cost"}min=? [ LRA ]; mdptoolbox-rvi runs RelativeValueIteration with epsilon = 1e-9
times OffloadLab's gain (a bracket of 1e-9 relative; the gain only sets the scale);
mdptoolbox-rvi-patched is the same with the library's dense input check replaced (see
peers.py). Models above LARGE_STATES states get --repeats-large repeats instead of
--repeats. Medians of the solve times are compared (ratio = peer / OffloadLab, same run).
Each peer gain's error is its distance to the bracket's midpoint, +- the bracket's
half-width. A peer that times out, runs out of memory or fails becomes a table cell
saying so (and is not repeated at that B); the table goes on. The table goes to stdout
and to .work/average.md, the rows to .work/average.json.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

from harness import HERE, SINGLE_THREAD, run_measured

PEERS = ("stormpy-lra", "mdptoolbox-rvi", "mdptoolbox-rvi-patched")
GAIN_TOLERANCE_PEERS = ("mdptoolbox-rvi", "mdptoolbox-rvi-patched")
RELATIVE_GAIN_TOLERANCE = 1e-9  # the goal's bracket width, relative to the gain
LARGE_STATES = 200_000  # above this, --repeats-large repeats


def bench(offload: Path, buffer: int, load: float, timeout: float) -> dict:
    """One `offload modes bench --criterion average` run: its JSON plus the peak memory,
    or {"failure": text} if it did not finish."""
    command = [str(offload), "modes", "bench", "--criterion", "average", "--buffer",
               str(buffer), "--load", repr(load), "--format", "json"]
    code, output, wall, peak = run_measured(command, timeout)
    if code is None:
        return {"failure": f"timeout after {timeout:g} s"}
    if code != 0:
        return {"failure": f"`{' '.join(command)}` exited {code}"}
    result = json.loads(output)
    result["peakBytes"] = peak
    return result


def run_peer(name: str, model_dir: Path, output: Path, args,
             gain_tolerance: float | None) -> dict:
    """One peer run in its own process: result.json plus the gain at state 0 and the peak
    memory, or {"failure": text} saying whether the build or the solve failed, how, and
    what it measured."""
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)
    command = [sys.executable, str(HERE / "peers.py"), name, "--model", str(model_dir),
               "--output", str(output)]
    if gain_tolerance is not None:
        command += ["--gain-tolerance", repr(gain_tolerance)]
    with open(output / "stderr.txt", "w+") as stderr:
        code, _, wall, peak = run_measured(command, args.timeout,
                                           env=dict(os.environ, **SINGLE_THREAD), stderr=stderr,
                                           memory_limit=int(args.memory_limit * 2**30))
        stderr.seek(0)
        last_line = ([line.strip() for line in stderr if line.strip()] or [""])[-1]
    if code == 0:
        result = json.loads((output / "result.json").read_text())
        result["gain"] = float(np.fromfile(output / "values.float64", dtype="<f8")[0])
        result["peakBytes"] = peak
        return result
    measured = f"peak {peak / 2**20:.0f} MiB after {wall:.1f} s"
    built = output / "built.json"
    if code is None:
        reason = f"timeout after {args.timeout:g} s"
    else:
        reason = f"exit {code}: {last_line[:160]}" if last_line else f"exit {code}"
    if not built.exists():
        return {"failure": f"could not build: {reason}, {measured}"}
    build_seconds = json.loads(built.read_text())["buildSeconds"]
    return {"failure": f"{reason} (solve; built in {build_seconds:.1f} s), {measured}"}


def repeats_for(states: int, args) -> int:
    """Repeats at a model of `states` states."""
    return args.repeats_large if states > LARGE_STATES else args.repeats


def measure_buffer(buffer: int, args) -> list[dict]:
    """Export B, run OffloadLab and every peer alternately, return the table rows of B."""
    directory = args.work / f"average-B{buffer}"
    model_dir = directory / "offload-model"
    subprocess.run([str(args.offload), "modes", "export", "--buffer", str(buffer), "--load",
                    repr(args.load), "--output", str(model_dir)], check=True,
                   stdout=subprocess.DEVNULL)
    states = json.loads((model_dir / "model.json").read_text())["stateCount"]
    repeats = repeats_for(states, args)
    ours: list[dict] = []
    theirs: dict[str, list[dict]] = {name: [] for name in args.peers}
    for repeat in range(repeats):
        print(f"B={buffer} ({states} states): run {repeat + 1}/{repeats}", file=sys.stderr,
              flush=True)
        if not ours or "failure" not in ours[-1]:
            ours.append(bench(args.offload, buffer, args.load, args.timeout))
        reference = next((r for r in ours if "failure" not in r), None)
        for name, runs in theirs.items():
            if runs and "failure" in runs[-1]:
                continue  # a failed peer is not run again at this B
            tolerance = None
            if name in GAIN_TOLERANCE_PEERS:
                if reference is None:
                    runs.append({"failure": "no OffloadLab gain to set epsilon from"})
                    continue
                tolerance = RELATIVE_GAIN_TOLERANCE * reference["gain"]
            runs.append(run_peer(name, model_dir, directory / name, args, tolerance))
            print(f"B={buffer}: {name}: "
                  f"{runs[-1].get('failure') or format(runs[-1]['solveSeconds'], '.3f') + ' s'}",
                  file=sys.stderr, flush=True)
    return table_rows(buffer, states, ours, theirs)


def table_rows(buffer: int, states: int, ours: list[dict],
               theirs: dict[str, list[dict]]) -> list[dict]:
    """One row for OffloadLab and one per peer, with the errors against the bracket."""
    done = [r for r in ours if "failure" not in r]
    row = {"B": buffer, "states": states, "solver": "offloadlab"}
    if not done:
        return [dict(row, failure=ours[-1]["failure"])] + [
            dict(row, solver=name, failure=runs[-1].get("failure", "no reference"))
            for name, runs in theirs.items()]
    last = done[-1]
    lower, upper = last["gainLower"], last["gainUpper"]
    middle, half = (lower + upper) / 2, (upper - lower) / 2
    ours_s = statistics.median(r["seconds"] for r in done)
    rows = [dict(row, solve_s=ours_s, solve_all=[round(r["seconds"], 3) for r in done],
                 iterations=last["iterations"], gain_lower=lower, gain_upper=upper,
                 bound_rel=(upper - lower) / middle, peak_mib=last["peakBytes"] / 2**20,
                 ratio=1.0, failure=ours[-1].get("failure"))]
    for name, runs in theirs.items():
        finished = [r for r in runs if "failure" not in r]
        peer = dict(row, solver=name, failure=runs[-1].get("failure") if runs else "not run")
        if finished:
            solve_s = statistics.median(r["solveSeconds"] for r in finished)
            gain = finished[-1]["gain"]
            bound = finished[-1].get("errorBound")
            peer.update(
                solve_s=solve_s, solve_all=[round(r["solveSeconds"], 3) for r in finished],
                build_s=statistics.median(r["loadSeconds"] + r["buildSeconds"]
                                          for r in finished),
                iterations=finished[-1].get("iterations"), gain=gain,
                bound_rel=None if bound is None else bound / middle,
                error_rel=abs(gain - middle) / middle, error_slack_rel=half / middle,
                in_bracket=lower <= gain <= upper,
                peak_mib=max(r["peakBytes"] for r in finished) / 2**20,
                ratio=solve_s / ours_s)
        rows.append(peer)
    return rows


def markdown(rows: list[dict]) -> str:
    """The rows as a markdown table; a failed run's cells say what happened."""
    lines = [
        "| B | states | solver | build s | solve s (runs) | iterations | gain | "
        "gain bound (rel.) | error vs certified (rel.) | peak MiB | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        start = f"| {r['B']} | {r['states']} | {r['solver']} |"
        if "solve_s" not in r:
            lines.append(f"{start} | {r['failure']} | | | | | | |")
            continue
        if r["solver"] == "offloadlab":
            gain = f"[{r['gain_lower']:.12f}, {r['gain_upper']:.12f}]"
            error = "certified"
        else:
            gain = f"{r['gain']:.12f}"
            error = f"{r['error_rel']:.1e} +- {r['error_slack_rel']:.0e}"
        bound = "none" if r.get("bound_rel") is None else f"{r['bound_rel']:.1e}"
        build = "" if r.get("build_s") is None else f"{r['build_s']:.2f}"
        iterations = "" if r.get("iterations") is None else str(r["iterations"])
        solve = f"{r['solve_s']:.3f} ({r['solve_all']})"
        if r.get("failure"):
            solve += f"; then {r['failure']}"
        lines.append(f"{start} {build} | {solve} | {iterations} | {gain} | {bound} | {error} | "
                     f"{r['peak_mib']:.0f} | {r['ratio']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offload", type=Path, required=True, help="the offload executable")
    parser.add_argument("--buffers", default="50 100", help='buffer sizes B (default "50 100")')
    parser.add_argument("--load", type=float, default=0.95, help="rho (default 0.95)")
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs per B")
    parser.add_argument("--repeats-large", type=int, default=1,
                        help=f"alternating runs per B above {LARGE_STATES} states (default 1)")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="seconds per process (default 3600); a peer past it is a "
                             "'timeout' cell")
    parser.add_argument("--memory-limit", type=float, default=8,
                        help="GiB of data segment per peer process (default 8)")
    parser.add_argument("--peers", default=" ".join(PEERS),
                        help=f'peers to run (default "{" ".join(PEERS)}")')
    parser.add_argument("--work", type=Path, default=HERE / ".work", help="work directory")
    args = parser.parse_args()
    args.peers = args.peers.split()
    unknown = set(args.peers) - set(PEERS)
    if unknown:
        parser.error(f"--peers: unknown {' '.join(sorted(unknown))}; known: {' '.join(PEERS)}")
    for flag, value in (("--repeats", args.repeats), ("--repeats-large", args.repeats_large)):
        if not 1 <= value <= 100:
            parser.error(f"{flag} {value}: must be in 1...100")
    if not 0 < args.timeout < float("inf") or not 0 < args.memory_limit < float("inf"):
        parser.error("--timeout and --memory-limit must be positive and finite")
    try:
        buffers = [int(b) for b in args.buffers.split()]
    except ValueError:
        parser.error(f"--buffers {args.buffers!r}: expected whole numbers, e.g. \"50 100 400\"")
    rows = [row for buffer in buffers for row in measure_buffer(buffer, args)]
    text = markdown(rows)
    print(text)
    args.work.mkdir(parents=True, exist_ok=True)
    (args.work / "average.md").write_text(text + "\n")
    (args.work / "average.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
