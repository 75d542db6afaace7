#!/usr/bin/env bash
# tests/html-screenshot.sh - renders a scenario's HTML report to a PNG with
# headless Chromium, to look at it as an audience would (not run by CI).
#
#   bash tests/html-screenshot.sh scenarios/drills/payment-outage.json out.png
#
# Needs Debian's chromium (apt-get install chromium); makes no network use.
set -euo pipefail
scenario=${1:?usage: html-screenshot.sh SCENARIO OUT.png}
png=${2:?usage: html-screenshot.sh SCENARIO OUT.png}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/build/meshsim" run "$scenario" --html "$tmp/report.html" --quiet >/dev/null || true
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$tmp/profile" \
  --window-size=1400,2400 --screenshot="$png" "file://$tmp/report.html" 2>/dev/null
echo "wrote $png"
