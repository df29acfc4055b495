"""Storm cross-check of OffloadLab's PRISM export (docs/mdp-command.md, "Storm cross-check").

Exports a built-in model with `offload ... --prism PREFIX --prism-variant storm`, solves the
files with Storm's own explicit parser and solver (stormpy), with `offload mdp solve
--prism PREFIX`, and compares both with OffloadLab's built-in solve:

- service modes (discounted, gamma = 0.99): `offload modes export` also writes the built-in
  solve's certified values; Storm checks Rmin=? [ Cdiscount=gamma ] with an absolute
  precision eps, which its value iteration turns into |x - V*| <= eps. Agreement means
  every value difference is at most the sum of the two certified bounds, and the policies
  differ only between choices whose Bellman values are tied within that sum.
- Markov machine (average cost): `offload machine export`; Storm checks Rmin=? [ LRA ]
  (long-run average reward); its gain must lie in OffloadLab's certified bracket widened
  by Storm's precision. Storm's long-run-average solver has its own precision, 1e-6
  relative by default (`--lra:precision`), which stormpy 2.0's Environment does not expose,
  so the allowance of this check is 1e-6 |g|.

Run with the venv of run.sh (stormpy pinned in requirements.txt):

    Benchmarks/peers/.venv/bin/python Benchmarks/peers/storm_crosscheck.py \
        --offload .build/release/offload --buffer 20 --tolerance 1e-8

Exit status 0 when every check agrees, 1 otherwise.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


# Storm's default precision of long-run averages (relative), not settable from stormpy.
STORM_LRA_PRECISION = 1e-6


def run(command: list[str]) -> str:
    """Runs an offload command, returning stdout; stops with its stderr on failure."""
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {result.returncode}:\n{result.stderr}")
    return result.stdout


def read_storm_mdp(prefix: str, states: int):
    """Rows of the Storm-variant files as (state, choice) -> (targets, probabilities, cost)."""
    rows = {}
    for line in Path(prefix + ".tra").read_text().splitlines()[1:]:
        s, a, t, p = line.split()[:4]
        rows.setdefault((int(s), int(a)), ([], [], 0.0))
        rows[(int(s), int(a))][0].append(int(t))
        rows[(int(s), int(a))][1].append(float(p))
    costs = {}
    for line in Path(prefix + ".trew").read_text().splitlines():
        s, a, t, r = line.split()
        costs[(int(s), int(a))] = float(r)  # the same cost on every transition of a choice
    return {key: (np.array(t), np.array(p), costs.get(key, 0.0)) for key, (t, p, _) in rows.items()}


def storm_solve(stormpy, prefix: str, formula: str, precision: float):
    """Storm's explicit parser and min-max solver; values per state and the chosen choices."""
    model = stormpy.build_model_from_explicit(
        prefix + ".tra", prefix + ".lab", transition_rewards=prefix + ".trew")
    environment = stormpy.Environment()
    min_max = environment.solver().min_max()
    min_max.precision = stormpy.Rational(precision)
    min_max.relative_termination_criterion = False
    prop = stormpy.parse_properties(formula)[0]
    start = time.perf_counter()
    result = stormpy.model_checking(model, prop, extract_scheduler=True, environment=environment)
    seconds = time.perf_counter() - start
    values = np.array(result.get_value_vector())
    scheduler = result.get_scheduler()
    choices = np.array([scheduler.get_choice(s).get_deterministic_choice()
                        for s in range(model.nr_states)])
    return model, values, choices, seconds


