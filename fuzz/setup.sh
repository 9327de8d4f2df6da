#!/usr/bin/env bash
# Install what fuzz/run.sh needs beyond ../setup.sh: clang 14 and its libFuzzer runtime (Debian 12).
set -euo pipefail
packages=(clang-14 libclang-rt-14-dev)
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then missing+=("$package"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz/setup.sh: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
