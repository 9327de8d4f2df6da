#!/usr/bin/env bash
# A trajectory replay checks every record before it runs, runs no further than the last recorded
# step, keeps to --time-limit, and distinguishes an early stop from a file cut short.
# Usage: trace_replay_bounds.sh SGVERIFY
set -u
sgverify=$1
# shellcheck source=shell_test_lib.sh
source "$(dirname "$0")/shell_test_lib.sh"

# edit FILE OUT PYTHON: rewrites a trace. The Python code edits `lines`, the list of parsed lines.
edit() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
exec(sys.argv[3])
open(sys.argv[2], "w").write("".join(json.dumps(line) + "\n" for line in lines))
PY
}

# resize FILE OUT D S: rewrites a Theorem 1 trace with a d x S instance of small integers and its
# checksum, W0 = W* = 0 and every record's W of length d + 1.
resize() {
  edit "$1" "$2" "
d, S = $3, $4
def fnv(texts):
    h = 0xcbf29ce484222325
    for text in texts:
        for byte in text.encode() + b'\\xff':
            h = ((h ^ byte) * 0x100000001b3) % 2**64
    return '%016x' % h
instance = lines[0]['instance']
instance.update(d=d, S=S, features=['x%d' % i for i in range(d)], y=[str(s % 3) for s in range(S)],
                X=[[str((7 * i + 3 * s) % 5 - 2) for i in range(d)] for s in range(S)])
instance['checksum'] = fnv([str(d), str(S)] + [v for sample in instance['X'] for v in sample] + instance['y'])
lines[0]['parameters']['W0'] = lines[0]['W_star'] = ['0'] * (d + 1)
for record in lines[1:]: record['W'] = ['0'] * (d + 1)
"
}

"$sgverify" theorem1 --steps 3000 --out "$work/run" >/dev/null 2>&1 || fail "theorem1 --steps 3000 failed"
trace=$work/run/trace.jsonl
expect 0 "reproduced" trace replay "$trace"
tail -n 1 "$trace" | grep -q '"stop":"completed"' || fail "the last record lacks \"stop\":\"completed\""

# A file cut at a line boundary is truncated for show and replay alike.
head -n 500 "$trace" >"$work/cut.jsonl"
expect 2 "the file is truncated" trace show "$work/cut.jsonl"
expect 2 "the file is truncated" trace replay "$work/cut.jsonl"

# Damaged records are bad input before anything runs.
edit "$trace" "$work/no-W.jsonl" 'del lines[3]["W"]'
expect 2 "record 3: missing field 'W'" trace replay "$work/no-W.jsonl"
edit "$trace" "$work/W-number.jsonl" 'lines[3]["W"] = 5'
expect 2 "'W' must be a list of 3 strings" trace replay "$work/W-number.jsonl"
edit "$trace" "$work/short-omega.jsonl" 'lines[3]["omega"] = lines[3]["omega"][:2]'
expect 2 "'omega' must be a list of 3 strings" trace show "$work/short-omega.jsonl"
edit "$trace" "$work/k-order.jsonl" 'lines[3]["k"], lines[4]["k"] = lines[4]["k"], lines[3]["k"]'
expect 2 "a record is missing, repeated or out of order" trace replay "$work/k-order.jsonl"
edit "$trace" "$work/stop-early.jsonl" 'lines[3]["stop"] = "completed"'
expect 2 "only the last record may hold 'stop'" trace replay "$work/stop-early.jsonl"
# The records follow the writer's schedule, so a record removed from the middle is a damaged file.
edit "$trace" "$work/missing-record.jsonl" 'del lines[150]'
expect 2 "missing-record.jsonl, record 150: k = 213 where the run records step 210" trace show "$work/missing-record.jsonl"
expect 2 "a record is missing, repeated or out of order" trace replay "$work/missing-record.jsonl"
edit "$trace" "$work/repeated-record.jsonl" 'lines.insert(150, lines[150])'
expect 2 "a record is missing, repeated or out of order" trace show "$work/repeated-record.jsonl"
# What show prints, replay checks too.
edit "$trace" "$work/loss-text.jsonl" 'lines[3]["loss"] = "x"'
expect 2 "record 3: field 'loss' must be a number" trace replay "$work/loss-text.jsonl"
# A start beyond the range of the run's arithmetic: W* would be computed from infinities.
edit "$trace" "$work/W0-huge.jsonl" 'lines[0]["parameters"]["W0"][0] = "1e400"'
expect 2 "parameters: W0 entry 1 is beyond the range of double arithmetic" trace replay "$work/W0-huge.jsonl"
# A control character in a string field, and an integer above 2^63 - 1.
edit "$trace" "$work/control.jsonl" 'lines[0]["instance"]["source"] = "a\x1b[2Jb"'
expect 2 "field 'source' 'a\\x1b[2Jb' contains a control character" trace show "$work/control.jsonl"
edit "$trace" "$work/huge-d.jsonl" 'lines[0]["instance"]["d"] = 2**64 - 1'
expect 2 "field 'd' 18446744073709551615 is too large" trace show "$work/huge-d.jsonl"
expect 2 "a record is missing, repeated or out of order" trace show "$work/repeated-record.jsonl"
# A run completes at its last step only; a stop reason names the step of the last record.
edit "$trace" "$work/completed-early.jsonl" 'lines.pop(); lines[-1]["stop"] = "completed"'
expect 2 "invalid field 'stop' 'completed': the last record, at step 2997 of 3000, must say \"stopped at step 2997: REASON\"" \
  trace show "$work/completed-early.jsonl"
