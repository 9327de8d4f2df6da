#!/usr/bin/env bash
# Bad input to the CLI: one message naming the value, exit status 2, and no output folder.
# Usage: cli_bad_input.sh SGVERIFY
set -u
sgverify=$1
sgverify_path=$(realpath "$sgverify")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

expect_rejected() {
  local fragment=$1
  shift
  local out="$work/out-$RANDOM"
  "$sgverify" theorem1 --out "$out" "$@" >"$work/stdout" 2>"$work/stderr"
  local status=$?
  if [ "$status" -ne 2 ]; then
    echo "FAIL: exit status $status, expected 2: theorem1 $*"; failures=$((failures + 1))
  elif ! grep -qF -- "$fragment" "$work/stderr"; then
    echo "FAIL: message lacks '$fragment': theorem1 $*"; cat "$work/stderr"; failures=$((failures + 1))
  elif [ -e "$out" ]; then
    echo "FAIL: output folder written on bad input: theorem1 $*"; failures=$((failures + 1))
  elif [ "$(wc -l <"$work/stderr")" -gt 2 ]; then
    echo "FAIL: more than one message line: theorem1 $*"; cat "$work/stderr"; failures=$((failures + 1))
  fi
}

printf 'a,b,y\n1,2,3\n4,5\n' >"$work/ragged.csv"
printf 'a,b,y\n1,nan,3\n' >"$work/nan.csv"
printf 'a,b,y\n' >"$work/header-only.csv"
printf 'a,b,y\n1,2,3\n' >"$work/unreadable.csv"
chmod 000 "$work/unreadable.csv"
printf 'a,b,y\n1,2,3\n1,1e400,3\n' >"$work/huge.csv"
printf 'a,b,y\n1,2,-2.5E+20\n' >"$work/huge-target.csv"
printf 'a,b,y\n1,2,3\n4,5,1e-20\n' >"$work/tiny-target.csv"
printf 'a,b,y\n1,-3e-6,3\n4,5,6\n' >"$work/tiny-feature.csv"
printf 'x,b,x,y\n1,2,3,4\n' >"$work/duplicate-names.csv"
mkfifo "$work/pipe.csv"
printf 'a,b,y\n1,2\0009,3\n' >"$work/nul.csv"
printf 'a,b,y\n1,\033[31mred,3\n' >"$work/escape.csv"
printf 'a,\033[2Jb,y\n1,inf,3\n' >"$work/escape-name.csv"
printf 'a\377,b,y\n1,2,3\n' >"$work/invalid-utf8.csv"

expect_rejected "invalid arithmetic 'quad'" --arith quad
# theorem1 states its own limit of 300000 bits, the one it applies.
expect_rejected "invalid arithmetic 'mpfr:3': BITS must be an integer from 24 to 300000, for example mpfr:256" --arith mpfr:3
expect_rejected "invalid arithmetic 'interval:1': BITS must be an integer from 24 to 300000, for example interval:256" --arith interval:1
expect_rejected "invalid arithmetic 'interval:1x': BITS must be" --arith interval:1x
expect_rejected "invalid --mu 'fixed:-1'" --mu fixed:-1
expect_rejected "bound-derived:2" --mu bound-derived:2
expect_rejected "invalid --nu 'fast'" --nu fast
expect_rejected "invalid --start 'middle'" --start middle
expect_rejected "invalid family 'circle'" --family circle
expect_rejected "invalid --samples '0': use a whole number from 1 to 1000000" --samples 0
expect_rejected "invalid --dim '-1': use a whole number from 1 to 1000" --dim -1
expect_rejected "invalid --steps '-5': use a whole number from 0 to 1000000000" --steps -5
expect_rejected "--noise" --noise abc
expect_rejected "2 fields where the header has 3" --data "$work/ragged.csv"
expect_rejected "'nan' is not finite" --data "$work/nan.csv"
expect_rejected "no samples" --data "$work/header-only.csv"
expect_rejected "no such file; check the path" --data "$work/missing.csv"
expect_rejected "not a regular file but a folder; pass a CSV file" --data "$work"
expect_rejected "/dev/zero: not a regular file but a character device" --data /dev/zero
expect_rejected "pipe.csv: not a regular file but a FIFO" --data "$work/pipe.csv"
expect_rejected "huge.csv, line 3, column 2 ('b'): value '1e400' is out of range" --data "$work/huge.csv"
expect_rejected "line 2, column 3 ('y'): value '-2.5E+20' is out of range" --data "$work/huge-target.csv"
expect_rejected "rescale the target column" --data "$work/huge-target.csv"
expect_rejected "(--standardize rescales only the features)" --data "$work/huge-target.csv" --standardize
expect_rejected "tiny-target.csv, line 3, column 3 ('y'): value '1e-20' rounds to 0" --data "$work/tiny-target.csv"
expect_rejected "rescale the target column in the file" --data "$work/tiny-target.csv" --standardize
expect_rejected "tiny-feature.csv, line 2, column 2 ('b'): value '-3e-6' rounds to 0" --data "$work/tiny-feature.csv"
expect_rejected "rescale the column in the file, pass --standardize, or write 0" --data "$work/tiny-feature.csv"
# Control characters in a value or a column name are shown as \xNN: a NUL does not cut the
# message, and an escape code does not reach the terminal.
expect_rejected "nul.csv, line 2, column 2 ('b'): invalid value '2\\x009'" --data "$work/nul.csv"
expect_rejected "invalid value '\\x1b[31mred'" --data "$work/escape.csv"
expect_rejected "escape-name.csv, line 1, column 2: the column name '\\x1b[2Jb' contains a control character; rename the column" \
  --data "$work/escape-name.csv"
