#!/usr/bin/env bash
# sgverify run builds its report under a staging name beside the report folder and replaces the
# folder only at the end. A successful run names the final folder in every printed command, link
# and summary path. A run that fails part-way, is rejected or is killed leaves the previous report
# untouched (same files, same inodes, same bytes), and only a killed run leaves a staging folder.
# A previous report that a killed run left moved aside is renamed back by the next run.
# Usage: run_report_staging.sh SGVERIFY SOURCE_DIR
sgverify=$1
source_dir=$2
# shellcheck source=shell_test_lib.sh
source "$(dirname "$0")/shell_test_lib.sh"
diabetes=$source_dir/data/diabetes.csv
reports=$work/reports
report=$reports/latest

# Staging folders of killed runs. PID 2147483646 is above 2^22, the largest pid_max of Linux
# (proc(5)), so no process has it and the next run removes its folders. This shell runs, so its
# folder stays, and so does the folder of another destination.
mkdir -p "$reports/.latest.partial-2147483646/regression-realizable" "$reports/.latest.partial-$$" \
  "$reports/.other.partial-2147483646"

"$sgverify" run --out "$report" --diabetes "$diabetes" >"$work/stdout" 2>"$work/stderr" ||
  { echo "FAIL: sgverify run failed"; cat "$work/stderr"; exit 1; }
[ -s "$report/index.md" ] && [ -s "$report/index.html" ] && [ -s "$report/summary.json" ] ||
  fail "the report lacks index.md, index.html or summary.json"
[ -e "$reports/.latest.partial-2147483646" ] && fail "the stale staging folder .latest.partial-2147483646 was not removed"
for other in ".latest.partial-$$" .other.partial-2147483646; do
  [ -e "$reports/$other" ] || fail "the staging folder $other of a running process or another report was removed"
done
rm -rf "$reports/.latest.partial-$$" "$reports/.other.partial-2147483646"
[ "$(ls -A "$reports")" = latest ] || fail "folders beside the report after a successful run: $(ls -A "$reports" | tr '\n' ' ')"

# No text of the report, and nothing printed, names the staging folder.
if grep -rlE '\.partial-[0-9]|\.previous-[0-9]' "$report" "$work/stdout"; then fail "the files above name a staging folder"; fi

