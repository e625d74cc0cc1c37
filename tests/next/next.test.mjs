// The package in a Next.js App Router app (tests/next/site), installed from pkg/ the way npm
// installs it (`npm pack`, unpacked into the app's node_modules): type-checked with `tsc
// --noEmit` under `strict`, built with `next build --webpack`, served with `next start` and,
// for StrictMode's double effects (a development-only behaviour), with `next dev --webpack`;
// driven in headless Chromium against the backend in --dev mode.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { launchChromium } from "../js/chromium.mjs";

const root = new URL("../../", import.meta.url).pathname;
const app = join(root, "target/next-app");
const bin = (name) => join(root, "node_modules/.bin", name);
const NEXT_ENV = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", SAJTMASKIN_FIXTURES: join(root, "tests/fixtures/v0-streams") };
let backend, backendUrl, dataDir, browser, token, projectId;
const children = [];

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Starts a process and resolves once `url` answers (any status), or rejects with its output. */
async function serve(command, args, env, url, seconds) {
  let output = "";
  const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d) => { output += d; });
  child.stderr.on("data", (d) => { output += d; });
  children.push(child);
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${command} exited ${child.exitCode}:\n${output}`);
    try {
      await fetch(url);
      return { child, output: () => output };
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${url} did not answer in ${seconds} s:\n${output}`);
}

/** SIGTERM, then SIGKILL after 5 s: next-server drains open connections (a browser's kept-alive
 *  ones included) before it exits, which can take as long as the slowest stream. */
function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => { clearTimeout(kill); resolve(); });
    child.kill("SIGTERM");
  });
}

