#!/usr/bin/env bash
# Builds the npm package into pkg/ (wasm-pack `bundler` target: what apps import through Vite,
# webpack or Next.js) and the same module for plain <script type="module"> pages into
# pkg-web/ (`web` target: the demo builder and the node tests use it). Both are optimized with
# the current binaryen from npm (Debian's is too old for this wasm-bindgen's output); every
# browser test then runs the optimized module.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
wasm-pack --quiet build --profile wasm --target bundler --out-dir pkg --no-pack
wasm-pack --quiet build --profile wasm --target web --out-dir pkg-web --no-pack
# The stream-only entry (`@sajtmaskin/integrations/stream`): no BackendClient.
wasm-pack --quiet build --profile wasm --target bundler --out-dir pkg/stream --no-pack -- --no-default-features
rm -f pkg/stream/.gitignore
# The same for plain pages (the cold-start benchmark's stream-only page).
wasm-pack --quiet build --profile wasm --target web --out-dir pkg-web/stream --no-pack -- --no-default-features
rm -f pkg-web/stream/.gitignore
features=(--enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
          --enable-mutable-globals --enable-reference-types --enable-multivalue)
for wasm in pkg/sajtmaskin_integrations_bg.wasm pkg-web/sajtmaskin_integrations_bg.wasm pkg/stream/sajtmaskin_integrations_bg.wasm \
            pkg-web/stream/sajtmaskin_integrations_bg.wasm; do
  node_modules/.bin/wasm-opt -O3 "${features[@]}" "$wasm" -o "$wasm.opt"
  mv "$wasm.opt" "$wasm"
done
node scripts/package-json.mjs
# Precompressed copies of what the demo server serves from pkg-web/ (it picks one by the
# browser's Accept-Encoding); not part of the npm package.
node scripts/precompress.mjs pkg-web/sajtmaskin_integrations_bg.wasm pkg-web/sajtmaskin_integrations.js \
  pkg-web/stream/sajtmaskin_integrations_bg.wasm pkg-web/stream/sajtmaskin_integrations.js
