#!/usr/bin/env bash
# Corollary 1 and Theorem 2 traces: show checks a trace as replay does, sizes and digits are bounded
# by what the writers produce, replays keep to --time-limit, and damaged records are bad input.
# Usage: corollary1_theorem2_trace_input.sh SGVERIFY
set -u
sgverify=$1
counterexamples=$(dirname "$0")/counterexamples
# shellcheck source=shell_test_lib.sh
source "$(dirname "$0")/shell_test_lib.sh"

# expect_both STATUS FRAGMENT FILE: trace show and trace replay of FILE give the same status and message.
expect_both() {
  expect "$1" "$2" trace show "$3"
  expect "$1" "$2" trace replay "$3"
}

# edit FILE OUT PYTHON: rewrites a trace. The Python code edits `lines`, the list of parsed lines,
# and may call checksum(X, Y) to recompute a Corollary 1 checksum.
edit() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
def checksum(X, Y):
    value = 0xcbf29ce484222325
    entries = lambda m: [m["entries"][i][k] for k in range(m["cols"]) for i in range(m["rows"])]
    for text in [str(X["rows"]), str(Y["rows"]), str(X["cols"])] + entries(X) + entries(Y):
        for byte in text.encode() + b"\xff":
            value = ((value ^ byte) * 0x100000001b3) % 2**64
    return "%016x" % value
lines = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
exec(sys.argv[3])
open(sys.argv[2], "w").write("".join(json.dumps(line) + "\n" for line in lines))
PY
}

# Corollary 1. Show reads every field that replay reads, so a damaged trace is exit 2 in both.
c1=$counterexamples/C1-gate-iff-literal.jsonl
expect 0 "claim C1.gate-iff-literal: refuted (exact)" trace show "$c1"
expect 0 "reproduced" trace replay "$c1"
edit "$c1" "$work/c1-X.jsonl" 'lines[0]["X"]["entries"][0][0] = "1/0"'
expect_both 2 "X entry (1, 1) '1/0': the denominator is 0" "$work/c1-X.jsonl"
edit "$c1" "$work/c1-W.jsonl" 'lines[0]["W"] = 5'
expect_both 2 "'W' must hold one matrix per layer" "$work/c1-W.jsonl"
edit "$c1" "$work/c1-C.jsonl" 'lines[0]["C"]["rows"] = 2'
expect_both 2 "header C: invalid size 2 x 1" "$work/c1-C.jsonl"
edit "$c1" "$work/c1-checksum.jsonl" 'lines[0]["checksum"] = "0" * 16'
expect_both 2 "the checksum does not match the data" "$work/c1-checksum.jsonl"
edit "$c1" "$work/c1-sg-layer.jsonl" 'lines[0]["sg_layer"] = 7'
expect_both 2 "c1-sg-layer.jsonl, header: invalid field 'sg_layer' 7: use 1 to the depth" "$work/c1-sg-layer.jsonl"
# One past the depth: the message names the field of the file, not the flag --sg-layer.
edit "$c1" "$work/c1-sg-depth.jsonl" 'lines[0]["sg_layer"] = len(lines[0]["widths"]) - 1'
expect_both 2 "c1-sg-depth.jsonl, header: invalid field 'sg_layer'" "$work/c1-sg-depth.jsonl"
grep -qF -- "--sg-layer" "$work/stderr" && fail "a trace's sg_layer message names the flag --sg-layer"
edit "$c1" "$work/c1-eps-text.jsonl" 'lines[0]["eps"] = "abc"'
expect_both 2 "c1-eps-text.jsonl, header: invalid field 'eps' 'abc'" "$work/c1-eps-text.jsonl"

# Rates follow the rule of --eps and --nu: positive.
for value in 0 -1 -1/8; do
  edit "$c1" "$work/c1-eps.jsonl" "lines[0]['eps'] = '$value'"
  expect_both 2 "invalid field 'eps' '$value': a rate must be positive" "$work/c1-eps.jsonl"
  edit "$c1" "$work/c1-nu.jsonl" "lines[0]['nu'] = '$value'"
  expect_both 2 "invalid field 'nu' '$value': a rate must be positive" "$work/c1-nu.jsonl"
done

# A Corollary 1 trace is its header line alone: a second line is bad input, an empty one is not.
edit "$c1" "$work/c1-twice.jsonl" 'lines.append(lines[0])'
expect_both 2 "c1-twice.jsonl, line 2: a corollary1-counterexample trace is its header line alone" "$work/c1-twice.jsonl"
{ cat "$c1"; echo; } >"$work/c1-blank.jsonl"
expect 0 "reproduced" trace replay "$work/c1-blank.jsonl"

