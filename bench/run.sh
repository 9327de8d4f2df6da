#!/usr/bin/env bash
# Build the Theorem 1 benchmarks, time them and the NumPy baseline in one invocation, and print
# each case against its target with the ratio C++ / NumPy.
#
# Usage: bench/run.sh [BUILD_DIR]   (default: build-bench in the repository root)
# Environment: PYTHON, the interpreter whose NumPy is timed (default /usr/bin/python3, where
# Debian's python3-numpy lives). Results go to BUILD_DIR/bench-results.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
python=${PYTHON:-/usr/bin/python3}
results=$build/bench-results

cmake -S "$root" -B "$build" -G Ninja -DSGVERIFY_BENCH=ON -DSGVERIFY_TESTS=OFF >/dev/null
# One job, so that the second core stays free while building.
ninja -C "$build" -j1 theorem1_bench sgverify
mkdir -p "$results"

# The reference run: the instance, the start and every recorded W of the double run that the
# NumPy baseline repeats. Its flags must match the double cases of theorem1_bench.cpp.
"$build/sgverify" theorem1 --family regression --dim 2 --samples 100 --noise 0.5 --seed 1 --arith double --path samples \
  --mu fixed:1/200 --nu line-search --start paper --steps 100000 --out "$results/reference" >/dev/null

"$build/bench/theorem1_bench" --benchmark_out="$results/theorem1_bench.json" --benchmark_out_format=json

# Debian's NumPy uses the reference BLAS, which reads no OPENBLAS_* variable. They are unset
# anyway, so that a NumPy built on OpenBLAS would run with its own defaults. One BLAS thread
# matches the single-threaded C++ run.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 \
  "$python" "$root/bench/theorem1_numpy.py" --trace "$results/reference/trace.jsonl" --json "$results/theorem1_numpy.json"

"$python" - "$results/theorem1_bench.json" "$results/theorem1_numpy.json" <<'EOF'
import json
import sys

# Targets in seconds for one whole run of each case (one benchmark iteration).
TARGETS = {"double_samples": 2.0, "double_moments": 2.0, "mpfr256_moments": 10.0, "exact_moments": 10.0}
UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}

with open(sys.argv[1], encoding="utf-8") as bench_file:
    bench = json.load(bench_file)
with open(sys.argv[2], encoding="utf-8") as numpy_file:
    numpy_seconds = json.load(numpy_file)["seconds_mean"]

print(f"\n{'case':<16} {'seconds':>9} {'target':>7}  {'met':<4} {'C++ / NumPy':>11}")
for run in bench["benchmarks"]:
    case = run["name"].split("/")[1]
    seconds = run["real_time"] * UNIT_SECONDS[run["time_unit"]]
    met = "yes" if seconds < TARGETS[case] else "NO"
    # Only the double cases run the same 10^5 steps as the NumPy baseline.
    ratio = f"{seconds / numpy_seconds:.4f}" if case.startswith("double") else "-"
    print(f"{case:<16} {seconds:>9.4f} {TARGETS[case]:>7.1f}  {met:<4} {ratio:>11}")
print(f"{'numpy_samples':<16} {numpy_seconds:>9.4f} {'-':>7}  {'-':<4} {1.0:>11.4f}")
EOF
