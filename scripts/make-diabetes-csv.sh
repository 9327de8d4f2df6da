#!/usr/bin/env bash
# Build diabetes.csv (header row, ten features, integer target last) from the two files that
# scikit-learn ships: diabetes_data_raw.csv.gz (space-separated features) and
# diabetes_target.csv.gz (one target a line, written as 1.510000000000000000e+02).
# Usage: make-diabetes-csv.sh SKLEARN_DATASETS_DATA_DIR OUTPUT_CSV
set -euo pipefail
source_dir=$1
output=$2
features="$source_dir/diabetes_data_raw.csv.gz"
targets="$source_dir/diabetes_target.csv.gz"
for file in "$features" "$targets"; do
  [ -r "$file" ] || { echo "make-diabetes-csv: missing $file" >&2; exit 1; }
done
{
  echo "age,sex,bmi,bp,s1,s2,s3,s4,s5,s6,target"
  # Every target is an integer (25 to 346), so %d prints it exactly.
  paste -d ' ' <(zcat "$features") <(zcat "$targets" | awk '{ printf "%d\n", $1 }') | tr ' ' ','
} > "$output.tmp"
mv "$output.tmp" "$output"