edit "$trace" "$work/other-stop.jsonl" 'lines[-1]["stop"] = "stopped at step 12: the weights diverged"'
expect 2 "must say \"completed\" or \"stopped at step 3000: REASON\"" trace replay "$work/other-stop.jsonl"

# Raising the step count in the header does not make the replay run 10^9 steps: the records no
# longer follow the schedule of a 10^9-step run.
edit "$trace" "$work/huge-steps.jsonl" 'lines[0]["parameters"]["steps"] = 10**9'
expect 2 "a record is missing, repeated or out of order" trace replay "$work/huge-steps.jsonl"
# With the last record's stop moved to the records of such a run, the replay stops at the last
# recorded step, finds that the records differ, and reports it at once.
edit "$trace" "$work/huge-steps.jsonl" '
lines[0]["parameters"]["steps"] = 10**9
del lines[102:]
lines[-1]["stop"] = "stopped at step 100: edited"'
expect 1 "NOT reproduced" trace replay "$work/huge-steps.jsonl"

# Each step is compared as it is recorded: a trace edited to a wider interval arithmetic (whose W*
# is the same exact one) is reported at its first differing step, before --time-limit 1 could stop
# it. Running all 3000 steps in interval:100000 first took 2.5 s.
"$sgverify" theorem1 --arith interval:1000 --steps 3000 --dim 1 --samples 3 --out "$work/interval" >/dev/null 2>&1 ||
  fail "interval:1000 run failed"
edit "$work/interval/trace.jsonl" "$work/other-arith.jsonl" 'lines[0]["parameters"]["arithmetic"] = "interval:100000"'
expect 1 "NOT reproduced: recorded step 1 (k = 0) differs" trace replay "$work/other-arith.jsonl" --time-limit 1

# An edited W_star is not what the writer computed: the replay recomputes W* as the writer did, in
# the run's arithmetic.
for run in "$work/run" "$work/interval"; do
  edit "$run/trace.jsonl" "$work/W-star.jsonl" 'lines[0]["W_star"][0] = "1/3"'
  expect 1 "NOT reproduced: the header's W_star differs from the W* that the" trace replay "$work/W-star.jsonl"
done

# An early stop is recorded and reproduced; claiming another end is not reproduced.
"$sgverify" theorem1 --steps 3000 --mu fixed:10 --out "$work/diverged" >/dev/null 2>&1
tail -n 1 "$work/diverged/trace.jsonl" | grep -q '"stop":"stopped at step [0-9]*: the weights diverged"' ||
  fail "the diverged run's last record lacks its stop reason"
