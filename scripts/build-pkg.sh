#!/usr/bin/env bash
# Builds the npm package into pkg/ (release, `web` target) and gives it its npm name.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
wasm-pack --quiet build --release --target web --out-dir pkg --no-pack
node scripts/package-json.mjs
