#!/usr/bin/env bash
# Runs every `offload` example of README.md's code blocks, as written, in a scratch folder
# and fails on the first that does not exit with code 0.
# Usage: scripts/readme-examples.sh PATH/TO/offload   (a release build: some examples
# solve B = 100 to 400 and simulate Fig. 4, a few minutes in all)
set -euo pipefail
binary="${1:?usage: $0 PATH/TO/offload}"
[[ -x "$binary" ]] || { echo "error: '$binary' is not an executable offload binary" >&2; exit 64; }
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
readme="$(cd "$(dirname "$0")/.." && pwd)/README.md"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/bin"
ln -s "$binary" "$scratch/bin/offload"
export PATH="$scratch/bin:$PATH" OPENBLAS_NUM_THREADS=1
cd "$scratch"
# The lines of ```sh blocks that run offload (a trailing backslash joins the next line).
examples="$(awk '/^```sh$/ { inside = 1; next } /^```$/ { inside = 0 } inside' "$readme" \
  | awk '{ if (sub(/\\$/, "")) { held = held $0; next } print held $0; held = "" }' \
  | grep -E '(^|; *|do +)offload ')"
count=0
while IFS= read -r example; do
  count=$((count + 1))
  if ! bash -c "$example" > output.txt 2> errors.txt; then
    echo "README example failed: $example" >&2
    cat errors.txt >&2
    exit 1
  fi
done <<< "$examples"
echo "all $count README examples ran" >&2
