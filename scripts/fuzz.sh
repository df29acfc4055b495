#!/bin/sh
# A long fuzz campaign over every `offload` command against a release build.
#
#   scripts/fuzz.sh [INVOCATIONS [SEED [TIME_LIMIT_SECONDS]]]
#
# Defaults: 2000 invocations, seed 1, 60 s per invocation. Builds `offload` in release and
# the tests in debug, then runs the seeded fuzz test (Tests/OffloadCLITests/FuzzTests.swift)
# against the release binary. The findings, one per line with a shell line that reproduces
# each, go to fuzz-report-SEED.txt; the run fails on any finding that is not a known CLI
# finding (FuzzTests.knownCLIFindings). See docs/cli-fuzzing.md.
set -eu

invocations="${1:-2000}"
seed="${2:-1}"
time_limit="${3:-60}"
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1

swift build -c release --product offload
swift build --build-tests
report="$(pwd)/fuzz-report-$seed.txt"
status=0
OFFLOAD_FUZZ_INVOCATIONS="$invocations" OFFLOAD_FUZZ_SEED="$seed" \
  OFFLOAD_FUZZ_TIME_LIMIT="$time_limit" OFFLOAD_FUZZ_REPORT="$report" \
  OFFLOAD_FUZZ_BINARY="$(swift build -c release --show-bin-path)/offload" \
  swift test --disable-xctest --skip-build --filter FuzzTests.seededInvocationsKeepTheExitPolicy \
  > /dev/null 2>&1 || status=$?
cat "$report"
exit "$status"
