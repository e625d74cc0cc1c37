#!/usr/bin/env bash
# `npm start`: build the wasm package and serve the demo builder on http://127.0.0.1:8787.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/build-pkg.sh
# --dev lets the demo page obtain a token; the embedded defaults need no keys (SQLite and
# generated keys in .data/). Never use --dev for a server others can reach.
exec cargo run --quiet --release -p sajtmaskin-server -- --dev "$@"
