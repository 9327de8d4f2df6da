#!/usr/bin/env bash
# Regenerate reports/reference/: the verdicts (summary.json) and index.md of the default main job.
# Run it from the top of the checkout after building, and commit the result whenever a verdict
# changes on purpose. The test `reference_verdicts_unchanged` compares every run against it.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./build/sgverify run --out "$work/report" --diabetes data/diabetes.csv >/dev/null
mkdir -p reports/reference
cp "$work/report/summary.json" "$work/report/index.md" reports/reference/
echo "reports/reference/ updated"
