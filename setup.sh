#!/usr/bin/env bash
# Install what sgverify needs on Debian 12 and build data/diabetes.csv.
# Idempotent: packages already present are not reinstalled, and the data file is rebuilt only when missing.
# Run as root (or with sudo available).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

# clang 14 with its libFuzzer runtime and llvm-symbolizer for the sanitizer build (.ci/sanitize.sh).
# Boost 1.81 rather than Debian's default 1.74: 1.81 contains the upstream fixes for Eigen's
# NumTraits of multiprecision types and for rationals inside Eigen matrices.
packages=(
  build-essential cmake ninja-build pkg-config
  libeigen3-dev libboost1.81-dev libgmp-dev libmpfr-dev libmpfi-dev
  librapidcheck-dev catch2 nlohmann-json3-dev libcli11-dev libfmt-dev libbenchmark-dev
  gnuplot-nox
  clang-14 libclang-rt-14-dev llvm-14
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The diabetes data set (Efron et al., "Least Angle Regression", 2004) as scikit-learn ships it.
# The project commits no copy: it is extracted from Debian's python3-sklearn package without
# installing it (and without Python).
if [ ! -s "$here/data/diabetes.csv" ]; then
  echo "setup: building data/diabetes.csv from Debian's python3-sklearn"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download python3-sklearn >/dev/null 2>&1) || {
    "${sudo_cmd[@]}" apt-get update -qq
    (cd "$work" && apt-get download python3-sklearn >/dev/null)
  }
  dpkg-deb -x "$work"/python3-sklearn_*.deb "$work/root"
  datasets=$(find "$work/root" -type d -path '*sklearn/datasets/data' | head -n 1)
  if [ -z "$datasets" ]; then
    echo "setup: the python3-sklearn package has no sklearn/datasets/data folder" >&2
    exit 1
  fi
  "$here/scripts/make-diabetes-csv.sh" "$datasets" "$work/diabetes.csv"
  mkdir -p "$here/data"
  mv "$work/diabetes.csv" "$here/data/diabetes.csv"
fi
