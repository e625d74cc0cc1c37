// The package is consumable: a tiny Vite 7 app imports pkg/ (wasm-pack bundler target) by its
// npm name, is built for production, and runs in headless Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join, normalize } from "node:path";
import { build } from "vite";
import wasm from "vite-plugin-wasm";
import { launchChromium, serveFiles } from "../js/chromium.mjs";

const root = new URL("../../", import.meta.url).pathname;
const app = join(root, "tests/vite/app");
const out = join(root, "target/vite-app");

test("a Vite 7 production build of an app importing @sajtmaskin/integrations runs in Chromium", async () => {
  await rm(out, { recursive: true, force: true });
  await build({
    root: app,
    logLevel: "warn",
    plugins: [wasm()],
    resolve: { alias: { "@sajtmaskin/integrations": join(root, "pkg") } },
    build: { outDir: out, target: "esnext", emptyOutDir: true },
  });
  const { server, url } = await serveFiles((path) => {
    const clean = normalize(path);
    return join(out, clean === "/" ? "index.html" : clean);
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}/`);
    const result = await (await page.waitForFunction(() => window.result, null, { timeout: 20_000 })).jsonValue();
    assert.deepEqual(errors, []);
    assert.equal(result.text, "Hej från Vite");
    assert.equal(result.done, true);
    assert.deepEqual(result.cards, ["integration:neon"]);
    assert.ok(result.types.includes("cards") && result.types.includes("done"));
    assert.equal(await page.locator('#cards [data-card-id="integration:neon"] .sm-card-title').textContent(), "Neon");
  } finally {
    await browser.close();
    server.close();
  }
});
