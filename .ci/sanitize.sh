#!/usr/bin/env bash
# CI job with sanitizers: build the suite with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in build-asan/ (CMake preset asan) and run the tests there. Then run
# each libFuzzer target from the same build for a bounded time. Any sanitizer report fails the job.
# Environment:
#   CTEST_LABEL   quick (default), long, or all: which tests run under the sanitizers. The long
#                 ones take about 12.5 minutes here on 2 cores, so CI runs the quick ones. The
#                 Release build in .ci/run runs all of them.
#   FUZZ_SECONDS  seconds per fuzz target (default 30; 0 skips fuzzing)
#   JOBS          build and test parallelism (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
label=${CTEST_LABEL:-quick}
case $label in
  quick | long) label_args=(-L "^$label\$") ;;
  all) label_args=() ;;
  *)
    echo "sanitize.sh: invalid CTEST_LABEL '$label': use quick, long or all" >&2
    exit 2
    ;;
esac
if ! [[ "${FUZZ_SECONDS:-30}" =~ ^[0-9]+$ ]]; then
  echo "sanitize.sh: invalid FUZZ_SECONDS '${FUZZ_SECONDS}': use a whole number of seconds (0 skips fuzzing)" >&2
  exit 2
fi

./setup.sh
cmake --preset asan >/dev/null
cmake --build build-asan -j"$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/bin/llvm-symbolizer-14}
ctest --test-dir build-asan -j"$jobs" --output-on-failure "${label_args[@]}"

if [ "${FUZZ_SECONDS:-30}" -gt 0 ]; then
  JOBS=$jobs ./fuzz/run.sh "${FUZZ_SECONDS:-30}"
fi
