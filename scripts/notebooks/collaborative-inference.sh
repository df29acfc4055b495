#!/usr/bin/env bash
# Regenerates notebooks-data/collaborative-inference/ (docs/collaborative-inference.md).
# Usage: scripts/notebooks/collaborative-inference.sh PATH/TO/offload
# Deterministic (seeded). Reduced scale: Fig. 1 and Fig. 2 use 30 000-step windows
# (about 8 h) after a 1 h warm-up, users 100-1000, server 1x-10x, so the whole folder
# regenerates in a few minutes. Only shapes are comparable with the paper (spec G13).
source "$(dirname "$0")/common.bash" "$@"
out=$(notebook_folder collaborative-inference)

echo "collaborative-inference: exact tiny instances T1 and T4 (spec G7)" >&2
"$offload" inference exact --instance T1 --format json > "$out/exact-T1.json"
"$offload" inference exact --instance T4 --policy centralized --format csv > "$out/exact-T4.csv"

echo "collaborative-inference: Def. 3.2 exact grid on T1 (spec G10.2)" >&2
"$offload" inference size-server --instance T1 --policy uniform --tau 4 --alpha 0.5 \
  --format csv > "$out/size-server-T1.csv"

echo "collaborative-inference: Fig. 1 at reduced scale (spec G13)" >&2
"$offload" inference figure1 --user-counts 100,300,1000 --capacities 1,3,10 \
  --steps 33600 --warmup 3600 --seed 1 --format csv --svg "$out/figure1.svg" \
  > "$out/figure1.csv"

echo "collaborative-inference: Fig. 2 at reduced scale (spec G13)" >&2
"$offload" inference figure2 --users 1000 --capacities 1,3,10,30 \
  --steps 33600 --warmup 3600 --seed 1 --format csv --svg "$out/figure2.svg" \
  > "$out/figure2.csv"
