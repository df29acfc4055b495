# Preamble shared by the scripts/notebooks/*.sh model scripts (not run on its own).
# Usage, first lines of a model script:
#   source "$(dirname "$0")/common.bash" "$@"
#   out=$(notebook_folder MODEL)
# Checks the offload argument (set as $offload), moves to the repository root, keeps BLAS
# on one thread and stops at the first failing command.
set -euo pipefail
offload="${1:?usage: $0 PATH/TO/offload}"
offload="$(cd "$(dirname "$offload")" && pwd)/$(basename "$offload")"
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export OPENBLAS_NUM_THREADS=1

# Creates notebooks-data/$1 and prints its path.
notebook_folder() {
  mkdir -p "notebooks-data/$1"
  echo "notebooks-data/$1"
}
