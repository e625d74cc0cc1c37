// The package against the JS pipeline (benches/js/pipelines.mjs), in Node and in headless
// Chromium, on the same generated and in-tree streams. Needs pkg-web/ (scripts/build-pkg.sh).
//
//   node benches/js/compare.mjs           # both; the ratios are printed last
//   node benches/js/compare.mjs --node    # Node only
import { readFileSync } from "node:fs";
import { join, normalize } from "node:path";
import { createParser } from "eventsource-parser";
import { patch } from "jsondiffpatch";
import { initSync, SseParser, StreamSession } from "../../pkg-web/sajtmaskin_integrations.js";
import { launchChromium, serveFiles } from "../../tests/js/chromium.mjs";
import { rows } from "./pipelines.mjs";
import { longV2, growing } from "./streams.mjs";

const root = new URL("../../", import.meta.url).pathname;
const SAMPLES = { "v1 sample s06": "s06-v1-countdown-thinking-code.sse", "proxy sample s08": "s08-proxy-upstash-dedupe.sse" };

function table(where, results) {
  console.log(`\n${where}`);
  for (const r of results) {
    const figures = "wasmMBs" in r
      ? `wasm ${r.wasmMBs.toFixed(1)} MB/s, JS ${r.jsMBs.toFixed(1)} MB/s${r.same ? "" : " (TEXT DIFFERS)"}`
      : `wasm ${r.wasmUs.toFixed(2)} µs, JS ${r.jsUs.toFixed(2)} µs`;
    console.log(`  ${r.row}: ${figures}`);
  }
}

async function inNode() {
  initSync({ module: readFileSync(join(root, "pkg-web/sajtmaskin_integrations_bg.wasm")) });
  const samples = Object.fromEntries(Object.entries(SAMPLES).map(([k, f]) =>
    [k, new Uint8Array(readFileSync(join(root, "tests/fixtures/v0-streams", f)))]));
  return rows({ StreamSession, SseParser, js: { createParser, patch }, longV2, growing, samples });
}

async function inChromium() {
  const { server, url } = await serveFiles((path) => join(root, normalize(path)));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${url}/benches/js/index.html`);
    const result = await page.waitForFunction(() => window.benchResult, null, { timeout: 600_000 });
    return await result.jsonValue();
  } finally {
    await browser.close();
    server.close();
  }
}

const results = [["Node " + process.version, await inNode()]];
if (!process.argv.includes("--node")) results.push(["Chromium (headless)", await inChromium()]);
for (const [where, r] of results) table(where, r);
console.log("\nratios (wasm / JS throughput; JS / wasm time per event):");
for (const [where, r] of results) console.log(`  ${where}: ${r.map((x) => x.ratio.toFixed(2)).join(", ")}`);
