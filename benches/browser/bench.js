// Bytes → snapshot in the browser: the wasm StreamSession against the JS baseline of
// eventsource-parser + JSON.parse + jsondiffpatch.patch, on the same stream, same page.
import init, { StreamSession } from "/pkg-web/sajtmaskin_integrations.js";
import { createParser } from "eventsource-parser";
import { patch } from "jsondiffpatch";

const CHUNK = 4096;
const name = new URL(location.href).searchParams.get("stream");
const bytes = new Uint8Array(await (await fetch(`/fixtures/${name}`)).arrayBuffer());
await init();

function chunks(fn) {
  for (let at = 0; at < bytes.length; at += CHUNK) fn(bytes.subarray(at, at + CHUNK));
}

function wasm() {
  const session = new StreamSession();
  chunks((c) => session.feed(c));
  session.finish();
  const text = session.snapshot().text;
  // Freed now: the FinalizationRegistry would only run once the loop yields.
  session.free();
  return text;
}

// The baseline reconstructs the same v2 state: parts patched by each chunk's delta, text
// joined at the end (v1 content and proxy events are handled the same way).
function baseline() {
  let parts = [];
  let content = [];
  let text = "";
  const parser = createParser({
    onEvent(event) {
      if (event.data === "[DONE]") return;
      const data = JSON.parse(event.data);
      if (event.event === "content") text += data;
      else if (data.object === "message.parts.chunk") parts = patch(parts, data.delta);
      else if (data.object === "message.experimental_content.chunk") content = patch(content, data.delta);
      else if (data.object === "message" && Array.isArray(data.parts)) parts = data.parts;
    },
  });
  const decoder = new TextDecoder();
  chunks((c) => parser.feed(decoder.decode(c, { stream: true })));
  parser.feed(decoder.decode());
  return text || parts.filter((p) => p.type === "text").map((p) => p.text).join("\n\n");
}

function measure(fn) {
  for (let i = 0; i < 20; i++) fn(); // warm-up
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < 2000) { fn(); runs++; }
  const seconds = (performance.now() - start) / 1000;
  return (bytes.length * runs) / seconds / 1e6;
}

const same = wasm() === baseline();
const wasmMBs = measure(wasm);
const jsMBs = measure(baseline);
const result = { stream: name, bytes: bytes.length, chunk: CHUNK, sameText: same, wasmMBs, jsMBs, ratio: wasmMBs / jsMBs };
document.getElementById("out").textContent = JSON.stringify(result, null, 2);
window.benchResult = result;
