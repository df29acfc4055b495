#!/usr/bin/env bash
# Regenerates everything in notebooks-data/ (see notebooks-data/README.md).
# Usage: scripts/regenerate-notebooks-data.sh PATH/TO/offload   (or: make notebooks)
#
# Runs every model script scripts/notebooks/*.sh, in the byte order of their names
# (markov-machine, replication, service-modes, ...). A model adds its data by adding a
# script there that takes the offload binary as its only argument, starts with the
# preamble of scripts/notebooks/common.bash and writes below notebooks-data/<model>/.
set -euo pipefail
binary="${1:?usage: $0 PATH/TO/offload}"
[[ -x "$binary" ]] || { echo "error: '$binary' is not an executable offload binary" >&2; exit 64; }
offload="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
cd "$(dirname "$0")/.."

export LC_ALL=C
for script in scripts/notebooks/*.sh; do
  started=$SECONDS
  bash "$script" "$offload"
  echo "$script: $((SECONDS - started)) s" >&2
done