expect_rejected "' is not valid UTF-8; rename the column" --data "$work/invalid-utf8.csv"
grep -q "$(printf '\033')" "$work/stderr" && { echo "FAIL: an escape code reached standard error"; failures=$((failures + 1)); }
expect_rejected "duplicate-names.csv, line 1: the column name 'x' appears in columns 1 and 3" --data "$work/duplicate-names.csv"
expect_rejected "learning rate must lie in" --mu fixed:1e400
expect_rejected "invalid --steps '12abc'" --steps 12abc
expect_rejected "invalid --seed '-1': use a whole number from 0 to 18446744073709551615" --seed -1
expect_rejected "invalid --seed '99999999999999999999'" --seed 99999999999999999999
if [ "$(id -u)" -ne 0 ]; then  # root reads files whatever their mode
  expect_rejected "unreadable" --data "$work/unreadable.csv"
fi

# Every integer flag of every command reads its text strictly. A value one beyond its range, a value
# beyond 64 bits, and exponent or hex notation each get one message naming the flag, the value and
# the range, and exit status 2. CLI11 alone would clamp a value beyond 64 bits, run with a hex
# value, and give only "Could not convert" for exponent notation. The table lists each command's
# integer flags, and the test fails when --help shows an integer flag that is missing here or
# has no range.
integer_flags="$work/integer-flags"
cat >"$integer_flags" <<'TABLE'
theorem1 --dim 1 1000 1001
theorem1 --samples 1 1000000 1000001
theorem1 --steps 0 1000000000 -1
theorem1 --seed 0 18446744073709551615 18446744073709551616
corollary1 --depth 1 1000 1001
corollary1 --width 1 4096 4097
corollary1 --input-dim 0 4096 -1
corollary1 --output-dim 1 4096 0
corollary1 --sg-layer 0 1000 1001
corollary1 --samples 1 10000000 10000001
corollary1 --steps 0 1000000000 1000000001
corollary1 --seed 0 18446744073709551615 -1
run --seed 0 18446744073709551615 18446744073709551616
audit --instances 1 10000000 10000001
audit --seed 0 18446744073709551615 -1
theorem2 --instances 1 1000000 0
theorem2 --seed 0 18446744073709551615 -1
critic --instances 1 100000 100001
critic --samples 2 1000 1
critic --dim 1 100 101
critic --width 1 100 0
critic --seed 0 18446744073709551615 -1
critical-points --starts 1 100000 0
critical-points --steps 1 10000 10001
critical-points --seed 0 18446744073709551615 -1
table2 --datasets 0 1000 1001
table2 --threads 1 256 257
table2 --width 1 1000 1001
table2 --max-steps 0 100000000 -1
table2 --seed 0 18446744073709551615 -1
TABLE
expect_flag_rejected() {
  local fragment=$1 command=$2
  shift 2
  local out_arguments=(--out "$work/flag-out")
  for argument in "$@"; do [ "$argument" = --out ] && out_arguments=(); done
  rm -rf "$work/flag-out"
  # A value that slips through would start a long run (table2 or run), so each call has a time limit.
  # It runs in $work, where an --out "" that slips through would write.
  (cd "$work" && timeout 20 "$sgverify_path" "$command" "$@" "${out_arguments[@]}" >/dev/null 2>"$work/stderr")
  local status=$?
  if [ "$status" -ne 2 ]; then
    echo "FAIL: exit status $status, expected 2: $command $*"; failures=$((failures + 1))
  elif ! grep -qF -- "$fragment" "$work/stderr"; then
    echo "FAIL: message lacks \"$fragment\": $command $*"; cat "$work/stderr"; failures=$((failures + 1))
  elif [ "$(wc -l <"$work/stderr")" -ne 1 ]; then
    echo "FAIL: not one message line: $command $*"; cat "$work/stderr"; failures=$((failures + 1))
  elif [ -e "$work/flag-out" ]; then
    echo "FAIL: output folder written on bad input: $command $*"; failures=$((failures + 1))
  fi
}
while read -r command flag min max beyond; do
  for value in "$beyond" 99999999999999999999 1e3 0x10; do
    expect_flag_rejected "invalid $flag '$value': use a whole number from $min to $max" "$command" "$flag" "$value"
  done
