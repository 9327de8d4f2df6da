#!/usr/bin/env bash
# CI job with sanitizers: build the suite with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-asan/ and run every test there (labels quick and long), then run each libFuzzer target for
# a bounded time. Any sanitizer report fails the job.
# Environment: JOBS (default 2), FUZZ_SECONDS per fuzz target (default 30; 0 skips fuzzing),
# CTEST_LABEL (for example quick) to run one label only.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}

./setup.sh
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSGVERIFY_SANITIZE=ON
cmake --build build-asan -j"$jobs"
# halt_on_error makes a UBSan report fail the test, because the build lets UBSan recover.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
label_args=()
if [ -n "${CTEST_LABEL:-}" ]; then label_args=(-L "$CTEST_LABEL"); fi
ctest --test-dir build-asan -j"$jobs" --output-on-failure "${label_args[@]}"

if [ "${FUZZ_SECONDS:-30}" -gt 0 ]; then
  FUZZ_SETUP=1 JOBS=$jobs ./fuzz/run.sh "${FUZZ_SECONDS:-30}"
fi