# Every printed replay command names a trace inside the final folder and replays it.
replays=0
while IFS= read -r command; do
  replays=$((replays + 1))
  trace=${command##* }
  case $trace in
    "$report"/*) ;;
    *) fail "replay command names a trace outside $report: $command" ;;
  esac
  sh -c "$command" >"$work/replay" 2>&1 || { fail "exit status $?: $command"; cat "$work/replay"; }
done < <(sed -n 's/^  replay: //p' "$work/stdout")
[ "$replays" -gt 0 ] || fail "the run printed no replay command"
grep -qF "report: $report/index.md (" "$work/stdout" ||
  fail "the printed report path is not $report/index.md"

# Every counterexample path in a summary.json is a file inside the final folder.
while IFS= read -r path; do
  case $path in
    "$report"/*) [ -f "$path" ] || fail "summary names a missing counterexample: $path" ;;
    *) fail "summary names a counterexample outside $report: $path" ;;
  esac
done < <(find "$report" -name summary.json -exec sed -n 's/^ *"counterexample": "\(.*\)",\{0,1\}$/\1/p' {} +)

# Every relative link of index.md and of each part's report.md leads to a file.
links=0
while IFS= read -r page; do
  while IFS= read -r target; do
    links=$((links + 1))
    [ -e "$(dirname "$page")/$target" ] || fail "broken link in ${page#"$report/"}: $target"
  done < <(grep -oE '\]\([^)]+\)' "$page" | sed 's/^](\(.*\))$/\1/' | grep -v '^[a-z]*://')
done < <(find "$report" -name index.md -o -name report.md)
[ "$links" -gt 0 ] || fail "the report has no links"

# A listing that changes when any file of the report is replaced, moved or rewritten, and a copy.
listing() { find "$report" -printf '%P %y %i %s %T@\n' | sort; }
keep_previous() {
  listing >"$work/listing"
  rm -rf "$work/copy"
  cp -a "$report" "$work/copy"
}
expect_untouched() {
  listing | cmp -s - "$work/listing" || fail "$1: files of the previous report were replaced"
  diff -r "$work/copy" "$report" >/dev/null || fail "$1: the previous report's bytes changed"
  [ "$(ls -A "$reports")" = latest ] || fail "$1: folders beside the report: $(ls -A "$reports" | tr '\n' ' ')"
}

# Stand-ins for gnuplot that act when asked to draw the second part of the run, after the first
# part is complete: one fails, the other makes the data file of a later part malformed first.
real_gnuplot=$(command -v gnuplot) || { echo "FAIL: gnuplot not found"; exit 1; }
mkdir "$work/failing" "$work/corrupting"
# gnuplot's argument is the script, whose name is the plot's path with a suffix.
printf '#!/bin/sh\ncase "$1" in *regression-realizable-fixed-mu*) exit 1;; esac\nexec %s "$@"\n' "$real_gnuplot" >"$work/failing/gnuplot"
printf '#!/bin/sh\ncase "$1" in *regression-realizable-fixed-mu*) printf "a,b,y\\n1,2,3\\n4,5\\n" >%s;; esac\nexec %s "$@"\n' \
  "$work/changing.csv" "$real_gnuplot" >"$work/corrupting/gnuplot"
chmod +x "$work/failing/gnuplot" "$work/corrupting/gnuplot"

# A run whose second part fails exits 1. The previous report starts where a run killed between
# the two renames of a commit without renameat2 leaves it, and the failed run restores it first.
keep_previous
mv "$report" "$reports/.latest.previous-2147483646"
PATH="$work/failing:$PATH" "$sgverify" run --out "$report" --diabetes "$diabetes" >/dev/null 2>"$work/stderr"
status=$?
[ "$status" -eq 1 ] || { fail "a run whose plot fails exited $status, expected 1"; cat "$work/stderr"; }
grep -q 'gnuplot failed to draw .*regression-realizable-fixed-mu' "$work/stderr" || fail "the failed run did not fail in its second part"
grep -qF "restored the previous report $reports/.latest.previous-2147483646 to $report" "$work/stderr" ||
  fail "the failed run did not report restoring the previous report"
expect_untouched "failed plot"

# A run whose diabetes part finds the data file malformed exits 2.
keep_previous
cp "$diabetes" "$work/changing.csv"
PATH="$work/corrupting:$PATH" "$sgverify" run --out "$report" --diabetes "$work/changing.csv" >/dev/null 2>"$work/stderr"
status=$?
[ "$status" -eq 2 ] || { fail "a run whose data file turns malformed exited $status, expected 2"; cat "$work/stderr"; }
grep -q '2 fields where the header has 3' "$work/stderr" || { fail "the run did not fail on the malformed data file"; cat "$work/stderr"; }
expect_untouched "data file turned malformed"

# Bad input found before any part runs exits 2.
keep_previous
printf 'a,b,y\n1,2,3\n4,5\n' >"$work/ragged.csv"
"$sgverify" run --out "$report" --diabetes "$work/ragged.csv" >/dev/null 2>"$work/stderr"
status=$?
[ "$status" -eq 2 ] || fail "a run on a malformed CSV exited $status, expected 2"
expect_untouched "malformed CSV"

# A folder that contains no run report, or a file, is not replaced.
mkdir "$work/notes"
echo "keep me" >"$work/notes/notes.txt"
"$sgverify" run --out "$work/notes" --diabetes "$diabetes" >/dev/null 2>"$work/stderr"
status=$?
[ "$status" -eq 2 ] || fail "a run into a folder of other files exited $status, expected 2"
grep -q 'no report of sgverify run' "$work/stderr" || { fail "unexpected message for a folder of other files"; cat "$work/stderr"; }
[ "$(ls -A "$work/notes")" = notes.txt ] || fail "the folder of other files changed: $(ls -A "$work/notes" | tr '\n' ' ')"
"$sgverify" run --out "$work/notes/notes.txt" --diabetes "$diabetes" >/dev/null 2>"$work/stderr"
status=$?
[ "$status" -eq 2 ] || fail "a run into a file exited $status, expected 2"
grep -qx 'keep me' "$work/notes/notes.txt" || fail "the file named by --out changed"

# A killed run leaves the previous report and one staging folder of its own PID.
keep_previous
"$sgverify" run --out "$report" --diabetes "$diabetes" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 600); do
  [ -e "$reports/.latest.partial-$pid/regression-realizable/report.md" ] && break
  sleep 0.1
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
[ -e "$reports/.latest.partial-$pid/regression-realizable/report.md" ] || fail "the run did not build its first part in .latest.partial-$pid"
[ "$(ls -A "$reports" | sort | tr '\n' ' ')" = ".latest.partial-$pid latest " ] ||
  fail "folders beside the report after a killed run: $(ls -A "$reports" | tr '\n' ' ')"
rm -rf "$reports/.latest.partial-$pid"
expect_untouched "killed run"

# An --out through a folder that does not exist reaches the folder without it, and every printed
# path names that folder, so the replay commands work when pasted anywhere.
"$sgverify" run --out "$work/missing/../via-missing/." --diabetes "$diabetes" >"$work/stdout" 2>"$work/stderr" ||
  { fail "a run with --out through a missing folder failed"; cat "$work/stderr"; }
[ -s "$work/via-missing/index.html" ] || fail "the run with --out through a missing folder wrote no $work/via-missing/index.html"
grep -qF "missing/.." "$work/stdout" && fail "the printed paths pass through the missing folder"
replays=0
while IFS= read -r command; do
  replays=$((replays + 1))
  (cd / && sh -c "$command") >"$work/replay" 2>&1 || { fail "exit status $?: $command"; cat "$work/replay"; }
done < <(sed -n 's/^  replay: //p' "$work/stdout")
[ "$replays" -gt 0 ] || fail "the run with --out through a missing folder printed no replay command"

finish
