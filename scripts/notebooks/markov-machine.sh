#!/usr/bin/env bash
# Regenerates notebooks-data/markov-machine/ (docs/markov-machine.md §A10.5, §A11).
# Usage: scripts/notebooks/markov-machine.sh PATH/TO/offload
# Deterministic: every run with the same binary writes the same files.
source "$(dirname "$0")/common.bash" "$@"
out=$(notebook_folder markov-machine)

echo "markov-machine: Fig. 4 (simulation, about a minute in release)" >&2
"$offload" machine figure4 --slots 4000000 --replications 4 --format csv \
  --svg "$out/figure4.svg" > "$out/figure4.csv"

echo "markov-machine: stability cases 1 and 2" >&2
"$offload" machine cases --slots 2000000 --replications 8 --format csv > "$out/cases.csv"
"$offload" machine cases --slots 2000000 --replications 8 --weight sum --format csv \
  > "$out/cases-plain-sum.csv"

echo "markov-machine: policy tables of Fig. 4 at q = 0.5" >&2
"$offload" machine optimize --flip-probability 0.5 --format csv > "$out/tables-q0.5.csv"

echo "markov-machine: optimal policy vs the paper's policies, N = 2 (A10.5)" >&2
"$offload" machine optimal --service-probabilities 0.4,0.9 --q-values 0.1,0.3,0.5,0.9 \
  --format csv > "$out/optimal-n2.csv"