before(async () => {
  // The app, and the package installed into it from the tarball `npm pack` makes of pkg/ (so
  // its `files` and `exports` are what a user gets).
  rmSync(app, { recursive: true, force: true });
  cpSync(join(root, "tests/next/site"), app, { recursive: true });
  const modules = join(app, "node_modules/@sajtmaskin/integrations");
  mkdirSync(modules, { recursive: true });
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", app, join(root, "pkg")], { cwd: root }).toString().trim().split("\n").pop();
  execFileSync("tar", ["-xzf", join(app, tarball), "-C", modules, "--strip-components=1"]);

  const port = await freePort();
  backendUrl = `http://127.0.0.1:${port}`;
  dataDir = mkdtempSync(join(tmpdir(), "sajtmaskin-next-"));
  const origins = [];
  for (let i = 0; i < 2; i++) origins.push(await freePort());
  process.env.NEXT_PORTS = origins.join(",");
  ({ child: backend } = await serve(join(root, "target/debug/sajtmaskin-server"),
    ["--bind", `127.0.0.1:${port}`, "--data-dir", dataDir, "--dev"],
    { ...process.env, CORS_ORIGINS: origins.map((p) => `http://127.0.0.1:${p}`).join(",") },
    `${backendUrl}/api/health`, 60));
  ({ token } = await (await fetch(`${backendUrl}/api/dev/token`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json());
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  ({ id: projectId } = await (await fetch(`${backendUrl}/api/projects`, { method: "POST", headers: auth, body: JSON.stringify({ name: "next" }) })).json());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await Promise.all(children.map(stop));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("a consumer file type-checks against the package and its React bindings under strict", () => {
  // Fails (throws with tsc's messages) on a type error, including an @ts-expect-error that no
  // longer finds one.
  execFileSync(bin("tsc"), ["--noEmit", "-p", app, "--pretty", "false"], { cwd: root, stdio: "pipe" });
});

/** Opens the app, streams the sample, and checks the cards; returns the page. */
async function streamTheSample(base) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error" && !/Failed to load resource/.test(m.text())) errors.push(m.text()); });
  page.on("response", (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
  await page.addInitScript((settings) => { window.SAJTMASKIN_TEST = settings; }, { backendUrl, token, projectId });
  await page.goto(`${base}/`);
  // The server component's card, rendered on the server: its safe link became a link once the
  // module loaded in the browser; the javascript: one never did.
  await page.waitForSelector('#server-card a[data-action="install"]', { timeout: 60_000 });
  assert.equal(await page.locator('#server-card [data-action="open_setup"]').count(), 0);
  assert.equal(await page.locator('#server-card a[data-action="install"]').getAttribute("href"), "https://vercel.com/marketplace/stripe");
  await page.click("#start");
  await page.waitForSelector("#status:text-is('done')", { timeout: 30_000 });
  const cards = await page.locator("#cards article[data-card-id]").evaluateAll((els) => els.map((e) => e.getAttribute("data-card-id")));
  assert.deepEqual(cards, ["integration:neon"], "one card per provider, none twice");
  assert.equal(await page.locator('#cards [data-card-id="integration:neon"] .sm-card-title').textContent(), "Neon");
  assert.match(await page.locator("#text").textContent(), /Neon/);
  // The stream-only entry works in the same app.
  await page.waitForSelector("#stream-only:text-is('integration:upstash')", { timeout: 30_000 });
  await page.click('#cards [data-card-id="integration:neon"] button[data-action="set_env_vars"]');
  assert.deepEqual(await page.evaluate(() => window.builderLog.actions), ["integration:neon:set_env_vars"]);
  return { page, errors };
}

test("next build + next start: the server component renders a card without wasm, the client streams a recorded v0 stream into cards", async () => {
  const build = spawn(bin("next"), ["build", "--webpack", app], { cwd: root, env: NEXT_ENV });
  let output = "";
  build.stdout.on("data", (d) => { output += d; });
  build.stderr.on("data", (d) => { output += d; });
  const code = await new Promise((resolve) => build.on("exit", resolve));
  assert.equal(code, 0, `next build failed:\n${output}`);
  const wasm = readdirSync(join(app, ".next/static/wasm"));
  assert.ok(wasm.some((f) => f.endsWith(".wasm")), "the module is a static asset of the build");

  const port = process.env.NEXT_PORTS.split(",")[0];
  const base = `http://127.0.0.1:${port}`;
  const { child, output: log } = await serve(bin("next"), ["start", "-H", "127.0.0.1", "-p", port, app], NEXT_ENV, base, 60);
  try {
    // Server-side rendering: the card is in the HTML, its links not yet (no wasm on the server).
    const html = await (await fetch(`${base}/`)).text();
    assert.match(html, /Stripe \(server\)/);
    assert.match(html, /data-card-id="integration:stripe"/);
    assert.doesNotMatch(html, /href="javascript:/);
    const { page, errors } = await streamTheSample(base);

    // The backend hooks: a sensitive env var saved, shown as set and write-only, then deleted;
    // an MCP server added and changed, each list loaded again after the mutation.
    await page.waitForSelector('#backend[data-ready="true"]');
    await page.fill("#env-value", "postgres://u:next-secret@db.example.com/app");
    await page.click("#env-save");
    await page.waitForSelector('#env li[data-key="DATABASE_URL"]');
    assert.equal(await page.locator('#env li[data-key="DATABASE_URL"]').getAttribute("data-value"), "null");
    assert.equal(await page.locator('#env li[data-key="DATABASE_URL"]').getAttribute("data-sensitive"), "true");
    await page.click("#env-delete");
    await page.waitForSelector('#env li[data-key="DATABASE_URL"]', { state: "detached" });
    await page.click("#mcp-add");
    await page.waitForSelector('#mcp li[data-name="docs"][data-enabled="true"]');
    await page.click("#mcp-disable");
    await page.waitForSelector('#mcp li[data-name="docs"][data-enabled="false"]');

    // A new response aborts the read of the old one; unmounting aborts the current one.
    await page.click("#slow");
    await page.waitForSelector("#text:text-is('Väntar')");
    assert.equal(await page.locator("#status").textContent(), "streaming");
    await page.click("#slow");
    await page.waitForFunction(() => window.builderLog.cancelled === 1);
    await page.waitForSelector("#text:text-is('Väntar')");
    await page.click("#toggle");
    await page.waitForFunction(() => window.builderLog.cancelled === 2);
    assert.deepEqual(errors, []);
    assert.doesNotMatch(log(), /Error|wasm/i, "next start logged no server error");
  } finally {
    await stop(child);
  }
});

test("next dev (StrictMode's double effects): one read per response, no duplicate cards", async () => {
  const port = process.env.NEXT_PORTS.split(",")[1];
  const base = `http://127.0.0.1:${port}`;
  const { child } = await serve(bin("next"), ["dev", "--webpack", "-H", "127.0.0.1", "-p", port, app], NEXT_ENV, `${base}/api/slow`, 120);
  try {
    const { page, errors } = await streamTheSample(base);
    // Under StrictMode every effect ran twice; the response was still read once (a second
    // read would have found the body locked, and cancelled it on the way).
    assert.equal(await page.evaluate(() => window.builderLog.cancelled), 0);
    assert.equal(await page.evaluate(() => window.builderLog.fetches), 1);
    assert.equal(await page.locator("#error").count(), 0);
    assert.deepEqual(errors.filter((e) => !/Download the React DevTools/.test(e)), []);
  } finally {
    await stop(child);
  }
});
