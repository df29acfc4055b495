#!/usr/bin/env bash
# Regenerates notebooks-data/service-modes/ (docs/service-modes.md §S5, §S7, §S9).
# Usage: scripts/notebooks/service-modes.sh PATH/TO/offload
# Deterministic: every run with the same binary writes the same files.
# Configurations (a)-(d), B = 50 and gamma = 0.99 are PLACEHOLDERS (docs/service-modes.md §S0, §S9).
source "$(dirname "$0")/common.bash" "$@"
out=$(notebook_folder service-modes)

for config in a b c d; do
  echo "service-modes: configuration ($config): policy, thresholds, structure" >&2
  "$offload" modes solve --config "$config" --format json \
    --heatmap-csv "$out/policy-$config.csv" --svg "$out/policy-$config.svg" \
    > "$out/solve-$config.json"
  # T1(n), T0(n) on the window n = 0..W ('never': SM2 never chosen on that line).
  "$offload" modes solve --config "$config" --format csv > "$out/thresholds-$config.csv"
done

echo "service-modes: Fig. 5 sweep (discounted-optimal, B = 50 and B = 100)" >&2
"$offload" modes sweep --format csv --svg "$out/fig5-sweep.svg" > "$out/fig5-sweep.csv"
"$offload" modes sweep --buffer 100 --format csv > "$out/fig5-sweep-b100.csv"

echo "service-modes: Fig. 5 sweep (average-optimal, B = 50)" >&2
"$offload" modes sweep --criterion average --format csv > "$out/fig5-sweep-average.csv"
