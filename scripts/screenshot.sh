#!/usr/bin/env bash
# `npm run screenshot`: refreshes docs/demo.png (the README picture) from the demo end-to-end
# test. A plain `npm test` writes its screenshot under target/ and leaves the tree clean.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/build-pkg.sh
cargo build --quiet -p sajtmaskin-server
DEMO_SCREENSHOT="$PWD/docs/demo.png" node --test --test-name-pattern "replay a Neon" tests/e2e/demo.test.mjs