# The exact check is bounded by what sgverify corollary1 runs. Widths 1024-1-1024 took minutes.
big_widths='
import random
random.seed(1)
widths = [1024, 1, 1024]
matrix = lambda r, c: {"rows": r, "cols": c, "entries": [[str(random.randint(-3, 3)) for _ in range(c)] for _ in range(r)]}
h = lines[0]
h["widths"], h["sg_layer"] = widths, 1
h["X"], h["Y"] = matrix(1024, 1), matrix(1024, 1)
h["W"] = [matrix(1, 1024), matrix(1024, 1)]
h["C"], h["D"], h["c"] = matrix(1, 1), matrix(1, 1024), matrix(1, 1)
h["checksum"] = checksum(h["X"], h["Y"])'
edit "$c1" "$work/c1-wide.jsonl" "$big_widths"
expect_both 2 "ask for an exact check of about 5.4e+09 multiplications, more than the 1e+09" "$work/c1-wide.jsonl"
expect 2 "the exact checks (widths 1024-1-1024, SG after hidden layer 1, S = 1) need about 5.4e+09 multiplications" \
  corollary1 --depth 1 --width 1 --input-dim 1024 --output-dim 1024 --samples 1 --out "$work/wide-run"
[ -e "$work/wide-run" ] && fail "corollary1 wrote output for sizes it rejects"

# The replay keeps to --time-limit between the steps of its check: widths 160-1-160 take about a second.
edit "$c1" "$work/c1-slow.jsonl" "${big_widths//1024/160}"
expect 2 "c1-slow.jsonl: replay stopped after " trace replay "$work/c1-slow.jsonl" --time-limit 0.001
expect 2 "rerun with a larger --time-limit, or 0 for none" trace replay "$work/c1-slow.jsonl" --time-limit 0.001
# And within one step: entries of 10^5 digits at widths 8-8-8 stay far below the work limit, which
# counts operations and not digits, yet the replay took 117 s. A watchdog ends it at the limit.
edit "$c1" "$work/c1-digits.jsonl" '
digits = "1" + "7" * 99990 + "/" + "3" * 99990
matrix = lambda r, c, value: {"rows": r, "cols": c, "entries": [[value] * c for _ in range(r)]}
h = lines[0]
h["widths"], h["sg_layer"] = [8, 8, 8], 1
h["X"], h["Y"] = matrix(8, 1, "1"), matrix(8, 1, "2")
h["W"] = [matrix(8, 8, digits), matrix(8, 8, digits)]
h["C"], h["D"], h["c"] = matrix(8, 8, digits), matrix(8, 8, digits), matrix(8, 1, digits)
h["checksum"] = checksum(h["X"], h["Y"])'
timeout 60 "$sgverify" trace replay "$work/c1-digits.jsonl" --time-limit 2 >"$work/stdout" 2>"$work/stderr"
status=$?
[ "$status" -eq 2 ] || fail "the replay of 10^5-digit entries exited $status (124: over 60 s), expected 2"
[ -s "$work/stdout" ] && fail "the replay stopped by --time-limit printed on standard output"
grep -qF "c1-digits.jsonl: replay stopped after 2" "$work/stderr" || { fail "the stopped replay does not name the limit"; cat "$work/stderr"; }

# A trace that sgverify corollary1 writes is shown and replayed.
"$sgverify" corollary1 --depth 2 --width 3 --samples 3 --steps 50 --schedule literal --out "$work/written" >/dev/null 2>&1 ||
  fail "corollary1 --schedule literal failed"
written=$(ls "$work"/written/counterexample-*.jsonl 2>/dev/null)
[ -n "$written" ] || fail "corollary1 wrote no counterexample trace"
for trace in $written; do
  expect 0 "claim" trace show "$trace"
  expect 0 "reproduced" trace replay "$trace"
done

