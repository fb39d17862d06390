#!/usr/bin/env bash
# Runs every test of kubefiddle: formatting, lints, the engine's table and scenario tests, the
# CLI tests, the app's unit tests, a release build of the site, the wasm tests in headless
# Chromium and the end-to-end test that drives the built site. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_BIN=$(bash scripts/setup.sh --browser | tail -n 1)
export PATH="$TOOLS_BIN:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

step() { echo; echo "=== $*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "the engine has no web dependencies"
if cargo tree -p kubefiddle-engine -e normal --prefix none | grep -E '^(yew|web-sys|wasm-bindgen|js-sys|gloo)[ -]'; then
  echo "kubefiddle-engine must stay pure Rust" >&2; exit 1
fi

step "cargo clippy (native, all targets)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo clippy (wasm, the app)"
cargo clippy -p kubefiddle --target wasm32-unknown-unknown --all-targets -- -D warnings

step "cargo test (engine, CLI, app logic)"
cargo test --workspace

step "the client-side validation models match k8s-openapi (tools/openapi-table)"
cargo fmt --manifest-path tools/openapi-table/Cargo.toml --check
cargo run --locked --release --manifest-path tools/openapi-table/Cargo.toml -- --check

step "trunk build --release"
trunk build --release
ls -l dist/*.wasm
WASM=$(ls dist/*.wasm | head -n 1)
echo "wasm bundle: $(stat -c %s "$WASM") bytes, $(gzip -9 -c "$WASM" | wc -c) bytes gzipped"

step "wasm tests in headless Chromium"
CHROMEDRIVER=/usr/bin/chromedriver cargo test -p kubefiddle --target wasm32-unknown-unknown --test browser

step "end-to-end: the built site in headless Chromium"
bash tests/e2e/run.sh
