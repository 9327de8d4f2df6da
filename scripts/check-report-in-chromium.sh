#!/usr/bin/env bash
# Opens a report's index.html in headless Chromium (Debian's package, installed if missing), checks
# that every plot in it renders, and saves a screenshot of the page for a person to look at.
#
# The check loads a copy of the page with a short script appended. Once the page has loaded, the
# script draws each <img> onto a canvas at its natural size and counts the pixels that are neither
# transparent nor white. A plot passes when it decoded (natural width and height above 0) and at
# least 1% of its pixels are drawn: axes, labels and curves. An image that failed to decode, or an
# SVG that renders blank, fails. The script also fails when the page contains no plot at all.
#
# Usage: scripts/check-report-in-chromium.sh REPORT_DIR [SCREENSHOT.png]
# Exit status: 0 when every plot renders, 1 when one does not, 2 on a missing report.
set -euo pipefail
report=${1:?usage: scripts/check-report-in-chromium.sh REPORT_DIR [SCREENSHOT.png]}
screenshot=${2:-$report/screenshot.png}
[ -s "$report/index.html" ] || { echo "no index.html in $report: run sgverify run first" >&2; exit 2; }
if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# No network: the page is self-contained, and these flags stop Chromium's own background traffic.
browse() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$work/profile" --hide-scrollbars "$@"
}

# The probe writes one line per image into <pre id="render-check">, then "done". With
# --dump-dom, Chromium prints the page as it is after the script ran.
cp "$report/index.html" "$work/probe.html"
cat >>"$work/probe.html" <<'HTML'
<pre id="render-check"></pre>
<script>
window.addEventListener("load", () => {
  const lines = [];
  for (const image of document.images) {
    const name = image.alt || image.src.slice(0, 40);
    const width = image.naturalWidth, height = image.naturalHeight;
    let drawn = 0;
    if (image.complete && width > 0 && height > 0) {
      const canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      const context = canvas.getContext("2d");
      context.drawImage(image, 0, 0);
      try {
        const pixels = context.getImageData(0, 0, width, height).data;
        for (let i = 0; i < pixels.length; i += 4) {
          const white = pixels[i] > 245 && pixels[i + 1] > 245 && pixels[i + 2] > 245;
          if (pixels[i + 3] > 0 && !white) ++drawn;
        }
      } catch (error) {
        drawn = -1;  // the canvas refused to be read: report it as not rendered
      }
    }
    const fraction = width > 0 && height > 0 && drawn > 0 ? drawn / (width * height) : 0;
    lines.push(`${fraction >= 0.01 ? "rendered" : "BLANK"} ${width}x${height} ${(100 * fraction).toFixed(2)}% drawn: ${name}`);
  }
  lines.push(`images ${document.images.length}`, "done");
  document.getElementById("render-check").textContent = lines.join("\n");
});
</script>
HTML
browse --dump-dom --virtual-time-budget=20000 "file://$work/probe.html" 2>/dev/null |
  sed -n '/<pre id="render-check">/,/<\/pre>/p' | sed 's/<[^>]*>//g' >"$work/check.txt" || true
cat "$work/check.txt"
if ! grep -qx "done" "$work/check.txt"; then
  echo "Chromium did not finish the render check of $report/index.html" >&2
  exit 1
fi
images=$(sed -n 's/^images //p' "$work/check.txt")
if [ "$images" -eq 0 ] || grep -q "^BLANK" "$work/check.txt"; then
  echo "not every plot in $report/index.html rendered (see the lines above)" >&2
  exit 1
fi

browse --window-size=1280,16000 --screenshot="$screenshot" "file://$(realpath "$report/index.html")" >/dev/null 2>&1
[ -s "$screenshot" ] || { echo "Chromium wrote no screenshot $screenshot" >&2; exit 1; }
echo "all $images plots rendered; screenshot: $screenshot"