def check_service_modes(stormpy, offload: str, work: Path, buffer: int, tolerance: float):
    gamma = 0.99
    prefix = str(work / "modes")
    directory = work / "modes-dir"
    run([offload, "modes", "export", "--buffer", str(buffer), "--tolerance", str(tolerance),
         "--tolerance-mode", "absolute", "--output", str(directory), "--prism", prefix,
         "--prism-variant", "storm"])
    meta = json.loads((directory / "model.json").read_text())
    built_in = np.fromfile(directory / "reference_values.float64", dtype="<f8")
    built_in_policy = np.fromfile(directory / "reference_policy.int32", dtype="<i4")
    built_in_bound = meta["referenceErrorBound"]
    solved = json.loads(run([offload, "mdp", "solve", "--prism", prefix, "--discount", str(gamma),
                             "--tolerance", str(tolerance), "--tolerance-mode", "absolute",
                             "--format", "json"]))
    files_values = np.array(solved["values"])
    files_bound = solved["errorBound"]
    model, storm_values, storm_choices, seconds = storm_solve(
        stormpy, prefix, f"Rmin=? [ Cdiscount={gamma!r} ]", tolerance)
    rows = read_storm_mdp(prefix, model.nr_states)

    def q(state, choice):
        targets, probabilities, cost = rows[(state, choice)]
        return cost + gamma * probabilities @ files_values[targets]

    differing = np.nonzero(storm_choices != np.array(solved["policy"]))[0]
    gaps = [abs(q(s, storm_choices[s]) - q(s, solved["policy"][s])) for s in differing]
    allowance = 2 * (tolerance + files_bound)
    report = {
        "model": f"service modes, configuration (a), B = {buffer}, gamma = {gamma}",
        "states": int(model.nr_states), "choices": int(model.nr_choices),
        "storm seconds": round(seconds, 3),
        "max |V_storm - V_mdp_solve|": float(np.abs(storm_values - files_values).max()),
        "allowed (storm eps + mdp solve bound)": tolerance + files_bound,
        "max |V_storm - V_built_in|": float(np.abs(storm_values - built_in).max()),
        "allowed (storm eps + built-in bound)": tolerance + built_in_bound,
        "max |V_mdp_solve - V_built_in|": float(np.abs(files_values - built_in).max()),
        "allowed (two OffloadLab bounds)": files_bound + built_in_bound,
        "policy differences storm vs mdp solve": int(len(differing)),
        "largest Bellman gap among them": float(max(gaps, default=0.0)),
        "policy differences mdp solve vs built-in":
            int((np.array(solved["policy"]) != built_in_policy).sum()),
    }
    agree = (report["max |V_storm - V_mdp_solve|"] <= report["allowed (storm eps + mdp solve bound)"]
             and report["max |V_storm - V_built_in|"] <= report["allowed (storm eps + built-in bound)"]
             and report["max |V_mdp_solve - V_built_in|"] <= report["allowed (two OffloadLab bounds)"]
             and report["largest Bellman gap among them"] <= allowance)
    return report, agree


def check_machine(stormpy, offload: str, work: Path, age_cap: int, tolerance: float):
    prefix = str(work / "machine")
    common = ["--sampling-cost", "0.5", "--age-cap", str(age_cap)]
    run([offload, "machine", "export", "--prism", prefix, "--prism-variant", "storm"] + common)
    solved = json.loads(run([offload, "mdp", "solve", "--prism", prefix, "--criterion", "average",
                             "--tolerance", str(tolerance), "--tolerance-mode", "absolute",
                             "--format", "json"]))
    model, storm_values, _, seconds = storm_solve(stormpy, prefix, "Rmin=? [ LRA ]", tolerance)
    storm_gain = float(storm_values[0])
    lower, upper = solved["gainLower"], solved["gainUpper"]
    report = {
        "model": f"Markov machine, q = 0.5, L = 0.5, A = {age_cap}, average cost",
        "states": int(model.nr_states), "choices": int(model.nr_choices),
        "storm seconds": round(seconds, 3),
        "storm gain (state 0)": storm_gain,
        "storm gain spread over states": float(storm_values.max() - storm_values.min()),
        "mdp solve gain bracket": [lower, upper],
        "distance of storm's gain from the bracket":
            max(0.0, lower - storm_gain, storm_gain - upper),
        "allowed (storm's default LRA precision, 1e-6 relative)": STORM_LRA_PRECISION * abs(storm_gain),
    }
    agree = (report["distance of storm's gain from the bracket"]
             <= STORM_LRA_PRECISION * abs(storm_gain))
    return report, agree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offload", default=".build/release/offload")
    parser.add_argument("--buffer", type=int, default=20)
    parser.add_argument("--age-cap", type=int, default=6)
    parser.add_argument("--tolerance", type=float, default=1e-8)
    parser.add_argument("--work", type=Path, default=None)
    arguments = parser.parse_args()
    import stormpy

    with tempfile.TemporaryDirectory() as scratch:
        work = arguments.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        checks = [
            check_service_modes(stormpy, arguments.offload, work, arguments.buffer,
                                arguments.tolerance),
            check_machine(stormpy, arguments.offload, work, arguments.age_cap,
                          arguments.tolerance),
        ]
    print(f"stormpy {stormpy.__version__}, tolerance {arguments.tolerance:g} (absolute)")
    for report, agree in checks:
        print()
        for key, value in report.items():
            print(f"  {key}: {value}")
        print(f"  verdict: {'agree' if agree else 'DISAGREE'}")
    sys.exit(0 if all(agree for _, agree in checks) else 1)


if __name__ == "__main__":
    main()
