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
# A throwaway PostgreSQL on loopback for the backend's Postgres tests (they skip, saying
# why, when it cannot start here).
eval "$(bash scripts/postgres.sh)"
if [ -n "${TEST_POSTGRES_DIR:-}" ]; then
  trap 'bash scripts/postgres.sh stop "$TEST_POSTGRES_DIR"' EXIT
  echo "PostgreSQL for the tests: $TEST_DATABASE_URL"
fi
cargo test --workspace

step "wasm tests in headless Chromium"
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver} \
  cargo test --target wasm32-unknown-unknown -p sajtmaskin-integrations --tests

step "jsondiffpatch vectors are current (npm jsondiffpatch)"
node tests/js/jsondiffpatch-vectors.mjs --check

step "package, demo end-to-end and Vite consumer tests (node + headless Chromium)"
bash scripts/build-pkg.sh
cargo build --quiet -p sajtmaskin-server
node --test tests/js/ tests/e2e/ tests/vite/