# Theorem 2. Starts are bounded by what sgverify theorem2 writes (at most 4 entries of one digit):
# 16 entries of 100 000 digits took minutes to replay, and are refused before any step.
t2=$counterexamples/T2-needs-strictness-isometry-l2-dim2.jsonl
expect 0 "reproduced" trace replay "$t2"
edit "$t2" "$work/t2-digits.jsonl" 'lines[0]["construction"]["x0"][0] = "1" + "0" * 99999 + "/7"'
expect_both 2 "header: construction field 'x0' entry 1 '1000" "$work/t2-digits.jsonl"
expect 2 "has more than 20 digits in its numerator or denominator" trace show "$work/t2-digits.jsonl"
edit "$t2" "$work/t2-entries.jsonl" 'lines[0]["construction"]["x0"] = ["1"] * 17'
expect_both 2 "construction field 'x0' must list 1 to 16 numbers as strings" "$work/t2-entries.jsonl"
edit "$t2" "$work/t2-name.jsonl" 'lines[0]["construction"]["name"] = "spiral"'
expect_both 2 "t2-name.jsonl, header, construction: unknown Theorem 2 construction 'spiral'" "$work/t2-name.jsonl"
edit "$t2" "$work/t2-norm-name.jsonl" 'lines[0]["construction"]["norm"] = "l7"'
expect_both 2 "t2-norm-name.jsonl, header, construction: invalid norm 'l7'" "$work/t2-norm-name.jsonl"
# The claim, verdict and level are words that the writer writes, which the file alone shows.
edit "$t2" "$work/t2-verdict.jsonl" 'lines[0]["verdict"] = "banana"'
expect_both 2 "t2-verdict.jsonl, header: invalid field 'verdict' 'banana': use confirmed, refuted or inconclusive" "$work/t2-verdict.jsonl"
edit "$t2" "$work/t2-claim.jsonl" 'lines[0]["claim"] = "T1.xi-recursion"'
expect_both 2 "invalid field 'claim' 'T1.xi-recursion': a trace of the construction" "$work/t2-claim.jsonl"
edit "$c1" "$work/c1-level.jsonl" 'lines[0]["level"] = "proved"'
expect_both 2 "c1-level.jsonl, header: invalid field 'level' 'proved': use exact, certified or numerical" "$work/c1-level.jsonl"
edit "$c1" "$work/c1-claim.jsonl" 'lines[0]["claim"] = "banana"'
expect_both 2 "c1-claim.jsonl, header: invalid field 'claim' 'banana': a corollary1-counterexample trace names" "$work/c1-claim.jsonl"
expect_both 2 "t2-norm-name.jsonl, header, construction: invalid norm 'l7'" "$work/t2-norm-name.jsonl"

# The replay keeps to --time-limit between orbit steps: 16 entries of 20 digits for 5000 steps of
# the l2 rotation take seconds.
edit "$t2" "$work/t2-slow.jsonl" '
lines[0]["construction"]["x0"] = ["%d/%d" % (10**19 + 7 * i, 10**19 + 3) for i in range(16)]
lines[0]["construction"]["steps"] = 5000
lines[1:] = [{"n": n, "norm": 1.0} for n in range(0, 5001, 25)]'
expect 0 "construction isometry under l2" trace show "$work/t2-slow.jsonl"
expect 2 "t2-slow.jsonl: replay stopped after " trace replay "$work/t2-slow.jsonl" --time-limit 0.001

# Records run n = 0, s, 2s, ... to the horizon, each once. Anything else is a damaged file.
edit "$t2" "$work/t2-header-only.jsonl" 'del lines[1:]'
expect_both 2 "t2-header-only.jsonl, line 2: the file ends before record n = 0" "$work/t2-header-only.jsonl"
head -n 100 "$t2" >"$work/t2-cut.jsonl"
expect_both 2 "t2-cut.jsonl, line 101: the file ends before record n = 99; records run n = 0, 1, ... to 200, so it is truncated" \
  "$work/t2-cut.jsonl"
edit "$t2" "$work/t2-duplicate.jsonl" 'lines.insert(5, lines[5])'
expect_both 2 "t2-duplicate.jsonl, line 7: record n = 4 where n = 5 belongs" "$work/t2-duplicate.jsonl"
edit "$t2" "$work/t2-order.jsonl" 'lines[5], lines[6] = lines[6], lines[5]'
expect_both 2 "t2-order.jsonl, line 6: record n = 5 where n = 4 belongs" "$work/t2-order.jsonl"
edit "$t2" "$work/t2-extra.jsonl" 'lines.append({"n": 201, "norm": 1.0})'
expect_both 2 "t2-extra.jsonl, line 203: record n = 201 after the last record n = 200" "$work/t2-extra.jsonl"
edit "$t2" "$work/t2-norm.jsonl" 'lines[3]["norm"] = "2"'
expect_both 2 "t2-norm.jsonl, line 4: field 'norm' must be a number of at least 0" "$work/t2-norm.jsonl"
edit "$counterexamples/T2-hypothesis-at-zero-zero-point-l1-dim2.jsonl" "$work/t2-zero.jsonl" 'lines.append({"n": 0, "norm": 1.0})'
expect_both 2 "t2-zero.jsonl, line 2: a zero-point trace has no records" "$work/t2-zero.jsonl"

# Every trace that sgverify theorem2 writes is shown and replayed.
"$sgverify" theorem2 --instances 1 --out "$work/t2-written" >/dev/null 2>&1 || fail "theorem2 --instances 1 failed"
count=0
for trace in "$work"/t2-written/counterexample-*.jsonl; do
  expect 0 "construction" trace show "$trace"
  expect 0 "reproduced" trace replay "$trace"
  count=$((count + 1))
done
[ "$count" -eq 12 ] || fail "theorem2 wrote $count traces, expected 12"

finish
