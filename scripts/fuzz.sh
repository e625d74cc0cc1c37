#!/usr/bin/env bash
# `npm run fuzz -- [SECONDS] [TARGET…]`: coverage-guided fuzzing with cargo fuzz (libFuzzer) on
# the nightly toolchain, each target for SECONDS (default 60), one after the other; with
# FUZZ_RUNS=N each target stops after N executions instead (SECONDS is then only a cap). Not part
# of `npm test`. Inputs are capped at FUZZ_MAX_LEN bytes (default 4096: small inputs reach the
# same code far more often), and no sanitizer is built in (the code is safe Rust; with ASan the
# runs were far slower) unless FUZZ_SANITIZER=address. Corpora live in fuzz/corpus/<target> (git-ignored), seeded from the in-tree
# samples, the jsondiffpatch vectors and a few hand-made inputs; a crash is saved under
# fuzz/artifacts/<target>/ and must become a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(sse_parser jsondiffpatch session_feed one_pass wire auth webhook mcp_body json_reader)

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

seed() { # seed TARGET NAME < bytes
  mkdir -p "fuzz/corpus/$1"
  cat > "fuzz/corpus/$1/$2"
}
for sample in tests/fixtures/v0-streams/*.sse; do
  name=$(basename "$sample" .sse)
  # The SSE target reads (bound, chunk size, bytes); the session target (chunk size, bytes).
  { printf '\377\021'; cat "$sample"; } | seed sse_parser "$name"
  { printf '\045'; cat "$sample"; } | seed session_feed "$name"
done
python3 - <<'PY'
import json, os
os.makedirs("fuzz/corpus/jsondiffpatch", exist_ok=True)
for i, v in enumerate(json.load(open("tests/data/jsondiffpatch-vectors.json"))[:200]):
    with open(f"fuzz/corpus/jsondiffpatch/vector-{i}", "wb") as f:
        f.write(json.dumps(v["a"]).encode() + b"\0" + json.dumps(v["delta"]).encode())
PY
# The one-pass target reads `state JSON \0 event`: v0's common shapes, and one it leaves.
printf '[{"type":"text","text":"Hej"}]\0{"object":"message.parts.chunk","id":"m","delta":{"0":{"text":["Hej","Hej d\303\245"]},"_t":"a"}}' | seed one_pass grow
printf '[{"type":"text","text":"a"}]\0{"object":"message.parts.chunk","delta":{"1":[{"type":"thinking","text":"b"}],"_t":"a"}}' | seed one_pass added
printf '[{"type":"text","text":"a","n":1}]\0{"object":"message.parts.chunk","delta":{"0":{"text":["a","ab"],"n":[1,2]},"_t":"a"}}' | seed one_pass fields
printf '[{"a":1},{"b":2}]\0{"object":"message.parts.chunk","delta":{"_0":[{"a":1},0,0],"_t":"a"}}' | seed one_pass removal
printf '[[0,[["text",{},"Hej"]]]]\0{"object":"message.experimental_content.chunk","id":"m","delta":[[0,1,0,2," d\303\245"],9,9]}' | seed one_pass append
printf '{"vars":[{"key":"DATABASE_URL","value":"x","sensitive":true}],"upsert":true}' | seed wire create
printf '{"vars":[{"id":"env_1","value":"x"}]}' | seed wire update
printf '{"ids":["env_1"],"keys":["A"]}' | seed wire delete
printf 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1IiwiZXhwIjo5OTk5OTk5OTk5fQ.c2lnbmF0dXJl' | seed auth bearer
# The webhook target reads (flag: even = signed, body); the MCP target the body alone.
printf '\000{"id":"evt_1","type":"integration-configuration.removed","payload":{"configuration":{"id":"icfg_1"}}}' | seed webhook removed
printf '\000{"id":"evt_2","type":"integration-resource.project-connected","payload":{"projectId":"prj_1"}}' | seed webhook connected
printf '\001{"id":"evt_3","type":"x"}' | seed webhook unsigned
printf '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"f","version":"1"}}}' | seed mcp_body initialize
printf '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' | seed mcp_body list
printf '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"a__b","arguments":{}}}' | seed mcp_body call
printf '{"jsonrpc":"2.0","method":"notifications/initialized"}' | seed mcp_body notification
# The JSON reader target reads one text: the samples' events and hand-made edge cases.
mkdir -p fuzz/corpus/json_reader
grep -h '^data: ' tests/fixtures/v0-streams/s0[1-8]*.sse | sed -n '1,40s/^data: //p' | split -l 1 - fuzz/corpus/json_reader/event-
printf '[1.5e300,-0,"\\ud83d\\ude00\\n",{"a":{"a":[true,null]}}]' | seed json_reader edges
printf '{"a":1,"a":2,"b":"\\u00e9"}' | seed json_reader repeated

for target in "${targets[@]}"; do
  echo "=== fuzz $target for ${seconds}s"
  limit=(-max_total_time="$seconds")
  [ -n "${FUZZ_RUNS:-}" ] && limit+=(-runs="$FUZZ_RUNS")
  log="fuzz/artifacts/$target.log"
  mkdir -p fuzz/artifacts
  status=0
  cargo +nightly fuzz run --sanitizer "${FUZZ_SANITIZER:-none}" "$target" "fuzz/corpus/$target" -- \
    "${limit[@]}" -max_len="${FUZZ_MAX_LEN:-4096}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    > "$log" 2>&1 || status=$?
  grep -E 'DONE|Done [0-9]+ runs|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|SUMMARY|Test unit written|INFO: seed corpus' "$log" || true
  if [ "$status" != 0 ]; then
    tail -n 30 "$log" >&2
    echo "fuzz $target: exit $status (log: $log)" >&2
    exit 1
  fi
  echo "corpus: $(ls "fuzz/corpus/$target" | wc -l) inputs"
  if ls "fuzz/artifacts/$target"/crash-* "fuzz/artifacts/$target"/timeout-* >/dev/null 2>&1; then
    echo "fuzz $target: FOUND a crash or hang (see fuzz/artifacts/$target)" >&2
    exit 1
  fi
done
