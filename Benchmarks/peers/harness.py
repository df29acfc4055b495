"""Peer comparison harness (issue 6): one model per buffer size, every peer and OffloadLab
on it in separate processes, agreement checks and one table of times and memory.

Normally started by run.sh, which prepares the virtual environment and the binary:

    python harness.py --buffers "100 400" --offload PATH       # OffloadLab exports the model
    python harness.py --buffers "100" --model-source python    # build_reference_model.py does

With --offload, for each B the harness runs `offload modes export`, checks that the export
equals the model built independently by build_reference_model.py, solves the export with
every peer, runs `offload modes bench` for OffloadLab's time and compares every peer's
values and policy with OffloadLab's solution stored in the export. With
--model-source python there are no OffloadLab rows and the numpy-vi peer is the reference.
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import build_reference_model
import mdp_format

HERE = Path(__file__).resolve().parent
PEER_ORDER = ("quantecon-mpi", "stormpy-vi", "numpy-vi", "mdpsolver-mpi")
FALLBACK_REFERENCE = "numpy-vi"
TIE_TOLERANCE = 1e-9  # candidates within this of the minimum of W are tied
MODEL_TOLERANCE = 1e-12  # exported vs independently built: largest accepted |difference|
SINGLE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                        "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")}


@dataclass
class Run:
    """One solver on one model: what the table shows."""

    solver: str
    buffer: int
    states: int
    build_seconds: float | None = None
    solve_seconds: float | None = None
    peak_bytes: int | None = None
    iterations: int | None = None
    ratio: float | None = None
    max_value_difference: float | None = None
    differing_states: int | None = None
    differing_tied: int | None = None
    largest_gap: float | None = None  # largest |W_ref difference| over differing states
    verdict: str = ""
    values: np.ndarray | None = field(default=None, repr=False)
    choice_rows: np.ndarray | None = field(default=None, repr=False)


def run_measured(command: list[str], timeout: float, env: dict | None = None,
                 stderr=None, memory_limit: int | None = None):
    """Run `command` in its own process; (exit code, stdout, wall seconds, peak RSS bytes).

    The peak is the largest VmHWM of /proc/PID/status seen while polling (every 20 ms):
    the high-water mark of the program's own address space. wait4's ru_maxrss is not used:
    it carries over the RSS of the forked harness (hundreds of MiB once a model is loaded)
    across exec. A run past `timeout` is killed and reported with exit code None (its peak
    so far is still returned). `stderr` is an open file for the process's stderr (default:
    inherited); `memory_limit` caps its data segment (RLIMIT_DATA, bytes), so that a peer
    that would exhaust the machine fails with an allocation error instead.
    """
    def limit_memory():
        resource.setrlimit(resource.RLIMIT_DATA, (memory_limit, memory_limit))

    start = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as output:
        process = subprocess.Popen(command, stdout=output, stderr=stderr, env=env, text=True,
                                   preexec_fn=limit_memory if memory_limit else None)
        peak = 0
        while True:
            peak = max(peak, high_water_mark(process.pid))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                process.kill()
                os.wait4(process.pid, 0)
                process.returncode = -9
                return None, "", time.perf_counter() - start, peak
            time.sleep(0.02)
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
    return process.returncode, text, time.perf_counter() - start, peak


def high_water_mark(pid: int) -> int:
    """VmHWM of a running process in bytes (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def reference_solution(model: mdp_format.Model, runs: dict[str, Run]):
    """(name, values, chosen rows) the others are compared with: OffloadLab's solution in
    the export if present, else the numpy-vi peer's."""
    if model.reference_values is not None and model.reference_policy is not None:
        return "offloadlab", model.reference_values, model.reference_choice_rows()
    run = runs.get(FALLBACK_REFERENCE)
    if run is None or run.values is None:
        return None, None, None
    return FALLBACK_REFERENCE, run.values, run.choice_rows


class Agreement:
    """Compares solutions with a reference under the tie rule of the harness."""

    def __init__(self, model: mdp_format.Model, values: np.ndarray, choice_rows: np.ndarray):
        self.model = model
        self.values = values
        self.choice_rows = choice_rows
        self.W = model.costs + model.gamma * (model.transitions @ values)
        pair_w = self.W[model.candidate_rows]
        best = np.minimum.reduceat(pair_w, model.candidate_start[:-1])
        near = pair_w <= np.repeat(best, np.diff(model.candidate_start)) + TIE_TOLERANCE
        self.tied_states = int((np.add.reduceat(near, model.candidate_start[:-1]) >= 2).sum())
        rows = model.transitions.shape[0]
        self.pair_keys = np.sort(model.pair_states() * rows + model.candidate_rows)

    def check(self, run: Run, tolerance: float) -> None:
        """Fill the agreement columns of `run`."""
        m = self.model
        run.max_value_difference = float(np.abs(run.values - self.values).max())
        keys = np.arange(m.state_count) * m.transitions.shape[0] + run.choice_rows
        invalid = int((~np.isin(keys, self.pair_keys)).sum())
        differing = np.flatnonzero(run.choice_rows != self.choice_rows)
        gaps = np.abs(self.W[run.choice_rows[differing]] - self.W[self.choice_rows[differing]])
        run.differing_states = len(differing)
        run.differing_tied = int((gaps <= TIE_TOLERANCE).sum())
        run.largest_gap = float(gaps.max()) if len(gaps) else None
        problems = []
        if run.max_value_difference > 2 * tolerance:
            problems.append(f"values differ by {run.max_value_difference:.1e}")
        if invalid:
            problems.append(f"{invalid} invalid choices")
        untied = run.differing_states - run.differing_tied
        if untied:
            problems.append(f"{untied} untied policy differences")
        run.verdict = "agree" if not problems else "DISAGREE: " + ", ".join(problems)


def compare_models(exported: mdp_format.Model, built: mdp_format.Model) -> tuple[bool, str]:
    """Whether the export is the independently built model after mapping states and rows
    by their coordinates; returns (equal, one-line summary)."""
    shape = build_reference_model.Parameters.from_meta(built.meta).shape
    issues = []
    for name in ("arrivalRate", "sm1CloudRate", "sm2LocalRate", "sm2CloudRate",
                 "uniformizationRate", "bufferLimit", "cloudBufferLimit"):
        a, b = exported.meta["parameters"][name], built.meta["parameters"][name]
        if abs(a - b) > 1e-12 * abs(b):
            issues.append(f"{name} {a} vs {b}")
    if exported.gamma != built.gamma:
        issues.append(f"discount factor {exported.gamma} vs {built.gamma}")
    if exported.state_count != built.state_count:
        return False, f"state counts differ: {exported.state_count} vs {built.state_count}"
    state_map = build_reference_model.flat_index(exported.state_coordinates, shape)
    if len(np.unique(state_map)) != exported.state_count:
        return False, "exported state coordinates are not one per grid point"
    row_map = build_reference_model.flat_index(exported.row_coordinates, shape)
    if len(np.unique(row_map)) != len(row_map):
        return False, "two exported rows have the same post-decision coordinates"
    cost_difference = np.abs(exported.costs - built.costs[row_map]).max()
    P = exported.transitions
    mapped = sp.csr_matrix((P.data, state_map[P.indices], P.indptr), shape=P.shape)
    transition_difference = abs(mapped - built.transitions[row_map]).max()
    exported_pairs = np.stack([state_map[exported.pair_states()], exported.pair_positions(),
                               row_map[exported.candidate_rows]])
    built_pairs = np.stack([built.pair_states(), built.pair_positions(), built.candidate_rows])
    exported_pairs = exported_pairs[:, np.lexsort(exported_pairs[1::-1])]
    candidates_equal = (exported_pairs.shape == built_pairs.shape
                        and np.array_equal(exported_pairs, built_pairs))
    if cost_difference > MODEL_TOLERANCE:
        issues.append(f"costs differ by {cost_difference:.2e}")
    if transition_difference > MODEL_TOLERANCE:
        issues.append(f"transitions differ by {transition_difference:.2e}")
    if not candidates_equal:
        issues.append("candidate lists differ")
    summary = (f"max |dP| {transition_difference:.1e}, max |dcost| {cost_difference:.1e}, "
               f"candidates {'equal' if candidates_equal else 'DIFFER'}")
    return not issues, summary + ("; " + "; ".join(issues) if issues else "")


class Harness:
    """One harness run over several buffer sizes."""

    def __init__(self, args):
        self.args = args
        self.work = args.work
        self.offload = args.offload
        self.runs: list[Run] = []
        self.notes: list[str] = []

    def say(self, text: str) -> None:
        """Progress line on stderr (the table goes to stdout)."""
        print(text, file=sys.stderr, flush=True)

    def prepare_model(self, buffer: int) -> Path:
        """Export (or build) the model for B = buffer; returns its directory."""
        params = build_reference_model.Parameters.from_paper(
            0.5, 5.0, 0.6, 1.0, buffer, buffer, tolerance=self.args.tolerance)  # S9 (a)
        directory = self.work / f"B{buffer}"
        python_dir = directory / "python-model"
        start = time.perf_counter()
        if self.offload is None:
            built = build_reference_model.build(params)
            mdp_format.write_model(python_dir, built.meta, mdp_format.model_arrays(built))
            self.notes.append(f"B={buffer}: model built by build_reference_model.py in "
                              f"{time.perf_counter() - start:.2f} s (not part of any solve time)")
            return python_dir
        export_dir = directory / "offload-model"
        command = [str(self.offload), "modes", "export", "--buffer", str(buffer),
                   "--tolerance", repr(self.args.tolerance), "--tolerance-mode", "absolute",
                   "--output", str(export_dir)]
        self.say("$ " + " ".join(command))
        code, _, seconds, _ = run_measured(command, self.args.timeout)
        if code != 0:
            raise SystemExit(f"offload modes export failed (exit {code}); without the exporter "
                             "use --model-source python")
        exported = mdp_format.read_model(export_dir)
        built = build_reference_model.build(build_reference_model.Parameters.from_meta(
            exported.meta))
        equal, summary = compare_models(exported, built)
        verdict = "equals" if equal else "DIFFERS FROM"
        self.notes.append(f"B={buffer}: `offload modes export` took {seconds:.2f} s; the "
                          f"exported model {verdict} the independent build ({summary})")
        self.say(self.notes[-1])
        if not equal:
            raise SystemExit("the exported model is not the model of the spec; stopping")
        return export_dir

    def run_peer(self, name: str, model_dir: Path, buffer: int, states: int) -> Run:
        """One peer in its own process."""
        output = self.work / f"B{buffer}" / "results" / name
        command = [sys.executable, str(HERE / "peers.py"), name, "--model", str(model_dir),
                   "--output", str(output)]
        self.say(f"B={buffer}: {name} ...")
        code, _, wall, peak = run_measured(command, self.args.timeout,
                                           env=dict(os.environ, **SINGLE_THREAD))
        run = Run(name, buffer, states, peak_bytes=peak)
        if code != 0:
            run.verdict = "timeout" if code is None else f"failed (exit {code})"
            return run
        summary = json.loads((output / "result.json").read_text())
        run.build_seconds = summary["loadSeconds"] + summary["buildSeconds"]
        run.solve_seconds = summary["solveSeconds"]
        run.iterations = summary["iterations"]
        run.values = np.fromfile(output / "values.float64", dtype="<f8")
        run.choice_rows = np.fromfile(output / "choice_rows.int32", dtype="<i4")
        self.say(f"B={buffer}: {name}: solve {run.solve_seconds:.3f} s, "
                 f"peak {peak / 2**20:.0f} MiB, wall {wall:.1f} s")
        return run

    def run_offload(self, buffer: int, model: mdp_format.Model) -> Run:
        """`offload modes bench` for OffloadLab's own time and memory."""
        command = [str(self.offload), "modes", "bench", "--buffer", str(buffer),
                   "--tolerance", repr(self.args.tolerance), "--tolerance-mode", "absolute",
                   "--jobs", str(self.args.offload_jobs), "--format", "json"]
        self.say("$ " + " ".join(command))
        code, output, _, peak = run_measured(command, self.args.timeout)
        run = Run("offloadlab", buffer, model.state_count, peak_bytes=peak)
        if code != 0:
            run.verdict = "timeout" if code is None else f"failed (exit {code})"
            return run
        bench = json.loads(output)
        self.notes.append(f"B={buffer}: offloadlab solved with {bench.get('threads', 1)} thread(s) "
                          f"of --jobs {self.args.offload_jobs} ({bench.get('method', '')}); "
                          "every peer with one")
        run.solve_seconds = bench["seconds"]
        run.iterations = bench.get("iterations")
        if bench["states"] != model.state_count:
            run.verdict = f"bench solved {bench['states']} states, export has {model.state_count}"
        elif bench["errorBound"] > self.args.tolerance:
            run.verdict = f"bench error bound {bench['errorBound']:.1e} > tolerance"
        run.values = model.reference_values
        run.choice_rows = model.reference_choice_rows()
        return run

    def run_buffer(self, buffer: int) -> None:
        """Everything for one buffer size."""
        model_dir = self.prepare_model(buffer)
        model = mdp_format.read_model(model_dir)
        runs = {name: self.run_peer(name, model_dir, buffer, model.state_count)
                for name in self.args.peers}
        if self.offload is not None:
            runs["offloadlab"] = self.run_offload(buffer, model)
        reference, values, choice_rows = reference_solution(model, runs)
        if reference is None:
            self.notes.append(f"B={buffer}: no reference solution, agreement not checked")
        else:
            agreement = Agreement(model, values, choice_rows)
            self.notes.append(f"B={buffer}: reference {reference}; {agreement.tied_states} states "
                              f"have candidates tied within {TIE_TOLERANCE:g}")
            for name, run in runs.items():
                if run.values is None or run.verdict:
                    continue
                if name == reference:
                    run.verdict = "reference"
                else:
                    agreement.check(run, self.args.tolerance)
        base = runs.get("offloadlab")
        for run in runs.values():
            if base is not None and base.solve_seconds and run.solve_seconds is not None:
                run.ratio = run.solve_seconds / base.solve_seconds
            self.runs.append(run)

    def table(self) -> list[dict]:
        """The result rows as dictionaries of formatted cells."""
        def number(value, spec):
            return "" if value is None else format(value, spec)
        rows = []
        for run in self.runs:
            differing = ("" if run.differing_states is None
                         else f"{run.differing_states} ({run.differing_tied} tied)")
            if run.largest_gap is not None:
                differing += f", gap <= {run.largest_gap:.0e}"
            rows.append({
                "solver": run.solver,
                "B": str(run.buffer),
                "states": str(run.states),
                "build s": number(run.build_seconds, ".2f"),
                "solve s": number(run.solve_seconds, ".3f"),
                "peak MiB": number(None if run.peak_bytes is None else run.peak_bytes / 2**20,
                                   ".0f"),
                "iterations": number(run.iterations, "d"),
                "ratio": number(run.ratio, ".2f"),
                "max |dV|": number(run.max_value_difference, ".1e"),
                "policy diffs": differing,
                "verdict": run.verdict,
            })
        return rows

    def report(self) -> None:
        """Print the table and the notes; write results.md and results.csv."""
        rows = self.table()
        columns = list(rows[0])
        widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns}
        print("  ".join(c.ljust(widths[c]) for c in columns))
        for row in rows:
            print("  ".join(row[c].ljust(widths[c]) for c in columns))
        for note in self.notes:
            print("- " + note)
        self.work.mkdir(parents=True, exist_ok=True)
        with open(self.work / "results.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(row[c] for c in columns) + " |" for row in rows]
        lines += [""] + ["- " + note for note in self.notes]
        (self.work / "results.md").write_text("\n".join(lines) + "\n")
        print(f"results written to {self.work / 'results.md'} and {self.work / 'results.csv'}")


def main() -> None:
    """Command line of the harness."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buffers", default="100 400", help='buffer sizes B (default "100 400")')
    parser.add_argument("--offload", type=Path, help="the offload executable")
    parser.add_argument("--model-source", choices=("offload", "python"), default="offload",
                        help="who builds the model (python: build_reference_model.py, "
                             "no OffloadLab rows)")
    parser.add_argument("--peers", default=" ".join(PEER_ORDER),
                        help=f'peers to run (default "{" ".join(PEER_ORDER)}")')
    parser.add_argument("--tolerance", type=float, default=1e-8,
                        help="certified sup-norm tolerance on values (default 1e-8)")
    parser.add_argument("--offload-jobs", type=int, default=2,
                        help="threads of OffloadLab's Gauss-Seidel sweep (default 2; peers use 1)")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="seconds allowed per solver process (default 3600)")
    parser.add_argument("--work", type=Path, default=HERE / ".work",
                        help="models and results directory (default Benchmarks/peers/.work)")
    args = parser.parse_args()
    args.peers = args.peers.split()
    unknown = set(args.peers) - set(PEER_ORDER)
    if unknown:
        parser.error(f"unknown peers: {' '.join(sorted(unknown))}")
    if args.model_source == "python":
        args.offload = None
    elif args.offload is None:
        parser.error("--model-source offload needs --offload PATH")
    harness = Harness(args)
    for buffer in map(int, args.buffers.split()):
        harness.run_buffer(buffer)
    harness.report()


if __name__ == "__main__":
    main()
