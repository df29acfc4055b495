#!/usr/bin/env bash
# Peer comparison harness (issue 6). See Benchmarks/peers/README.md.
#
#   Benchmarks/peers/run.sh [--buffers "100 400"] [--offload PATH] [--model-source offload|python]
#                           [harness options: --peers "...", --timeout S, --tolerance T, --work DIR]
#
# Creates Benchmarks/peers/.venv with the pinned peers of requirements.txt (once), builds
# `offload` in release unless --offload PATH or --model-source python is given, then runs
# harness.py: export, cross-check, every peer in its own process, `offload modes bench`,
# agreement checks and the table (also written to .work/results.md and .work/results.csv).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

buffers="100 400"
offload=""
source="offload"
passthrough=()
while [ $# -gt 0 ]; do
  case "$1" in
    --buffers) buffers="$2"; shift 2 ;;
    --offload) offload="$2"; shift 2 ;;
    --model-source) source="$2"; shift 2 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) passthrough+=("$1"); shift ;;
  esac
done

python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
  { echo "run.sh: Python >= 3.10 needed (set PYTHON=...)" >&2; exit 1; }
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "run.sh: creating $venv" >&2
  "$python" -m venv "$venv"
fi
if ! cmp -s "$here/requirements.txt" "$venv/.installed-requirements"; then
  echo "run.sh: installing the pinned peers into $venv" >&2
  "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/.installed-requirements"
fi

export OPENBLAS_NUM_THREADS=1
if [ "$source" = "offload" ] && [ -z "$offload" ]; then
  echo "run.sh: building offload (release)" >&2
  make -C "$root" --no-print-directory release >&2
  offload="$root/.build/release/offload"
fi

args=(--buffers "$buffers" --model-source "$source")
[ -n "$offload" ] && args+=(--offload "$offload")
exec "$venv/bin/python" "$here/harness.py" "${args[@]}" "${passthrough[@]+"${passthrough[@]}"}"
