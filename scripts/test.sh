#!/usr/bin/env bash
# `npm test`: every test suite, each printing its runner's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n=== %s\n' "$*"; }

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo clippy --target wasm32-unknown-unknown -p sajtmaskin-integrations --lib --tests --quiet -- -D warnings

step "native unit, property and backend tests"
cargo test --workspace

step "wasm tests in headless Chromium"
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver} \
  cargo test --target wasm32-unknown-unknown -p sajtmaskin-integrations --tests

step "jsondiffpatch vectors are current (npm jsondiffpatch)"
node tests/js/jsondiffpatch-vectors.mjs --check

step "release package (pkg/) in node"
bash scripts/build-pkg.sh
node --test tests/js/
