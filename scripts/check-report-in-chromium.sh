#!/usr/bin/env bash
# Open a report's index.html in headless Chromium (Debian's package, installed if missing) and
# save a screenshot, so that a person or a test can see that the page and its inline plots render.
# Usage: scripts/check-report-in-chromium.sh REPORT_DIR [SCREENSHOT.png]
set -euo pipefail
report=$1
screenshot=${2:-$report/screenshot.png}
[ -s "$report/index.html" ] || { echo "no index.html in $report: run sgverify run first" >&2; exit 2; }
if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# No network: the page is self-contained, and these flags stop Chromium's own background traffic.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
  --window-size=1280,16000 --screenshot="$screenshot" "file://$(realpath "$report/index.html")" >/dev/null 2>&1
# A page whose images failed shows only text; a rendered plot makes the PNG far larger than 100 KB.
size=$(stat -c %s "$screenshot")
if [ "$size" -lt 100000 ]; then
  echo "screenshot $screenshot is only $size bytes: the plots did not render" >&2
  exit 1
fi
echo "screenshot: $screenshot ($size bytes)"
