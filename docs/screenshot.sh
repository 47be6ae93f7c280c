#!/usr/bin/env bash
# Refresh docs/api-docs.png: serve HobbyMatch on a throwaway SQLite file and photograph /docs
# with headless Chromium (Debian's `chromium`), every non-loopback request sent to a dead
# proxy, so that the picture proves the page renders offline.
# Run from the project's root after the README's set-up command: bash docs/screenshot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "needs Debian's chromium: apt-get install chromium" >&2; exit 1; }
work=$(mktemp -d)
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$work" && exec "$OLDPWD/.venv/bin/hobbymatch" serve --port "$port" >"$work/server.log" 2>&1) &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  sleep 0.2
done
# Chromium refuses to run as root without --no-sandbox; the page is our own, on loopback.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --proxy-server="http://127.0.0.1:9" --proxy-bypass-list="127.0.0.1" \
  --user-data-dir="$work/chromium" --window-size=1280,1500 --virtual-time-budget=10000 \
  --screenshot="$PWD/docs/api-docs.png" "http://127.0.0.1:$port/docs" 2>/dev/null
echo "wrote docs/api-docs.png"
