#!/usr/bin/env bash
# Builds the npm package into pkg/ (wasm-pack `bundler` target: what apps import through Vite,
# webpack or Next.js) and the same module for plain <script type="module"> pages into
# pkg-web/ (`web` target: the demo builder and the node tests use it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
wasm-pack --quiet build --release --target bundler --out-dir pkg --no-pack
wasm-pack --quiet build --release --target web --out-dir pkg-web --no-pack
node scripts/package-json.mjs