expect 0 "reproduced" trace replay "$work/diverged/trace.jsonl"
edit "$work/diverged/trace.jsonl" "$work/claims-completed.jsonl" 'lines[-1]["stop"] = "completed"'
expect 2 "invalid field 'stop' 'completed'" trace replay "$work/claims-completed.jsonl"
edit "$work/diverged/trace.jsonl" "$work/other-reason.jsonl" 'lines[-1]["stop"] = lines[-1]["stop"].replace("diverged", "stalled")'
expect 1 "NOT reproduced: the trace records the end 'stopped at step" trace replay "$work/other-reason.jsonl"

# The replay's own end marker in a trace is no end the writer records.
edit "$trace" "$work/goes-on.jsonl" 'lines.pop(); lines[-1]["stop"] = "no end: the run goes on after step %d" % lines[-1]["k"]'
expect 2 "invalid field 'stop' 'no end: the run goes on after step" trace replay "$work/goes-on.jsonl"

# --time-limit: a replay that runs longer stops with exit 2; the value is checked.
"$sgverify" theorem1 --arith mpfr:2000 --steps 2000 --out "$work/mpfr" >/dev/null 2>&1 || fail "mpfr:2000 run failed"
expect 2 "the trace asks for more work than --time-limit 0.001 allows" trace replay "$work/mpfr/trace.jsonl" --time-limit 0.001
# The limit bounds a fixed-point replay too: 100 exact steps from an ω0 that is no fixed point take
# minutes, because each step about doubles the bit lengths.
edit "$(dirname "$0")/counterexamples/T1-global-attraction.jsonl" "$work/fixed-100.jsonl" '
lines[0]["parameters"]["steps"] = 100
lines[0]["parameters"]["omega0"] = ["1", "2", "3"]
lines[1:] = [dict(lines[1], k=k) for k in range(101)]'
timeout 30 "$sgverify" trace replay "$work/fixed-100.jsonl" --time-limit 2 >"$work/stdout" 2>"$work/stderr"
status=$?
[ "$status" -eq 2 ] || fail "the fixed-point replay of 100 steps exited $status (124: over 30 s), expected 2"
[ -s "$work/stdout" ] && fail "the fixed-point replay stopped by --time-limit printed on standard output"
tail -n 1 "$work/stderr" | grep -qF "fixed-100.jsonl: replay stopped after" || fail "the fixed-point replay's last message lacks the limit"
for value in nan -1 abc 1e10 ""; do
  expect 2 "invalid --time-limit '$value'" trace replay "$work/mpfr/trace.jsonl" --time-limit "$value"
  grep -q -- "--time-limit: invalid" "$work/stderr" && fail "the --time-limit message repeats the flag"
done
edit "$trace" "$work/negative-steps.jsonl" 'lines[0]["parameters"]["steps"] = -3'
expect 2 "invalid field 'steps' -3: a run has 0 to 1000000000 steps" trace show "$work/negative-steps.jsonl"

# The writer's numbers fit the reader: an mpfr:20000 run writes W* with about 6000 digits.
"$sgverify" theorem1 --arith mpfr:20000 --steps 20 --out "$work/wide" >/dev/null 2>&1 || fail "mpfr:20000 run failed"
expect 0 "reproduced" trace replay "$work/wide/trace.jsonl"

# Every trajectory that theorem1 writes replays: 9 exact steps (fixed rates keep bit lengths short)
# and the widest arithmetic, mpfr:300000.
"$sgverify" theorem1 --arith exact --steps 9 --dim 1 --samples 3 --mu fixed:1/8 --nu 1/64 --out "$work/exact" >/dev/null 2>&1 ||
  fail "exact run of 9 steps failed"
expect 0 "reproduced: 10 recorded steps of the exact run" trace replay "$work/exact/trace.jsonl"
"$sgverify" theorem1 --arith mpfr:300000 --steps 2 --dim 1 --samples 3 --out "$work/widest" >/dev/null 2>&1 || fail "mpfr:300000 run failed"
expect 0 "reproduced: 3 recorded steps of the mpfr:300000 run" trace replay "$work/widest/trace.jsonl"

