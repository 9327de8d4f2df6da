#!/usr/bin/env bash
# Runs the main job and compares each claim's verdict and level with reports/reference/summary.json.
# A difference fails, so a verdict cannot change without scripts/update-reference-report.sh.
# Checks that index.md and index.html show every plot of the report. Then runs every replay
# command the job printed, twice: each must exit 0 with identical output.
# Usage: reference_verdicts.sh SGVERIFY SOURCE_DIR
set -u
sgverify=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$sgverify" run --out "$work/report" --diabetes "$source_dir/data/diabetes.csv" >"$work/stdout" 2>"$work/stderr" ||
  { echo "FAIL: sgverify run failed"; cat "$work/stderr"; exit 1; }
# One line per claim: id, verdict and level, from the pretty-printed JSON.
verdicts() { grep -E '^      "(id|verdict|level)"' "$1" | sed 's/^ *//' | paste -d ' ' - - - | sort; }
if ! diff <(verdicts "$source_dir/reports/reference/summary.json") <(verdicts "$work/report/summary.json"); then
  echo "FAIL: verdicts differ from reports/reference/summary.json (left: reference, right: this run)."
  echo "If the change is intended, run scripts/update-reference-report.sh and commit reports/reference/."
  exit 1
fi
# index.md links every plot of the report, and index.html embeds each of them.
plots=0
while IFS= read -r svg; do
  plots=$((plots + 1))
  grep -qF "](${svg#"$work/report/"})" "$work/report/index.md" || { echo "FAIL: index.md does not show ${svg#"$work/report/"}"; exit 1; }
done < <(find "$work/report" -name '*.svg' | sort)
embedded=$(grep -o 'src="data:image/svg+xml;base64,' "$work/report/index.html" | wc -l)
if [ "$plots" -eq 0 ] || [ "$embedded" -ne "$plots" ]; then
  echo "FAIL: the report has $plots plots, index.html embeds $embedded"
  exit 1
fi
failures=0
replays=0
while IFS= read -r command; do
  replays=$((replays + 1))
  # The printed command is run as a user would paste it, through a shell.
  sh -c "$command" >"$work/replay1" 2>&1 || { echo "FAIL: exit status $?: $command"; cat "$work/replay1"; failures=$((failures + 1)); continue; }
  sh -c "$command" >"$work/replay2" 2>&1
  cmp -s "$work/replay1" "$work/replay2" || { echo "FAIL: two runs differ: $command"; failures=$((failures + 1)); }
done < <(sed -n 's/^  replay: //p' "$work/stdout")
if [ "$replays" -eq 0 ]; then
  echo "FAIL: the main job printed no replay command"
  exit 1
fi
echo "$replays printed replay commands ran twice, $failures failed"
[ "$failures" -eq 0 ] || exit 1
echo "1 passed, 0 failed"
