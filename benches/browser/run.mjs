// Runs benches/browser in headless Chromium (Debian's /usr/bin/chromium via playwright-core)
// and prints the figures. Needs pkg/ built (scripts/build-pkg.sh).
//
//   node benches/browser/run.mjs [stream.sse]
import { createServer } from "node:http";
import { readFile, readdir, stat } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";

const root = new URL("../../", import.meta.url).pathname;
const fixtures = join(root, "tests/fixtures/v0-streams");
const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".sse": "text/event-stream" };

async function largest() {
  const names = (await readdir(fixtures)).filter((n) => n.endsWith(".sse"));
  const sizes = await Promise.all(names.map(async (n) => [(await stat(join(fixtures, n))).size, n]));
  return sizes.sort((a, b) => b[0] - a[0])[0][1];
}

const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  const file = path.startsWith("/fixtures/") ? join(fixtures, path.slice(10)) : join(root, path);
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const stream = process.argv[2] ?? (await largest());
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/benches/browser/index.html?stream=${stream}`);
  const result = await page.waitForFunction(() => window.benchResult, null, { timeout: 60_000 });
  console.log(JSON.stringify(await result.jsonValue(), null, 2));
} finally {
  await browser.close();
  server.close();
}