# Theorem 2 horizons above 5000 are rejected.
shift_trace=$(dirname "$0")/counterexamples/T2-needs-finite-dimension-weighted-shift-l2-dim1.jsonl
edit "$shift_trace" "$work/horizon.jsonl" 'lines[0]["construction"]["steps"] = 5001'
expect 2 "invalid horizon 5001" trace replay "$work/horizon.jsonl"

# Header fields are named as fields, not as the flags that set them, and each one is type-checked.
fixed_point=$(dirname "$0")/counterexamples/T1-global-attraction.jsonl
# A counterexample's header must claim what its kind can show, and the file alone shows whether it does.
edit "$fixed_point" "$work/claim.jsonl" 'lines[0]["claim"] = "T1.global-solution"'
expect 2 "claim 'T1.global-solution', verdict 'refuted', level 'exact': a theorem1-counterexample trace records claim T1.global-attraction" \
  trace replay "$work/claim.jsonl"
edit "$(dirname "$0")/counterexamples/T1-xi-recursion.jsonl" "$work/audit-claim.jsonl" 'lines[0]["claim"] = "T1.nothing"'
expect 2 "audit-claim.jsonl, header: invalid field 'claim' 'T1.nothing': a theorem1-audit-counterexample trace names a proof step" \
  trace show "$work/audit-claim.jsonl"
grep -qF "T1.global-solution" "$work/stderr" && fail "the audit trace's claim message offers a claim that no audit trace refutes"
edit "$(dirname "$0")/counterexamples/T1-xi-recursion.jsonl" "$work/audit-level.jsonl" 'lines[0]["level"] = "proved"'
expect 2 "invalid field 'level' 'proved': use exact, certified or numerical" trace replay "$work/audit-level.jsonl"
edit "$fixed_point" "$work/mu.jsonl" 'lines[0]["parameters"]["mu"] = "fixed:abc"'
expect 2 "parameters: invalid field 'mu'" trace replay "$work/mu.jsonl"
edit "$fixed_point" "$work/arith.jsonl" 'lines[0]["parameters"]["arithmetic"] = "mpfr:3"'
expect 2 "invalid field 'arithmetic' 'mpfr:3'" trace show "$work/arith.jsonl"
edit "$fixed_point" "$work/seed.jsonl" 'lines[0]["parameters"]["seed"] = -1'
expect 2 "field 'seed' must be a whole number" trace replay "$work/seed.jsonl"
edit "$fixed_point" "$work/rank.jsonl" 'lines[0]["spectrum"]["rank"] = "x"'
expect 2 "spectrum: field 'rank' must be an integer" trace replay "$work/rank.jsonl"
edit "$fixed_point" "$work/tolerance.jsonl" 'lines[0]["parameters"]["tolerances"]["omega"] = "1/0"'
expect 2 "tolerances: invalid field 'omega' '1/0'" trace replay "$work/tolerance.jsonl"
for name in weights_relative omega xi_relative; do
  edit "$fixed_point" "$work/tolerance.jsonl" "lines[0]['parameters']['tolerances']['$name'] = '-1'"
  expect 2 "tolerances: invalid field '$name' -1: a tolerance is 0 or more" trace show "$work/tolerance.jsonl"
done

# trace show reads no more than the file: it builds neither the moments nor the spectral bounds,
# which took 38 s for d = 1000 and aborted in GMP for d = 10^4.
resize "$fixed_point" "$work/wide.jsonl" 1000 1
timeout 10 "$sgverify" trace show "$work/wide.jsonl" >/dev/null 2>&1
status=$?
[ "$status" -eq 0 ] || fail "trace show of a d = 1000 instance exited $status (124: over 10 s), expected 0"

# One set of instance limits for the writer and the reader: theorem1 rejects a CSV file or an
# arithmetic that would write a trace that trace show rejects.
python3 -c 'print(",".join("x%d" % i for i in range(1001)) + ",y"); print(",".join(["1"] * 1002))' >"$work/wide.csv"
expect 2 "wide.csv: d = 1001 features and S = 1 samples exceed the Theorem 1 limits" theorem1 --data "$work/wide.csv" --out "$work/wide"
expect 2 "invalid arithmetic 'mpfr:300001': BITS must be an integer from 24 to 300000" theorem1 --arith mpfr:300001 --out "$work/wide"
expect 2 "needs more than 2^33 bits (1 GiB) of significands" theorem1 --arith mpfr:100000 --dim 100 --samples 1000 --out "$work/wide"
resize "$fixed_point" "$work/wider.jsonl" 1001 1
expect 2 "wider.jsonl, header, instance: d = 1001 features and S = 1 samples exceed the Theorem 1 limits" trace show "$work/wider.jsonl"

