#!/usr/bin/env bash
# End-to-end: serves the built site (dist/) on localhost and drives headless Chromium through
# playwright-core (from npm, using Debian's /usr/bin/chromium; no browser download).
set -euo pipefail
cd "$(dirname "$0")/../.."
TOOLS_DIR=${KUBEFIDDLE_TOOLS:-$HOME/.cache/kubefiddle-tools}
if [ ! -d "$TOOLS_DIR/node_modules/playwright-core" ]; then
  npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" playwright-core@1 >&2
fi
[ -f dist/index.html ] || { echo "dist/ is missing: run trunk build --release first" >&2; exit 1; }
PORT=${E2E_PORT:-8765}
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory dist >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  python3 - "$PORT" <<'PY' && break
import socket, sys
s = socket.socket(); s.settimeout(0.2)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
  sleep 0.2
done
NODE_PATH="$TOOLS_DIR/node_modules" E2E_URL="http://127.0.0.1:$PORT/" node tests/e2e/e2e.cjs
