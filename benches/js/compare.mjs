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
import { catalogIndex } from "./cards.mjs";
import { rows, SAMPLES, streamUpdatesPath } from "./pipelines.mjs";
import { longV2, growing } from "./streams.mjs";

const root = new URL("../../", import.meta.url).pathname;

function table(where, results) {
  console.log(`\n${where}`);
  for (const r of results) {
    const figures = "wasmMBs" in r
      ? `wasm ${r.wasmMBs.toFixed(1)} MB/s, JS ${r.jsMBs.toFixed(1)} MB/s${r.same ? "" : " (RESULTS DIFFER)"}`
      : `wasm ${r.wasmUs.toFixed(2)} µs, JS ${r.jsUs.toFixed(2)} µs${r.same === false ? " (RESULTS DIFFER)" : ""}`;
    console.log(`  ${r.row}: ${figures}`);
    if ("floorMBs" in r) {
      console.log(`    floor (a session, and its updates handed to JS) ${r.floorMBs.toFixed(1)} MB/s: at most ` +
        `${(r.floorMBs / r.jsMBs).toFixed(2)}x; at 1.5x, ${r.roomNs.toFixed(0)} ns per event for the rest`);
    }
  }
}

async function inNode() {
  initSync({ module: readFileSync(join(root, "pkg-web/sajtmaskin_integrations_bg.wasm")) });
  const samples = Object.fromEntries(Object.entries(SAMPLES).map(([k, f]) =>
    [k, new Uint8Array(readFileSync(join(root, "tests/fixtures/v0-streams", f)))]));
  const catalog = catalogIndex(JSON.parse(readFileSync(join(root, "benches/js/catalog.json"), "utf8")));
  const glue = readFileSync(join(root, "pkg-web/sajtmaskin_integrations.js"), "utf8");
  const { stream_updates: streamUpdates } = await import(join(root, "pkg-web", streamUpdatesPath(glue)));
  return rows({ StreamSession, SseParser, streamUpdates, js: { createParser, patch, catalog }, longV2, growing, samples });
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
