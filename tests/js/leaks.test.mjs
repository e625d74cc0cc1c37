// The leak guard's labelled corpus through the release package's `StreamSession.consume`, in
// Node and in headless Chromium (tests/js/leak-cases.mjs runs in both): every leak masked and
// carded with its env var, no trap touched; several chunkings, the three stream formats.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, normalize } from "node:path";
import { checkLeaks } from "./leak-cases.mjs";
import { launchChromium, serveFiles } from "./chromium.mjs";

const root = new URL("../../", import.meta.url).pathname;
const corpus = JSON.parse(readFileSync(join(root, "tests/data/leaks.json"), "utf8"));

test("the leak corpus in Node: precision and recall 100%", async () => {
  const mod = await import(join(root, "pkg-web/sajtmaskin_integrations.js"));
  mod.initSync({ module: readFileSync(join(root, "pkg-web/sajtmaskin_integrations_bg.wasm")) });
  const result = await checkLeaks(mod, corpus);
  assert.ok(result.traps >= 30 && result.leaks >= 15);
  assert.deepEqual(result.problems, []);
});

test("the leak corpus in Chromium: precision and recall 100%", async () => {
  const { server, url } = await serveFiles((path) => join(root, normalize(path)));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${url}/tests/js/blank.html`);
    const result = await page.evaluate(async () => {
      const mod = await import("/pkg-web/sajtmaskin_integrations.js");
      await mod.default();
      const { checkLeaks } = await import("/tests/js/leak-cases.mjs");
      const corpus = await (await fetch("/tests/data/leaks.json")).json();
      return checkLeaks(mod, corpus);
    });
    assert.ok(result.traps >= 30 && result.leaks >= 15);
    assert.deepEqual(result.problems, []);
  } finally {
    await browser.close();
    server.close();
  }
});
