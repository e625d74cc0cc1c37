#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine (and quick when already done): the wasm
# target, wasm-pack, wasm-bindgen-cli of the version pinned in Cargo.toml, Debian's Chromium
# and ChromeDriver for the browser tests, and the npm dev dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

# The wasm-bindgen version is pinned with `=` in Cargo.toml; the CLI must match it exactly.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml)
[ -n "$WASM_BINDGEN_VERSION" ] || { say "cannot read the pinned wasm-bindgen version from Cargo.toml"; exit 1; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v wasm-pack >/dev/null 2>&1; then
  say "installing wasm-pack (about 2 minutes)"
  cargo install wasm-pack --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  # Not --locked: its lock file names a crate version this registry mirror may not serve.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# Debian packages: the browser and its driver for the tests; PostgreSQL for the backend's
# Postgres tests (optional: those tests say why they skip when it is missing); Redis.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if [ "${SETUP_SKIP_POSTGRES:-}" != 1 ] && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  missing+=(postgresql)
fi
# Redis for the credential checks' tests (a real server, started by the test itself).
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "please install these Debian packages (as root): apt-get install ${missing[*]}"
    [[ " ${missing[*]} " == *" chromium"* ]] && exit 1
  fi
fi

# npm dev dependencies (playwright-core etc.); skipped when node_modules is current.
if [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ] \
   || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  say "installing npm dev dependencies"
  npm install --no-audit --no-fund --loglevel=error
fi
