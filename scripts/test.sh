#!/usr/bin/env bash
# `npm test`: every test suite, each printing its runner's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n=== %s\n' "$*"; }
# A test run must leave the working tree as it found it (outputs go under git-ignored folders).
tree_before=$(git status --porcelain 2>/dev/null || true)

step "the repository stands alone (no path outside it; in-tree samples equal the reference)"
bash scripts/check-fixtures.sh

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo clippy --target wasm32-unknown-unknown -p sajtmaskin-integrations --lib --tests --quiet -- -D warnings
# The stream-only entry (`pkg/stream`) is built without the `backend` feature.
cargo clippy --target wasm32-unknown-unknown -p sajtmaskin-integrations --lib --no-default-features --quiet -- -D warnings
# RUSTSEC-2023-0071 (the `rsa` crate, no fixed release) must stay out of the tree.
if cargo tree --workspace --target all -e normal,build,dev --prefix none 2>/dev/null | grep -q '^rsa '; then
  echo "the rsa crate is in the dependency tree (RUSTSEC-2023-0071): cargo tree -i rsa" >&2
  exit 1
fi

step "native unit, property and backend tests"
cargo test --workspace
# The SSE bound property counts how many generated cases went over the bound (it fails under
# half); show the count, which cargo test captures when the test passes.
cargo test --quiet -p sajtmaskin-integrations --test sse generated_events_respect_the_bound -- --nocapture \
  | grep "sse bound property"

step "backend tests on PostgreSQL"
# A throwaway PostgreSQL on loopback; the Postgres tests are #[ignore]d in a plain run and run
# here with --ignored. Where it cannot start they are skipped, saying so, except in CI on a
# machine that has PostgreSQL installed: there a skip would hide a broken set-up, so it fails.
eval "$(bash scripts/postgres.sh)"
if [ -n "${TEST_POSTGRES_DIR:-}" ]; then
  trap 'bash scripts/postgres.sh stop "$TEST_POSTGRES_DIR"' EXIT
  echo "PostgreSQL for the tests: $TEST_DATABASE_URL"
  cargo test -p sajtmaskin-server --tests -- --ignored
elif [ "${CI:-}" = true ] && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "PostgreSQL is installed but could not be started (see above): failing in CI" >&2
  exit 1
else
  echo "skipped: the PostgreSQL tests (PostgreSQL is not available here, see above)"
fi

step "wasm tests in headless Chromium"
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver} \
  cargo test --target wasm32-unknown-unknown -p sajtmaskin-integrations --tests

step "jsondiffpatch vectors (structure and text diffs) are current (npm jsondiffpatch)"
node tests/js/jsondiffpatch-vectors.mjs --check
node tests/js/jsondiffpatch-text-vectors.mjs --check

step "package, demo end-to-end, Vite and Next.js consumers, and official-client contract tests (node + headless Chromium)"
bash scripts/build-pkg.sh
cargo build --quiet -p sajtmaskin-server --bin sajtmaskin-server --example mcp_fixture
node --test tests/js/ tests/e2e/ tests/vite/ tests/next/ tests/contract/

step "the test run left the working tree as it found it"
tree_after=$(git status --porcelain 2>/dev/null || true)
if [ "$tree_before" != "$tree_after" ]; then
  echo "the tests changed tracked or unignored files:" >&2
  diff <(echo "$tree_before") <(echo "$tree_after") >&2 || true
  exit 1
fi
echo "working tree unchanged"
