// Cold start: time from navigation to the first card of a recorded stream (s02, Neon), for the
// package and for the JS pipeline, on a slow phone: headless Chromium with 4× CPU throttling, a
// slow-4G profile (150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up) and the cache disabled, all
// pages served by the backend `npm start` runs (precompressed, the module as application/wasm).
// `node benches/js/coldstart.mjs [runs]` (after `bash scripts/build-pkg.sh` and a server build);
// the pages alternate (the package, its stream-only entry, the JS pipeline), median of `runs`
// (default 11) each.
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { build } from "vite";
import { launchChromium } from "../../tests/js/chromium.mjs";

const root = new URL("../../", import.meta.url).pathname;
const out = join(root, "target/coldstart");
const runs = Number(process.argv[2] ?? 11);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  logLevel: "warn",
  configFile: false,
  build: {
    outDir: out, emptyOutDir: false, target: "es2022", minify: true,
    lib: { entry: join(root, "benches/js/coldstart/js-main.js"), formats: ["es"], fileName: () => "js.js" },
  },
});
for (const f of ["wasm.html", "wasm-stream.html", "wasm.js", "js.html"]) copyFileSync(join(root, "benches/js/coldstart", f), join(out, f));
copyFileSync(join(root, "tests/fixtures/v0-streams/s02-v2-message-neon-guestbook.sse"), join(out, "stream.sse"));
// The same precompression for the JS bundle as the module gets.
await new Promise((resolve, reject) => spawn("node", [join(root, "scripts/precompress.mjs"), join(out, "js.js"), join(out, "wasm.js")], { stdio: "inherit" })
  .on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`precompress ${code}`)))));

const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const dataDir = mkdtempSync(join(tmpdir(), "sajtmaskin-coldstart-"));
const server = spawn(join(root, "target/debug/sajtmaskin-server"), ["--bind", `127.0.0.1:${port}`, "--data-dir", dataDir, "--www-dir", out, "--pkg-dir", join(root, "pkg-web")], { stdio: "ignore" });
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 100; i++) {
  try { if ((await fetch(`${base}/api/health`)).ok) break; } catch { /* starting */ }
  await new Promise((r) => setTimeout(r, 100));
}

const browser = await launchChromium();
async function firstCard(page) {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const cdp = await context.newCDPSession(tab);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  await tab.goto(`${base}/${page}`);
  const ms = await (await tab.waitForFunction(() => window.firstCard, null, { timeout: 60_000 })).jsonValue();
  const title = await tab.locator("#cards h3").first().textContent();
  await context.close();
  return { ms, title };
}

const times = { "wasm.html": [], "wasm-stream.html": [], "js.html": [] };
try {
  for (let i = 0; i < runs; i++) {
    for (const page of Object.keys(times)) {
      const { ms, title } = await firstCard(page);
      if (!/neon/i.test(title)) throw new Error(`${page}: first card ${title}`);
      times[page].push(ms);
    }
  }
} finally {
  await browser.close();
  server.kill();
  rmSync(dataDir, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [page, xs] of Object.entries(times)) {
  console.log(`${page}: median ${median(xs).toFixed(0)} ms over ${xs.length} runs (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`);
}
console.log(`package / JS: ${(median(times["wasm.html"]) / median(times["js.html"])).toFixed(2)}×; stream-only entry / JS: ${(median(times["wasm-stream.html"]) / median(times["js.html"])).toFixed(2)}×`);
