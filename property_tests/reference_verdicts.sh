#!/usr/bin/env bash
# Runs the main job and compares each claim's verdict and level with reports/reference/summary.json.
# A difference fails, so a verdict cannot change without scripts/update-reference-report.sh.
# Usage: reference_verdicts.sh SGVERIFY SOURCE_DIR
set -u
sgverify=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$sgverify" run --out "$work/report" --diabetes "$source_dir/data/diabetes.csv" >/dev/null 2>"$work/stderr" ||
  { echo "FAIL: sgverify run failed"; cat "$work/stderr"; exit 1; }
# One line per claim: id, verdict and level, from the pretty-printed JSON.
verdicts() { grep -E '^      "(id|verdict|level)"' "$1" | sed 's/^ *//' | paste -d ' ' - - - | sort; }
if ! diff <(verdicts "$source_dir/reports/reference/summary.json") <(verdicts "$work/report/summary.json"); then
  echo "FAIL: verdicts differ from reports/reference/summary.json (left: reference, right: this run)."
  echo "If the change is intended, run scripts/update-reference-report.sh and commit reports/reference/."
  exit 1
fi
echo "1 passed, 0 failed"
