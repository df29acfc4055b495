#!/usr/bin/env bash
# Regenerates notebooks-data/batch-queue/ (docs/batch-queue.md §5, §8; spec Q8.1, Q8.2, Q8.4).
# Usage: scripts/notebooks/batch-queue.sh PATH/TO/offload
# Deterministic: exact solvers only.
source "$(dirname "$0")/common.bash" "$@"
out=$(notebook_folder batch-queue)
rates="linear:1,0.5"

echo "batch-queue: the anchor table (seven laws x six (L, K) pairs, roots method)" >&2
"$offload" batch table --format csv > "$out/table-q8-1.csv"

echo "batch-queue: distributions of the seven laws, lambda = 1, L = 3, K = 5 (Q8.2)" >&2
for law in det erlang:4 exp h2:4 lognormal:4 pareto:2.1180339887 pareto:1.8; do
  name="${law//:/-}"
  "$offload" batch solve --interarrival "$law" --min-batch 3 --max-batch 5 \
    --service-rates "$rates" --format csv \
    --distribution-csv "$out/distribution-L3-K5-$name.csv" \
    --batch-size-csv "$out/batch-sizes-L3-K5-$name.csv" > "$out/measures-L3-K5-$name.csv"
done

echo "batch-queue: switch against frozen rate rule (Q8.4)" >&2
first=1
for law in exp h2:4; do
  for minimum in 1 3; do
    for rule in switch frozen; do
      rows=$("$offload" batch solve --interarrival "$law" --min-batch "$minimum" \
        --max-batch 5 --service-rates "$rates" --rate-rule "$rule" --format csv)
      if [[ $first == 1 ]]; then echo "$rows"; first=0; else echo "$rows" | tail -n +2; fi
    done
  done
done > "$out/rate-rule-sensitivity.csv"
