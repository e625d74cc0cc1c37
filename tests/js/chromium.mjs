// Headless Chromium for the tests and benchmarks: Debian's browser (playwright's own download
// is not reachable here) with the flags that keep it quiet offline, and a static file server on
// loopback for the pages it loads.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname } from "node:path";
import { chromium } from "playwright-core";

const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

/** Launches headless Chromium (`CHROMIUM_PATH` overrides /usr/bin/chromium). */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** Serves files on 127.0.0.1: `fileFor(pathname)` names the file for a decoded URL path; a
 *  missing one is a 404. Resolves with the server and its base URL. */
export async function serveFiles(fileFor) {
  const server = createServer(async (req, res) => {
    const file = fileFor(decodeURIComponent(new URL(req.url, "http://x").pathname));
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}
