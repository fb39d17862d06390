#!/usr/bin/env bash
# Builds and serves the app on http://127.0.0.1:8080, installing what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS_BIN=$(bash scripts/setup.sh | tail -n 1)
export PATH="$TOOLS_BIN:$HOME/.cargo/bin:$PATH"
exec trunk serve --address 127.0.0.1 --port "${PORT:-8080}" "$@"
