#!/usr/bin/env bash
# Installs what building and testing kubefiddle needs, skipping what is already there.
# Idempotent: cheap the second time. Used by README commands and .ci/run.
#   scripts/setup.sh           wasm target, trunk, wasm-bindgen-cli, wasm-opt
#   scripts/setup.sh --browser also Chromium and ChromeDriver (for browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock.
WBG_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock 2>/dev/null || true)
WBG_VERSION=${WBG_VERSION:-0.2.130}
TOOLS_DIR=${KUBEFIDDLE_TOOLS:-$HOME/.cache/kubefiddle-tools}

log() { echo "setup: $*" >&2; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  log "installing trunk $TRUNK_VERSION (takes ~10 minutes once)"
  cargo install --quiet trunk --version "$TRUNK_VERSION" --locked >&2
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WBG_VERSION"; then
  log "installing wasm-bindgen-cli $WBG_VERSION"
  cargo install --quiet wasm-bindgen-cli --version "$WBG_VERSION" --force >&2
fi

if ! "$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  log "installing wasm-opt (binaryen@$BINARYEN_VERSION from npm)"
  mkdir -p "$TOOLS_DIR"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" "binaryen@$BINARYEN_VERSION" >&2
fi

if [ "${1:-}" = "--browser" ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    log "installing chromium and chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi

echo "$TOOLS_DIR/node_modules/.bin"
