#!/usr/bin/env bash
# The wasm half of the scheduling benchmark (issue 4): builds bench-wasm/ for
# wasm32-unknown-unknown with the release profile the page ships with, binds it for node with
# wasm-bindgen, and times it with performance.now(). A benchmark, not a test: CI does not run it.
#   scripts/bench-wasm.sh                 10,000 pods on 5,000 nodes, and the 100-pod redo time
#   scripts/bench-wasm.sh 1000x500 ...    other shapes, PODSxNODES
#   REPS=5 scripts/bench-wasm.sh          repetitions (default 3; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wasm-bindgen >/dev/null || export PATH="$HOME/.cargo/bin:$PATH"
cargo build --quiet --release --target wasm32-unknown-unknown -p kubefiddle-bench-wasm
OUT=target/bench-wasm
wasm-bindgen --target nodejs --out-dir "$OUT" \
  target/wasm32-unknown-unknown/release/kubefiddle_bench_wasm.wasm
node bench-wasm/bench.cjs "$OUT" "$@"
