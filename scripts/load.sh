#!/usr/bin/env bash
# Load figure for GET env-vars on SQLite (README): the release server on a free loopback port
# with a temporary data dir, one project with 20 vars (10 sensitive), then wrk.
#   bash scripts/load.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "load.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
seconds=${1:-15}
connections=${2:-32}
cargo build --release -q -p sajtmaskin-server
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
secret=$(head -c 32 /dev/urandom | base64)
export AUTH_JWT_SECRET=$secret DATA_DIR=$dir RUST_LOG=warn
./target/release/sajtmaskin-server --bind "127.0.0.1:$port" & pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
token=$(./target/release/sajtmaskin-server token load-user)
auth="Authorization: Bearer $token"
project=$(curl -fs -X POST -H "$auth" -H 'content-type: application/json' -d '{"name":"load"}' "http://127.0.0.1:$port/api/projects" | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
vars=$(python3 -c 'import json; print(json.dumps({"vars":[{"key":f"KEY_{i}","value":"v"*40,"sensitive":i%2==0} for i in range(20)]}))')
curl -fs -X POST -H "$auth" -H 'content-type: application/json' -d "$vars" "http://127.0.0.1:$port/api/v0/projects/$project/env-vars" >/dev/null
url="http://127.0.0.1:$port/api/v0/projects/$project/env-vars"
echo "GET $url (20 vars), $connections connections, ${seconds}s, wrk -t2"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "$auth" "$url"