# An audit trace contains an instance of the audit's sizes only (d at most 3, S at most 14): the check of
# a proof step forms S x S matrices, 4.6 GB for S = 5000.
audit_trace=$(dirname "$0")/counterexamples/T1-xi-recursion.jsonl
resize "$audit_trace" "$work/audit-15.jsonl" 1 15
expect 2 "audit-15.jsonl, header, instance: d = 1 features and S = 15 samples exceed the limits of an audit instance" trace replay "$work/audit-15.jsonl"
resize "$audit_trace" "$work/audit-d4.jsonl" 4 6
expect 2 "d = 4 features and S = 6 samples exceed the limits of an audit instance" trace replay "$work/audit-d4.jsonl"
resize "$audit_trace" "$work/audit-14.jsonl" 3 14
"$sgverify" trace replay "$work/audit-14.jsonl" >"$work/stdout" 2>"$work/stderr"
status=$?
{ [ "$status" -le 1 ] && grep -qF "instance: d = 3, S = 14" "$work/stdout"; } || fail "the replay of a d = 3, S = 14 audit trace exited $status"

# --time-limit bounds an audit replay too, although its one exact step cannot be interrupted between
# steps: on a state of 10^5-digit rationals it took 21 s for d = 1, S = 1 on a 2-core machine.
edit "$audit_trace" "$work/audit-digits.jsonl" '
import random
random.seed(1)
def digits(): return str(random.randint(1, 9)) + "".join(random.choice("0123456789") for _ in range(99998))
def rational(): return digits() + "/" + digits()[:-1] + "7"
lines[0]["parameters"]["W0"] = [rational() for _ in lines[0]["parameters"]["W0"]]
lines[0]["parameters"]["omega0"] = [rational() for _ in range(3)]'
expect 2 "audit-digits.jsonl: replay stopped after 2 s: the trace asks for more work than --time-limit 2 allows" \
  trace replay "$work/audit-digits.jsonl" --time-limit 2

# A trajectory replay keeps to --time-limit within one step too: one exact step over 1000 samples
# with a start of 10^4-digit rationals ran past 120 s without a check between steps.
"$sgverify" theorem1 --dim 1 --samples 1000 --arith exact --path samples --mu fixed:1/1000000 --steps 1 \
  --out "$work/samples-exact" >/dev/null 2>&1 || fail "theorem1 --arith exact --path samples failed"
edit "$work/samples-exact/trace.jsonl" "$work/samples-digits.jsonl" '
long_value = "1" + "7" * 10000 + "/" + "3" * 10000
lines[0]["parameters"]["W0"] = [long_value] * len(lines[0]["parameters"]["W0"])
lines[0]["parameters"]["omega0"] = ["-" + long_value] * 2 + ["0"]
for record in lines[1:]:
    record["W"], record["omega"] = lines[0]["parameters"]["W0"], lines[0]["parameters"]["omega0"]'
timeout 60 "$sgverify" trace replay "$work/samples-digits.jsonl" --time-limit 2 >"$work/stdout" 2>"$work/stderr"
status=$?
[ "$status" -eq 2 ] || fail "a long exact step exited $status (124: over 60 s), expected 2 at --time-limit 2"
grep -qF "replay stopped after 2 s" "$work/stderr" || fail "a long exact step does not name the time limit: $(cat "$work/stderr")"
[ -s "$work/stdout" ] && fail "a replay stopped by --time-limit printed on standard output"

