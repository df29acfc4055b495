#!/usr/bin/env bash
# Regenerates notebooks-data/replication/ (docs/replication.md §4, §6).
# Usage: scripts/notebooks/replication.sh PATH/TO/offload
# Deterministic: the ~sd classes are drawn with the fixed --seed 1.
source "$(dirname "$0")/common.bash" "$@"
out=$(notebook_folder replication)
example2=(--tasks 5000 --pool 700@0.04 --pool 6800@0.001 --pool 1600@0.00005
  --pool 900@0.30~0.134 --seed 1)

echo "replication: the paper's examples 1-3, paper next to tool" >&2
for number in 1 2 3; do
  "$offload" replicas example "$number" --format csv > "$out/example-$number.csv"
done

echo "replication: PJF against r (Example 2 grid and the homogeneous Example 1 pool)" >&2
"$offload" replicas curve "${example2[@]}" --replication-range 1:2:0.01 \
  --svg "$out/curve-example2.svg" > "$out/curve-example2.csv"
"$offload" replicas curve --tasks 10000 --fault-probability 0.0005 \
  --replication-range 1:3:0.01 --svg "$out/curve-example1.svg" > "$out/curve-example1.csv"

echo "replication: assignment rules side by side (Example 2 grid, r = 2)" >&2
"$offload" replicas compare "${example2[@]}" --replication 2 --target 0.01 --format csv \
  > "$out/compare-example2.csv"