done <"$integer_flags"
for command in theorem1 corollary1 run audit theorem2 critic critical-points table2; do
  "$sgverify" "$command" --help >"$work/help"
  # An integer option's line reads "--dim INT:1..1000=2", with the range after the type.
  for flag in $(grep -oE -- '--[a-z0-9-]+ U?INT' "$work/help" | cut -d' ' -f1); do
    grep -qE -- "^ *$flag U?INT:[0-9]+\.\.[0-9^-]+=" "$work/help" ||
      { echo "FAIL: $command --help shows no range and default for $flag"; failures=$((failures + 1)); }
    grep -q "^$command $flag " "$integer_flags" || { echo "FAIL: $command $flag is missing from the integer flag table"; failures=$((failures + 1)); }
  done
done
# sgverify run names a --diabetes that is not a regular file as theorem1 names a --data file.
expect_flag_rejected "/dev/zero: not a regular file but a character device" run --diabetes /dev/zero
expect_flag_rejected "not a regular file but a folder" run --diabetes "$work"
expect_flag_rejected "diabetes data not found at $work/missing.csv: run ./setup.sh" run --diabetes "$work/missing.csv"
# An empty path, or an --out that a file blocks, is rejected before the command computes anything.
for command in theorem1 corollary1 run audit theorem2 critic critical-points table2; do
  expect_flag_rejected "invalid --out '': give a folder, or omit --out to write to " "$command" --out ""
done
printf 'text\n' >"$work/file.txt"
expect_flag_rejected "$work/file.txt is a file, not a folder; give a folder, or omit --out to write to sgverify-out/theorem1" theorem1 --out "$work/file.txt"
expect_flag_rejected "$work/file.txt is a file, not a folder; give a folder, or omit --out to write to sgverify-out/critic" critic --out "$work/file.txt/sub"
expect_flag_rejected "invalid --data '': give a CSV file, or omit --data" theorem1 --data ""
expect_flag_rejected "invalid --diabetes '': give a CSV file, or omit --diabetes" run --diabetes ""
# Ranges that depend on another flag name it, in the same form.
expect_flag_rejected "invalid --sg-layer '4': use a whole number from 0 to 3, the --depth" corollary1 --depth 3 --sg-layer 4
expect_flag_rejected "invalid --instances '1000001': use a whole number from 1 to 1000000 with --proof corollary1" audit --proof corollary1 --instances 1000001
expect_flag_rejected "invalid --instances '1000001': use a whole number from 1 to 1000000 with --proof proposition2" audit --proof proposition2 --instances 1000001
# A rate beyond the doubles that the plots use, and a path that JSON cannot hold, are bad input.
expect_flag_rejected "invalid --mu '1e400': use a positive rate up to 1e6, such as 1/64" critical-points --mu 1e400
expect_flag_rejected "': the path is not valid UTF-8; choose another folder" theorem1 --out "$work/$(printf 'u\377')"
expect_flag_rejected "': the path contains a control character; rename the file" theorem1 --data "$(printf 'a\033b.csv')"
# An unknown command is named, with the known ones.
"$sgverify" bogus >"$work/stdout" 2>"$work/stderr"
status=$?
[ "$status" -eq 2 ] || { echo "FAIL: sgverify bogus exited $status, expected 2"; failures=$((failures + 1)); }
grep -qF "sgverify: unknown command 'bogus': use one of theorem1, corollary1, run," "$work/stderr" ||
  { echo "FAIL: unexpected message for sgverify bogus"; cat "$work/stderr"; failures=$((failures + 1)); }