# Counterexample records are checked like a trajectory's: every step k = 0 to `steps` once, with no
# `stop`. A damaged file is bad input, and records that the exact step does not give are not reproduced.
for kind_trace in "$fixed_point" "$audit_trace"; do
  name=$(basename "$kind_trace" .jsonl)
  head -n 1 "$kind_trace" >"$work/$name-header.jsonl"
  expect 2 "the counterexample has no recorded steps; the file is truncated" trace replay "$work/$name-header.jsonl"
  edit "$kind_trace" "$work/$name-twice.jsonl" 'lines.append(lines[-1])'
  expect 2 "record 3: k = 1 is out of order" trace replay "$work/$name-twice.jsonl"
  edit "$kind_trace" "$work/$name-stop.jsonl" 'lines[-1]["stop"] = "completed"'
  expect 2 "record 2: 'stop' is not allowed in a counterexample's records" trace show "$work/$name-stop.jsonl"
  edit "$kind_trace" "$work/$name-steps.jsonl" 'lines[0]["parameters"]["steps"] = 0'
  expect 2 "invalid field 'steps' 0" trace replay "$work/$name-steps.jsonl"
  edit "$kind_trace" "$work/$name-omega.jsonl" 'lines[-1]["omega"] = ["5", "5", "5"]'
  expect 1 "the recorded steps" trace replay "$work/$name-omega.jsonl"
  grep -q "the recorded steps.* match .*: no" "$work/stdout" || fail "$name-omega.jsonl: the replay did not report the differing record"
  edit "$kind_trace" "$work/$name-W-star.jsonl" 'lines[0]["W_star"][0] = "1/3"'
  expect 1 "NOT reproduced" trace replay "$work/$name-W-star.jsonl"
done
edit "$fixed_point" "$work/fixed-cut.jsonl" 'lines.pop()'
expect 2 "fixed-cut.jsonl: the trace records steps 0 to 0 of the 1 steps of its run; the file is truncated" trace replay "$work/fixed-cut.jsonl"
edit "$audit_trace" "$work/audit-steps.jsonl" 'lines[0]["parameters"]["steps"] = 2'
expect 2 "invalid field 'steps' 2: a theorem1-audit-counterexample trace has exactly 1 step" trace replay "$work/audit-steps.jsonl"
edit "$fixed_point" "$work/fixed-steps.jsonl" 'lines[0]["parameters"]["steps"] = 101'
expect 2 "invalid field 'steps' 101: a theorem1-counterexample trace has 1 to 100 steps" trace replay "$work/fixed-steps.jsonl"

# Replays print the seed of the run that wrote the trace, and the Theorem 2 seed is checked too.
expect 0 "theorem1-counterexample trace, written with seed" trace replay "$fixed_point"
expect 0 "theorem2-counterexample trace, format version 1, written with seed" trace replay "$shift_trace"
edit "$shift_trace" "$work/t2-seed.jsonl" 'lines[0]["seed"] = "one"'
expect 2 "field 'seed' must be a whole number" trace show "$work/t2-seed.jsonl"

# A Theorem 2 trace cut inside a record, or with a line that is not an object, is bad input.
head -c 2000 "$shift_trace" >"$work/t2-cut.jsonl"
expect 2 "not a JSON object; the trace is malformed or truncated" trace show "$work/t2-cut.jsonl"
expect 2 "not a JSON object; the trace is malformed or truncated" trace replay "$work/t2-cut.jsonl"

# Memory stays bounded: a trace of more JSON values than any trace the suite writes is refused.
python3 -c 'import json; print(json.dumps({"format": "sgverify-trace", "version": 1, "x": [[0] * 10] * 2100000}))' >"$work/many.jsonl"
expect 2 "more than 20000000 JSON values" trace show "$work/many.jsonl"
# Counting takes linear time: 300 000 empty objects in one list would take about 40 s with a parse
# callback, which scanned the list after each object (10^5 took 4 s), and take well under a second now.
python3 -c 'import json; print(json.dumps({"format": "sgverify-trace", "version": 1, "kind": "corollary1-counterexample", "x": [{}] * 300000}))' >"$work/objects.jsonl"
timeout 20 "$sgverify" trace show "$work/objects.jsonl" >/dev/null 2>&1
status=$?
[ "$status" -eq 2 ] || fail "a header of 300000 empty objects exited $status (124: over 20 s), expected 2"

finish
