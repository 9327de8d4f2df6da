#!/usr/bin/env bash
# Build the Theorem 1 benchmarks, time them and the NumPy baseline in one invocation, and print
# each case against its target with the ratio C++ / NumPy. Then time the proof audit over 1000
# instances, through the library and end to end through `sgverify audit`, and print it against the
# 60 s target with the ratio of the shared to the unshared exact steps.
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
ninja -C "$build" -j1 theorem1_bench theorem1_audit_bench sgverify
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

# The proof audit. The cases of theorem1_audit_bench.cpp, the command below and INSTANCES in the
# summary all use 1000 instances and seed 1, so that the end-to-end time compares with the cases.
"$build/bench/theorem1_audit_bench" --benchmark_out="$results/theorem1_audit_bench.json" --benchmark_out_format=json

# End to end: instance generation, checks, shrinking, convergence runs, traces and report.
rm -rf "$results/audit"
/usr/bin/time -f '%e %U %S %M' -o "$results/audit_time.txt" \
  "$build/sgverify" audit --proof theorem1 --instances 1000 --seed 1 --out "$results/audit" >"$results/audit_table.txt"

"$python" - "$results/theorem1_audit_bench.json" "$results/audit_time.txt" <<'EOF'
import json
import sys

TARGET_SECONDS = 60.0
INSTANCES = 1000
UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}

with open(sys.argv[1], encoding="utf-8") as bench_file:
    bench = json.load(bench_file)
with open(sys.argv[2], encoding="utf-8") as time_file:
    # /usr/bin/time -f '%e %U %S %M': wall, user and system seconds, maximum resident set in KiB.
    cli_wall, cli_user, cli_system, max_rss_kib = (float(field) for field in time_file.read().split()[-4:])

wall_seconds, cpu_seconds, labels, steps = {}, {}, {}, {}
for run in bench["benchmarks"]:
    parts = run["name"].split("/")
    case = parts[1] if parts[0] == "audit_theorem1_case" else parts[0]
    wall_seconds[case] = run["real_time"] * UNIT_SECONDS[run["time_unit"]]
    cpu_seconds[case] = run["cpu_time"] * UNIT_SECONDS[run["time_unit"]]
    labels[case] = run.get("label", "")
    if "convergence_steps" in run:
        steps[case] = run["convergence_steps"]

# The target is on wall-clock time. The audit runs on one thread, so its CPU time is the work
# done, and wall-clock time above it is mostly time spent waiting for a core that other jobs held.
print(f"\nload average before the audit cases: {bench['context'].get('load_avg')}")
print(f"{'audit case':<22} {'wall s':>8} {'CPU s':>8} {'target':>7}  {'met':<4}")
for case, wall in wall_seconds.items():
    met = ("yes" if wall < TARGET_SECONDS else "NO") if case.startswith("all_claims") else "-"
    target = f"{TARGET_SECONDS:.0f}" if met != "-" else "-"
    print(f"{case:<22} {wall:>8.2f} {cpu_seconds[case]:>8.2f} {target:>7}  {met:<4}")
print(f"{'sgverify audit (CLI)':<22} {cli_wall:>8.2f} {cli_user + cli_system:>8.2f} {TARGET_SECONDS:>7.0f}  "
      f"{'yes' if cli_wall < TARGET_SECONDS else 'NO':<4}  (max RSS {max_rss_kib / 1024:.0f} MiB)")

shared, unshared = wall_seconds["all_claims_shared"], wall_seconds["all_claims_unshared"]
same = labels["all_claims_shared"] == labels["all_claims_unshared"]
print(f"\nshared / unshared: {shared / unshared:.3f} wall-clock ({shared:.2f} s / {unshared:.2f} s), "
      f"{cpu_seconds['all_claims_shared'] / cpu_seconds['all_claims_unshared']:.3f} CPU")
print(f"same claim records on both paths: {'yes' if same else 'NO'} "
      f"({labels['all_claims_shared']} | {labels['all_claims_unshared']})")

# The split uses CPU time, which waiting for a core does not inflate. Each difference removes the
# work that both cases do. The convergence cases time the run that decides both convergence
# claims. With a cost of fixed + per_step * steps for those runs, the difference between the
# full and the half-length runs gives per_step, and the rest is fixed.
cpu = cpu_seconds
generation = cpu["generate_instances"]
convergence_runs = cpu["convergence"] - generation
per_step = (cpu["convergence"] - cpu["convergence_half"]) / (INSTANCES * (steps["convergence"] - steps["convergence_half"]))
fixed = convergence_runs - per_step * INSTANCES * steps["convergence"]
print(f"\nsplit of the CPU time of all_claims_shared ({cpu['all_claims_shared']:.2f} s):")
print(f"  instance generation          {generation:>6.2f} s")
print(f"  convergence runs             {convergence_runs:>6.2f} s ({INSTANCES} runs of up to {steps['convergence']:.0f} steps:"
      f" {per_step * 1e6:.3f} us a step, {fixed:+.2f} s fixed)")
print(f"  step checks and shrinking    {cpu['all_claims_shared'] - cpu['convergence']:>6.2f} s "
      f"(unshared: {cpu['all_claims_unshared'] - cpu['convergence']:.2f} s)")
print(f"  one exact step and its check (T1.sg-gradient): {(cpu['one_step'] - generation) / INSTANCES * 1e3:.2f} ms per instance")
if not same:
    sys.exit("error: the shared and unshared audits reported different claim records")
EOF