# Arguments that a command does not take are named in the order typed, with that command's help.
"$sgverify" trace show "$work/file.txt" --time-limit 5 >"$work/stdout" 2>"$work/stderr"
status=$?
[ "$status" -eq 2 ] || { echo "FAIL: trace show --time-limit 5 exited $status, expected 2"; failures=$((failures + 1)); }
grep -qxF "sgverify: unexpected arguments '--time-limit 5': sgverify trace show takes no such option or value; see sgverify trace show --help" \
  "$work/stderr" || { echo "FAIL: unexpected message for trace show --time-limit 5"; cat "$work/stderr"; failures=$((failures + 1)); }
# Leading zeros are decimal: CLI11 alone reads 010 as octal 8.
"$sgverify" theorem1 --dim 010 --seed 010 --steps 1 --json --out "$work/decimal" >"$work/decimal.json" 2>/dev/null
grep -q '"d": 10,' "$work/decimal.json" && grep -q '"seed": 10,' "$work/decimal.json" ||
  { echo "FAIL: --dim 010 --seed 010 did not run with d = 10 and seed 10"; failures=$((failures + 1)); }

# A valid run exits 0 and writes every output.
"$sgverify" theorem1 --steps 10 --out "$work/good" >/dev/null 2>&1 || { echo "FAIL: valid run failed"; failures=$((failures + 1)); }
for file in report.md summary.json trace.jsonl trajectory.csv convergence.svg; do
  [ -s "$work/good/$file" ] || { echo "FAIL: valid run did not write $file"; failures=$((failures + 1)); }
done
if ls "$work/good" | grep -q '\.tmp'; then echo "FAIL: temporary file left behind"; failures=$((failures + 1)); fi

# A failing plot (gnuplot missing) leaves no output folder behind, and a plot with nothing to
# draw on a log axis (widths below 1e-300) still succeeds.
PATH=/nonexistent "$sgverify" theorem1 --steps 10 --out "$work/no-gnuplot" >/dev/null 2>"$work/stderr"
status=$?
[ "$status" -eq 1 ] || { echo "FAIL: run without gnuplot exited $status, expected 1"; failures=$((failures + 1)); }
# The message names the output as the user gave it, not the staging folder beside it.
grep -qF "gnuplot failed to draw $work/no-gnuplot/convergence.svg: gnuplot was not found" "$work/stderr" ||
  { echo "FAIL: the gnuplot message does not name $work/no-gnuplot/convergence.svg"; cat "$work/stderr"; failures=$((failures + 1)); }
[ -e "$work/no-gnuplot" ] && { echo "FAIL: run without gnuplot left an output folder"; failures=$((failures + 1)); }
ls "$work" | grep -q partial && { echo "FAIL: a staging folder was left behind"; failures=$((failures + 1)); }
"$sgverify" theorem1 --arith interval:1100 --steps 5 --out "$work/narrow" >/dev/null 2>&1 ||
  { echo "FAIL: interval run with sub-1e-300 widths failed"; failures=$((failures + 1)); }

