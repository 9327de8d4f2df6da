#!/usr/bin/env bash
# Build the libFuzzer targets in build-asan/ (CMake preset asan: clang, ASan, UBSan) and run each
# one for SECONDS seconds, one after another, on a copy of its seed corpus in
# build-asan/corpus/<target>/. ./setup.sh installs clang.
# Usage: fuzz/run.sh SECONDS [TARGET...]   (targets: fuzz_csv fuzz_trace fuzz_flags)
# Environment: JOBS (build parallelism, default 2), FUZZ_OPTIONS (more libFuzzer flags, such as
# -len_control=0 to try long inputs from the start).
# Exit status: 0 when no target found anything, 1 when one did (its crash-* or leak-* file is in
# build-asan/findings/<target>/), 2 on a usage error.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: fuzz/run.sh SECONDS [TARGET...]" >&2
  exit 2
fi
seconds=$1
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(fuzz_csv fuzz_trace fuzz_flags); fi

build=build-asan
cmake --preset asan >/dev/null
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/bin/llvm-symbolizer-14}
cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]}"

# Seeds that are too large to commit: a trace whose first sample is a 10^6-digit rational,
# and a CSV file with a 10^6-digit value.
generated=$build/generated-seeds
mkdir -p "$generated"
# Bash string operations and the printf builtin, because a 10^6-character argument exceeds the
# kernel's limit on one argument of an external command such as sed.
digits=$(head -c 1000000 /dev/zero | tr '\0' '7')
header=$(head -n 1 fuzz/corpus/fuzz_trace/theorem1-counterexample.jsonl)
before_samples=${header%%'"X":[["'*}
after_first_value=${header#*'"X":[["'}
after_first_value=${after_first_value#*'"'}
printf '%s"X":[["%s/3"%s\n' "$before_samples" "$digits" "$after_first_value" >"$generated/trace-million-digits.jsonl"
printf 'x,y\n%s,1\n' "$digits" >"$generated/csv-million-digits.csv"

status=0
for target in "${targets[@]}"; do
  corpus=$build/corpus/$target
  findings=$build/findings/$target
  mkdir -p "$corpus" "$findings"
  cp -n fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  case $target in
    fuzz_trace) cp "$generated/trace-million-digits.jsonl" "$corpus"/ ;;
    fuzz_csv) cp "$generated/csv-million-digits.csv" "$corpus"/ ;;
  esac
  echo "fuzz/run.sh: $target for $seconds s"
  # -timeout fails an input that runs over 10 s, and -rss_limit_mb and -malloc_limit_mb bound memory.
  # -max_len 1100000 lets mutations reach the size of the 10^6-digit seeds.
  if ! "$build/fuzz/$target" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
      -max_len=1100000 -print_final_stats=1 -artifact_prefix="$findings/" ${FUZZ_OPTIONS:-} 2>"$build/$target.log"; then
    echo "fuzz/run.sh: $target found a problem; see $build/$target.log and $findings/" >&2
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^Done ' "$build/$target.log" || true
done
exit $status