# The printed replay command of a refuted claim works, gives the same bytes twice, and a
# tampered or truncated trace does not replay.
"$sgverify" theorem1 --noise 0 --mu fixed:1/200 --steps 3000 --out "$work/realizable" >"$work/stdout" 2>/dev/null
replay=$(sed -n 's/^  replay: //p' "$work/stdout")
if [ -z "$replay" ]; then
  echo "FAIL: realizable run printed no replay command"; failures=$((failures + 1))
else
  # The printed command names the binary as it was invoked, so a shell runs it as printed.
  sh -c "$replay" >"$work/replay1" 2>&1 || { echo "FAIL: replay exited $?"; failures=$((failures + 1)); }
  sh -c "$replay" >"$work/replay2" 2>&1
  cmp -s "$work/replay1" "$work/replay2" || { echo "FAIL: two replays differ"; failures=$((failures + 1)); }
  trace=${replay##* }
  sed '1s/"omega0":\["\([^"]*\)"/"omega0":["0"/' "$trace" >"$work/tampered.jsonl"
  "$sgverify" trace replay "$work/tampered.jsonl" >/dev/null 2>&1
  [ $? -eq 1 ] || { echo "FAIL: tampered counterexample did not exit 1"; failures=$((failures + 1)); }
  head -c 300 "$trace" >"$work/truncated.jsonl"
  "$sgverify" trace replay "$work/truncated.jsonl" >/dev/null 2>"$work/stderr"
  [ $? -eq 2 ] || { echo "FAIL: truncated trace did not exit 2"; failures=$((failures + 1)); }
fi
"$sgverify" trace replay "$work/realizable/trace.jsonl" >/dev/null 2>&1 || { echo "FAIL: trajectory replay failed"; failures=$((failures + 1)); }

# Other commands: one message line, exit status 2, even where the command prints its seed first.
for args in "theorem2 --instances 0" "corollary1 --sg-layer 4294967297"; do
  read -r -a words <<<"$args"
  "$sgverify" "${words[@]}" --out "$work/other" >/dev/null 2>"$work/stderr"
  status=$?
  if [ "$status" -ne 2 ] || [ "$(wc -l <"$work/stderr")" -ne 1 ] || ! grep -q "invalid" "$work/stderr"; then
    echo "FAIL: expected one 'invalid' message and exit 2: $args (exit $status)"; cat "$work/stderr"; failures=$((failures + 1))
  fi
done

# A trace field of the wrong JSON type gets one message and exit status 2, with nothing on
# standard output, from both trace show and trace replay.
expect_trace_rejected() {
  local fragment=$1 action=$2 file=$3
  "$sgverify" trace "$action" "$file" >"$work/stdout" 2>"$work/stderr"
  local status=$?
  if [ "$status" -ne 2 ]; then
    echo "FAIL: exit status $status, expected 2: trace $action $(basename "$file")"; failures=$((failures + 1))
  elif ! grep -qF -- "$fragment" "$work/stderr"; then
    echo "FAIL: message lacks '$fragment': trace $action $(basename "$file")"; cat "$work/stderr"; failures=$((failures + 1))
  elif [ -s "$work/stdout" ] || [ "$(wc -l <"$work/stderr")" -ne 1 ]; then
    echo "FAIL: output beyond one message: trace $action $(basename "$file")"; failures=$((failures + 1))
  fi
}
counterexamples=$(dirname "$0")/counterexamples
printf '{"kind":5}\n' >"$work/kind-number.jsonl"
sed '1s/"claim":"T1.global-attraction"/"claim":5/' "$counterexamples/T1-global-attraction.jsonl" >"$work/claim-number.jsonl"
sed '1s/"format":"sgverify-trace"/"format":7/' "$counterexamples/T2-needs-strictness-isometry-l2-dim2.jsonl" >"$work/t2-format-number.jsonl"
sed '3s/"norm":[0-9.e+-]*/"norm":"large"/' "$counterexamples/T2-needs-strictness-isometry-l2-dim2.jsonl" >"$work/t2-norm-string.jsonl"
sed '1s/"level":"exact"/"level":[]/' "$counterexamples/C1-gate-iff-literal.jsonl" >"$work/c1-level-list.jsonl"
expect_trace_rejected "missing field 'format'" show "$work/kind-number.jsonl"
expect_trace_rejected "field 'claim' must be a string" show "$work/claim-number.jsonl"
expect_trace_rejected "field 'claim' must be a string" replay "$work/claim-number.jsonl"
expect_trace_rejected "field 'format' must be a string" show "$work/t2-format-number.jsonl"
expect_trace_rejected "line 3: field 'norm' must be a number" show "$work/t2-norm-string.jsonl"
expect_trace_rejected "field 'level' must be a string" replay "$work/c1-level-list.jsonl"
# Fields that every counterexample trace has, and values out of range, are checked before replay.
sed '1s/,"verdict":"refuted"//' "$counterexamples/T1-global-attraction.jsonl" >"$work/no-verdict.jsonl"
sed '1s/"format":"sgverify-trace",//' "$counterexamples/C1-gate-iff-literal.jsonl" >"$work/c1-no-format.jsonl"
sed '1s/"sg_layer":[0-9]*/"sg_layer":4294967297/' "$counterexamples/C1-gate-iff-literal.jsonl" >"$work/c1-wrapping-layer.jsonl"
sed '1s/"eps":"[^"]*"/"eps":5/' "$counterexamples/C1-gate-iff-literal.jsonl" >"$work/c1-eps-number.jsonl"
sed -E '1s/"x0":\[[^]]*\]/"x0":["0","0"]/' "$counterexamples/T2-needs-strictness-isometry-l2-dim2.jsonl" >"$work/t2-zero-start.jsonl"
expect_trace_rejected "missing field 'verdict'" replay "$work/no-verdict.jsonl"
expect_trace_rejected "missing field 'format'" replay "$work/c1-no-format.jsonl"
expect_trace_rejected "invalid field 'sg_layer' 4294967297" replay "$work/c1-wrapping-layer.jsonl"
expect_trace_rejected "field 'eps' must be a string" show "$work/c1-eps-number.jsonl"
expect_trace_rejected "the start x0 is 0" replay "$work/t2-zero-start.jsonl"
if [ -s "$work/good/trace.jsonl" ]; then
  sed '2s/"loss":[0-9.e+-]*/"loss":"high"/' "$work/good/trace.jsonl" >"$work/loss-string.jsonl"
  expect_trace_rejected "record 1: field 'loss' must be a number" show "$work/loss-string.jsonl"
  head -n 5 "$work/good/trace.jsonl" >"$work/cut-at-line.jsonl"
  expect_trace_rejected "the file is truncated" replay "$work/cut-at-line.jsonl"
fi

# critical-points draws Figure 6 as a complete SVG file, and every claim of appendices A and B is exact.
"$sgverify" critical-points --starts 3 --steps 300 --out "$work/figure" >/dev/null 2>&1 ||
  { echo "FAIL: critical-points failed"; failures=$((failures + 1)); }
svg="$work/figure/figure6.svg"
if [ ! -s "$svg" ] || ! head -c 5 "$svg" | grep -q '<?xml' || ! grep -q '<svg' "$svg" || ! tail -c 100 "$svg" | grep -q '</svg>' ||
  ! grep -q 'Figure 6' "$svg"; then
  echo "FAIL: figure6.svg is missing or not a complete SVG file"; failures=$((failures + 1))
fi
if command -v xmllint >/dev/null && ! xmllint --noout "$svg" 2>/dev/null; then
  echo "FAIL: figure6.svg is not well-formed XML"; failures=$((failures + 1))
fi
"$sgverify" critic --instances 2 --out "$work/critic" >/dev/null 2>&1 || { echo "FAIL: critic failed"; failures=$((failures + 1)); }
for summary in "$work/figure/summary.json" "$work/critic/summary.json"; do
  if grep -q '"level": "certified"\|"level": "numerical"' "$summary" || grep -q '"verdict": "refuted"\|"verdict": "inconclusive"' "$summary"; then
    echo "FAIL: $summary has a claim that is not confirmed at the exact level"; failures=$((failures + 1))
  fi
done

echo "$((failures == 0 ? 1 : 0)) passed, $failures failed"
[ "$failures" -eq 0 ]
