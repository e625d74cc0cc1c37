// End to end in headless Chromium: the backend on a free port with a temporary data dir, the
// demo page replays the Neon sample, the card appears, DATABASE_URL is set through the form,
// shows as set, still after a reload, and the API never returns the stored value.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createServer } from "node:net";
import { createServer as createHttpServer } from "node:http";
import { launchChromium } from "../js/chromium.mjs";

const root = new URL("../../", import.meta.url).pathname;
const SECRET = `postgres://guest:pw-${Date.now()}@ep-demo.eu-central-1.aws.neon.tech/guestbook`;
let server, browser, base, dataDir, logs = "";
// A server that accepts connections and never answers: requests to it stay pending, so the
// client's timeout and abort are tested without a race against a fast loopback answer. Under
// /odd/ it answers what no backend of ours sends (ODD_ANSWERS), for the client's handling of them.
let hanging, hangingUrl;
const ODD_ANSWERS = {
  "/odd/api/projects": [200, "this is not JSON"],
  "/odd/api/integrations/status": [502, "<html>bad gateway</html>"],
  "/odd/api/mcp/presets": [200, '{"other":[1]}'],
  "/odd/api/mcp/servers": [200, "5"],
  "/odd/api/integrations/marketplace/strategy": [200, '[1,"two"]'],
};
// A fake v0 Platform API (documented stream shapes) that records what it receives: a new chat
// streams the recorded Neon request (chat Q4czSoHSfNt), and resolving it streams a continuation.
let fakeV0, fakeV0Url;
const v0Calls = [];
const STARTED = readFileSync(join(root, "tests/fixtures/v0-streams/s02-v2-message-neon-guestbook.sse"));
const CHAT = "Q4czSoHSfNt";
const RESUMED = `data: {"object":"message","id":"m2","chatId":"${CHAT}","parts":[{"type":"text","text":"Klart, gästboken sparar nu i Neon."}],"finishReason":"stop"}\n\n`;
// A fake Vercel: the builder integration's install page (straight back to our callback), the
// OAuth token endpoint (each code once, every field checked), a project the user's token
// reaches, and its env after a Neon install.
let fakeVercel, fakeVercelUrl, publicUrl;
// The tests' MCP server, built with the official Rust SDK (server/examples/mcp_fixture.rs).
let mcpFixture, mcpUrl;
const vercelCalls = [];
const NEON_VALUE = "postgres://neon:npg_E2E_SECRET@ep-e2e.neon.tech/db";

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

before(async () => {
  hanging = createHttpServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (!path.startsWith("/odd/")) return;
    const cors = { "access-control-allow-origin": "*", "access-control-allow-headers": "authorization, content-type" };
    if (req.method === "OPTIONS") return void res.writeHead(204, cors).end();
    const [status, body] = ODD_ANSWERS[path] ?? [404, ""];
    res.writeHead(status, { ...cors, "content-type": "application/json" }).end(body);
  });
  await new Promise((r) => hanging.listen(0, "127.0.0.1", r));
  hangingUrl = `http://127.0.0.1:${hanging.address().port}`;
  fakeV0 = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (d) => { body += d; });
    req.on("end", () => {
      v0Calls.push({ method: req.method, path: req.url, auth: req.headers.authorization, body: JSON.parse(body || "null") });
      // mcpServers.create / update / delete: the project's endpoint registered with v0.
      if (req.url === "/api/v2/mcp-servers" || req.url === "/api/v2/mcp-servers/mcpE2E") {
        const sent = JSON.parse(body || "{}");
        const answer = req.method === "DELETE" ? { success: true }
          : { id: "mcpE2E", name: sent.name, url: sent.url, description: null, createdAt: "2026-12-07T10:00:00.000Z", updatedAt: "2026-12-07T10:00:00.000Z", userId: "u", enabled: true, auth: { type: "bearer" }, scope: "user" };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
        return;
      }
      // Every new chat gets an id of its own, as on v0.
      // Only v0 API v2's official routes (as the official client calls them); 404 otherwise.
      const answer = req.url === "/api/v2/chats/stream" ? STARTED.toString().replaceAll(CHAT, `${CHAT}${v0Calls.length}`)
        : /^\/api\/v2\/chats\/[A-Za-z0-9]+\/messages\/resolve\/stream$/.test(req.url) ? RESUMED : null;
      if (!answer) { res.writeHead(404).end(); return; }
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(answer);
    });
  });
  await new Promise((r) => fakeV0.listen(0, "127.0.0.1", r));
  fakeV0Url = `http://127.0.0.1:${fakeV0.address().port}/api/v2`;
  dataDir = mkdtempSync(join(tmpdir(), "sajtmaskin-e2e-"));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  publicUrl = base;
  const codes = new Set(["e2e-code"]);
  fakeVercel = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (d) => { body += d; });
    req.on("end", () => {
      const url = new URL(req.url, "http://fake");
      vercelCalls.push({ method: req.method, path: url.pathname, auth: req.headers.authorization ?? "" });
      const json = (status, value) => { res.writeHead(status, { "content-type": "application/json" }); res.end(JSON.stringify(value)); };
      if (url.pathname === "/integrations/sajtmaskin/new") {
        const back = `${publicUrl}/api/integrations/vercel/callback?code=e2e-code&configurationId=icfg_builder&state=${url.searchParams.get("state")}`;
        res.writeHead(302, { location: back }).end();
      } else if (url.pathname === "/v2/oauth/access_token") {
        const form = new URLSearchParams(body);
        const ok = form.get("client_id") === "cid" && form.get("client_secret") === "test_client_secret"
          && form.get("redirect_uri") === `${publicUrl}/api/integrations/vercel/callback` && codes.delete(form.get("code"));
        ok ? json(200, { token_type: "Bearer", access_token: "vercel-user-token-e2e", installation_id: "icfg_builder", user_id: "vuser_e2e", team_id: null })
          : json(400, { error: "invalid_grant" });
      } else if (url.pathname === "/v9/projects/prj_user" && req.headers.authorization === "Bearer vercel-user-token-e2e") {
        json(200, { id: "prj_user", name: "gastbok" });
      } else if (url.pathname === "/v10/projects/prj_user/env" && req.headers.authorization === "Bearer vercel-user-token-e2e") {
        json(200, { envs: [
          { id: "env_db", key: "DATABASE_URL", value: NEON_VALUE, type: "encrypted", decrypted: true, target: ["production", "preview"], configurationId: "icfg_neon", contentHint: { type: "postgres-url" } },
          { id: "env_host", key: "PGHOST", value: "ep-e2e.neon.tech", type: "encrypted", decrypted: true, target: ["production"], configurationId: "icfg_neon", contentHint: { type: "postgres-host" } },
        ] });
      } else {
        json(404, { error: { code: "not_found" } });
      }
    });
  });
  await new Promise((r) => fakeVercel.listen(0, "127.0.0.1", r));
  fakeVercelUrl = `http://127.0.0.1:${fakeVercel.address().port}`;
  mcpFixture = spawn(join(root, "target/debug/examples/mcp_fixture"), [], { cwd: root });
  mcpUrl = await new Promise((resolve, reject) => {
    let out = "";
    mcpFixture.stdout.on("data", (d) => { out += d; if (out.includes("\n")) resolve(out.split("\n")[0].trim()); });
    mcpFixture.on("exit", (code) => reject(new Error(`mcp_fixture exited with ${code}`)));
  });
  const binary = join(root, "target/debug/sajtmaskin-server");
  server = spawn(binary, ["--bind", `127.0.0.1:${port}`, "--data-dir", dataDir, "--dev", "--v0-api-url", fakeV0Url,
    "--vercel-client-id", "cid", "--vercel-integration-slug", "sajtmaskin", "--public-url", publicUrl,
    "--vercel-oauth-url", fakeVercelUrl, "--vercel-api-url", fakeVercelUrl, "--mcp-allow-loopback"],
    { cwd: root, env: { ...process.env, RUST_LOG: "debug", V0_API_KEY: "platform-v0-key-e2e", VERCEL_CLIENT_SECRET: "test_client_secret" } });
  server.stdout.on("data", (d) => { logs += d; });
  server.stderr.on("data", (d) => { logs += d; });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/api/health`)).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await launchChromium();
});

after(async () => {
  hanging?.closeAllConnections();
  hanging?.close();
  fakeV0?.close();
  fakeVercel?.close();
  await browser?.close();
  server?.kill();
  mcpFixture?.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

const NEON = '[data-card-id="integration:neon"]';

test("replay a Neon request, set DATABASE_URL, see it set after a reload, never see it again", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${base}/?stream=s02-v2-message-neon-guestbook.sse`);
  await page.waitForSelector(NEON, { timeout: 30_000 });
  await page.waitForSelector('body[data-progress="done"]', { timeout: 30_000 });
  assert.equal(await page.locator(`${NEON} .sm-card-title`).textContent(), "Neon");
  assert.equal(await page.locator(`${NEON} li[data-key="DATABASE_URL"]`).getAttribute("data-set"), "false");
  assert.match(await page.locator("#text").textContent(), /Connect Neon when the prompt appears/);

  await page.click(`${NEON} button[data-action="set_env_vars"]`);
  await page.waitForSelector("#env-dialog[open]");
  await page.fill('#env-fields input[data-key="DATABASE_URL"]', SECRET);
  await page.click("#env-save");
  await page.waitForSelector(`${NEON} li[data-key="DATABASE_URL"][data-set="true"]`, { timeout: 10_000 });
  assert.equal(await page.locator("#env-dialog[open]").count(), 0, "the form closed");
  // Under target/ (git-ignored), so a test run leaves the tree clean; `npm run screenshot`
  // points DEMO_SCREENSHOT at docs/demo.png to refresh the README picture on purpose.
  const shot = process.env.DEMO_SCREENSHOT ?? join(root, "target/e2e/demo.png");
  mkdirSync(dirname(shot), { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });

  await page.reload();
  await page.waitForSelector('body[data-progress="done"]', { timeout: 30_000 });
  await page.waitForSelector(`${NEON} li[data-key="DATABASE_URL"][data-set="true"]`, { timeout: 10_000 });

  // The value is nowhere on the page, not even in the (re-opened) form.
  await page.click(`${NEON} button[data-action="set_env_vars"]`);
  await page.waitForSelector("#env-dialog[open]");
  assert.equal(await page.inputValue('#env-fields input[data-key="DATABASE_URL"]'), "");
  const html = await page.content();
  assert.ok(!html.includes(SECRET) && !html.includes("pw-"), "the secret is not in the DOM");
  assert.deepEqual(pageErrors, []);

  // Over the API: stored as sensitive, value null.
  const { token } = await (await fetch(`${base}/api/dev/token`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json();
  const auth = { authorization: `Bearer ${token}` };
  const { projects } = await (await fetch(`${base}/api/projects`, { headers: auth })).json();
  assert.equal(projects.length, 1);
  const list = await (await fetch(`${base}/api/v0/projects/${projects[0].id}/env-vars`, { headers: auth })).json();
  const stored = list.envVars.find((v) => v.key === "DATABASE_URL");
  assert.equal(stored.sensitive, true);
  assert.equal(stored.value, null);
  assert.ok(!JSON.stringify(list).includes(SECRET));
  assert.ok(!logs.includes(SECRET) && !logs.includes("pw-"), "the server logs do not hold the secret");
});

test("the page works under its CSP, and no page of the server can be framed", async () => {
  const response = await fetch(`${base}/`);
  const csp = response.headers.get("content-security-policy") ?? "";
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(response.headers.get("x-frame-options"), "DENY");
  assert.equal(response.headers.get("referrer-policy"), "no-referrer");
  const api = await fetch(`${base}/api/dev/token`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  assert.equal(api.headers.get("x-frame-options"), "DENY", "the dev token route too");

  // The whole demo flow under the policy: nothing refused.
  const page = await browser.newPage();
  const refused = [];
  page.on("console", (m) => { if (/Content Security Policy|Refused to/.test(m.text())) refused.push(m.text()); });
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${base}/?stream=s02-v2-message-neon-guestbook.sse`);
  await page.waitForSelector(NEON, { timeout: 30_000 });
  await page.waitForSelector('body[data-progress="done"]', { timeout: 30_000 });
  await page.click(`${NEON} button[data-action="set_env_vars"]`);
  await page.waitForSelector("#env-dialog[open]");
  assert.deepEqual(refused, []);
  assert.deepEqual(pageErrors, []);

  // Framed by another page: Chromium refuses to show it.
  const framer = await browser.newPage();
  const framing = [];
  framer.on("console", (m) => { if (/frame-ancestors|X-Frame-Options/.test(m.text())) framing.push(m.text()); });
  await framer.setContent(`<iframe src="${base}/"></iframe>`);
  for (let i = 0; i < 50 && framing.length === 0; i++) await framer.waitForTimeout(100);
  assert.ok(framing.length > 0, "the page was framed without a refusal");
  const framed = framer.frames().find((f) => f !== framer.mainFrame());
  assert.ok(!framed || !(await framed.evaluate(() => document.body?.dataset.ready).catch(() => undefined)), "the framed page did not run");
});

test("cards for a connector and an MCP preset render, and action links are safe", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/?stream=s03-v2-message-linear-connect-resume.sse`);
  await page.waitForSelector('[data-card-id="connector:linear"][data-status="completed"]', { timeout: 30_000 });
  await page.goto(`${base}/?stream=s04-v2-chat-sentry-mcp.sse`);
  await page.waitForSelector('[data-card-id="mcp:sentry"]', { timeout: 30_000 });
  // The links are checked where they are: the Clerk card (whose keys the demo project does not
  // have) has an install link to the Marketplace, and an open-chat link to v0.
  await page.goto(`${base}/?stream=s07-v1-clerk-install-task.sse`);
  await page.waitForSelector('body[data-progress="done"]', { timeout: 30_000 });
  const links = await page.locator("#cards a").evaluateAll((all) => all.map((a) => ({
    href: a.getAttribute("href"), rel: a.getAttribute("rel"), target: a.getAttribute("target"), action: a.dataset.action ?? null,
  })));
  assert.deepEqual(links.map((l) => [l.action, new URL(l.href).host]), [["install", "vercel.com"], ["open_chat", "v0.app"]], JSON.stringify(links));
  for (const link of links) {
    assert.match(link.href, /^https:\/\/(v0\.app|([a-z0-9-]+\.)*vercel\.com)\//);
    assert.equal(link.rel, "noopener noreferrer");
  }
});

test("the server started as `npm start` starts it offers every in-tree sample", async () => {
  // The server above runs from the repository root with no --fixtures-dir, as scripts/start.sh
  // runs it, so its list is the default folder's.
  const onDisk = readdirSync(join(root, "tests/fixtures/v0-streams")).filter((n) => n.endsWith(".sse")).sort();
  assert.ok(onDisk.length >= 10, `${onDisk.length} samples in the tree`);
  const { streams } = await (await fetch(`${base}/api/demo/streams`)).json();
  assert.deepEqual([...streams].sort(), onDisk);
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  const options = await page.locator("#stream option").evaluateAll((all) => all.map((o) => o.value).filter(Boolean));
  assert.deepEqual([...options].sort(), onDisk);
});

test("BackendClient in the browser: typed results, coded errors with status, timeout and abort", async () => {
  // This test points the client at other origins (a server that never answers, odd answers),
  // which the demo page's own CSP (connect-src 'self') rightly refuses: it runs without it.
  const page = await browser.newPage({ bypassCSP: true });
  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  const result = await page.evaluate(async (hangingUrl) => {
    const { BackendClient } = await import("/pkg/sajtmaskin_integrations.js");
    const { token } = await (await fetch("/api/dev/token", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json();
    const out = {};
    const catchErr = async (p) => { try { await p; return null; } catch (e) { return { code: e.code, status: e.status ?? null, isError: e instanceof Error }; } };
    const client = new BackendClient({ token: async () => token, timeoutMs: 5000 });
    const project = await client.createProject({ name: "client test" });
    out.projects = (await client.listProjects()).map((p) => p.id).includes(project.id);
    const created = await client.upsertEnvVars(project.id, [{ key: "API_TOKEN", value: "tok-123", sensitive: true }, { key: "SITE_NAME", value: "Krukan" }]);
    out.created = created.map((v) => [v.key, v.value]);
    const updated = await client.updateEnvVars(project.id, [{ id: created[1].id, value: "Krukan 2" }]);
    out.updated = updated[0].value;
    out.deleted = (await client.deleteEnvVars(project.id, { keys: ["SITE_NAME"] })).map((v) => v.key);
    out.listed = (await client.listEnvVars(project.id)).map((v) => [v.key, v.value]);
    out.start = (await client.startMarketplaceInstall("neon", project.id)).installUrl;
    out.records = (await client.marketplaceRecords(project.id)).length;
    out.presets = (await client.mcpPresets()).map((p) => p.id).includes("linear");
    out.status = (await client.status()).integrations.length;
    out.strategy = (await client.marketplaceStrategy()).strategy;
    out.notFound = await catchErr(client.listEnvVars("prj_missing"));
    out.badKey = await catchErr(client.upsertEnvVars(project.id, [{ key: "1BAD", value: "x" }]));
    out.noToken = await catchErr(new BackendClient().listProjects());
    out.badToken = await catchErr(new BackendClient({ token: "nope" }).listProjects());
    const slow = new BackendClient({ baseUrl: hangingUrl, token, timeoutMs: 300 });
    out.timeout = await catchErr(slow.createProject({ name: "x" }));
    const controller = new AbortController();
    const pending = new BackendClient({ baseUrl: hangingUrl, token, timeoutMs: 60_000 }).listProjects(controller.signal);
    setTimeout(() => controller.abort(), 100);
    out.aborted = await catchErr(pending);
    const early = new AbortController();
    early.abort();
    out.abortedBefore = await catchErr(client.listProjects(early.signal));
    const tokenFrom = async (callback) => {
      try { await new BackendClient({ token: callback }).listProjects(); return null; } catch (e) { return [e.code, e.message]; }
    };
    // A token promise that never settles: cut off by the timeout and by the caller's signal
    // ("hung" if the request is still pending after 5 s).
    const settles = (p) => Promise.race([catchErr(p), new Promise((r) => setTimeout(() => r("hung"), 5000))]);
    const never = () => new Promise(() => {});
    // The signal aborts while the request waits for the token (not before it starts, which
    // is refused up front).
    const abortedWaiting = () => {
      const stop = new AbortController();
      const pending = new BackendClient({ token: never }).listProjects(stop.signal);
      setTimeout(() => stop.abort(), 100);
      return pending;
    };
    out.tokenNever = {
      timeout: await settles(new BackendClient({ token: never, timeoutMs: 300 }).listProjects()),
      aborted: await settles(abortedWaiting()),
    };
    out.tokens = {
      notString: await tokenFrom(() => 42),
      throws: await tokenFrom(() => { throw new Error("vault locked"); }),
      rejects: await tokenFrom(async () => { throw new Error("vault locked"); }),
    };
    const odd = new BackendClient({ baseUrl: `${hangingUrl}/odd`, token });
    out.odd = {
      notJson: await catchErr(odd.listProjects()),
      notErrorShape: await catchErr(odd.status()),
      fieldMissing: await odd.mcpPresets(),
      notAnObject: await odd.listMcpServers(),
      whole: await odd.marketplaceStrategy(),
    };
    out.badOptions = await catchErr(Promise.resolve().then(() => new BackendClient({ timeoutMs: -1 })));
    out.vercel = (await client.vercelConnection()).connected;
    out.connectUrl = (await client.connectVercel()).url;
    out.syncUnlinked = await catchErr(client.syncIntegration(project.id, "neon"));
    out.mcpBadTool = await catchErr(client.callMcpTool("mcp_x", "../../api/projects"));
    out.mcpBadShape = await catchErr(client.createMcpServer({ name: "x", url: "https://a.example/mcp", bogus: 1 }));
    out.mcpPrivate = await catchErr(client.createMcpServer({ name: "meta", url: "https://169.254.169.254/latest" }));
    const added = await client.createMcpServer({ name: "typed", url: "https://mcp.example.com/mcp", authKind: "bearer", bearerToken: "bt-secret-e2e" });
    out.mcpSecrets = [added.secrets.bearer, JSON.stringify(added).includes("bt-secret-e2e")];
    out.mcpDeleted = (await client.deleteMcpServer(added.id)).deleted === added.id;
    const minted = await client.mintMcpToken(project.id);
    out.mcpToken = Object.keys(minted).sort();
    // Secrets pass through wasm memory only while a request is built (bodies are wiped) and
    // answers never enter it: none of them is left in the module's memory afterwards.
    const { memory } = await (await import("/pkg/sajtmaskin_integrations.js")).default();
    const heap = new Uint8Array(memory.buffer);
    const inHeap = (text) => {
      const needle = new TextEncoder().encode(text);
      outer: for (let at = heap.indexOf(needle[0]); at >= 0; at = heap.indexOf(needle[0], at + 1)) {
        for (let i = 1; i < needle.length; i++) if (heap[at + i] !== needle[i]) continue outer;
        return true;
      }
      return false;
    };
    out.inWasmMemory = { minted: inHeap(minted.token), sent: inHeap("tok-123"), bearer: inHeap("bt-secret-e2e"), control: inHeap(project.id) };
    out.mcpRevoked = (await client.revokeMcpToken(project.id)).revoked;
    return out;
  }, hangingUrl);
  assert.equal(result.projects, true);
  assert.deepEqual(result.created, [["API_TOKEN", null], ["SITE_NAME", "Krukan"]]);
  assert.equal(result.updated, "Krukan 2");
  assert.deepEqual(result.deleted, ["SITE_NAME"]);
  assert.deepEqual(result.listed, [["API_TOKEN", null]]);
  assert.equal(result.start, "https://vercel.com/marketplace/neon");
  assert.equal(result.records, 1);
  assert.equal(result.presets, true);
  assert.deepEqual(result.mcpBadTool, { code: "invalid_argument", status: null, isError: true }, "checked before it reaches a URL");
  assert.deepEqual(result.mcpBadShape, { code: "invalid_argument", status: null, isError: true });
  assert.deepEqual(result.mcpPrivate, { code: "egress_refused", status: 422, isError: true });
  assert.deepEqual(result.mcpSecrets, [true, false]);
  assert.equal(result.mcpDeleted, true);
  assert.deepEqual(result.mcpToken, ["token", "url", "v0McpServerId"]);
  assert.deepEqual(result.inWasmMemory, { minted: false, sent: false, bearer: false, control: true },
    "no secret is left in wasm memory (the control, the project id in the paths built in wasm, shows the scan finds text)");
  assert.equal(result.mcpRevoked, true);
  assert.equal(result.status, 1);
  assert.equal(result.strategy, "vercel-marketplace");
  assert.deepEqual(result.notFound, { code: "not_found", status: 404, isError: true });
  assert.deepEqual(result.badKey, { code: "invalid_key", status: null, isError: true }, "validated before sending");
  assert.deepEqual(result.noToken, { code: "unauthorized", status: 401, isError: true });
  assert.deepEqual(result.badToken, { code: "token_invalid", status: 401, isError: true }, "a token that does not verify has its own code");
  assert.equal(result.timeout?.code, "timeout");
  assert.equal(result.aborted?.code, "aborted");
  assert.equal(result.abortedBefore?.code, "aborted");
  assert.equal(result.badOptions?.code, "invalid_options");
  assert.deepEqual(result.tokenNever, {
    timeout: { code: "timeout", status: null, isError: true },
    aborted: { code: "aborted", status: null, isError: true },
  }, "a token promise that never settles does not hold the request past its timeout or signal");
  assert.deepEqual(result.tokens, {
    notString: ["invalid_token", "the token callback must return a string"],
    throws: ["invalid_token", "the token callback failed: vault locked"],
    rejects: ["invalid_token", "the token callback failed: vault locked"],
  }, "a token callback that fails is the documented invalid_token error, not a network error");
  assert.deepEqual(result.odd, {
    notJson: { code: "invalid_response", status: 200, isError: true },
    notErrorShape: { code: "http_error", status: 502, isError: true },
    fieldMissing: [],
    notAnObject: [],
    whole: [1, "two"],
  }, "answers no backend of ours sends: coded errors, and a list read from a missing field is empty");
  assert.equal(result.vercel, false);
  assert.match(result.connectUrl, /\/integrations\/sajtmaskin\/new\?state=[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(result.syncUnlinked, { code: "project_not_linked", status: 422, isError: true });
});

test("every in-tree sample (whatever the set) through the release package in Chromium", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  const failures = await page.evaluate(async () => {
    const { StreamSession } = await import("/pkg/sajtmaskin_integrations.js");
    const { streams } = await (await fetch("/api/demo/streams")).json();
    // Object keys may come in another order (the state's maps are sorted); compare canonically.
    const canon = (v) => JSON.stringify(v, (_, x) => (x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));
    const problems = [];
    for (const name of streams) {
      const bytes = new Uint8Array(await (await fetch(`/fixtures/${name}`)).arrayBuffer());
      const expected = await (await fetch(`/fixtures/${name.replace(/\.sse$/, ".expected.json")}`)).json();
      for (const size of [bytes.length, 1, 37]) {
        const session = new StreamSession();
        for (let at = 0; at < bytes.length; at += size) session.feed(bytes.subarray(at, at + size));
        session.finish();
        const s = session.snapshot();
        const v1 = s.format === "v0-v1";
        const got = { format: s.format, chatId: s.chatId, projectId: s.projectId, title: s.title, text: s.text, thinking: s.thinking,
                      done: s.done, error: s.error, finalParts: v1 ? null : s.parts, finalContent: v1 ? s.content : null };
        for (const key of Object.keys(got)) {
          if (canon(got[key]) !== canon(expected[key])) problems.push(`${name} @${size}: ${key}`);
        }
        const cards = session.cards().map((c) => [c.provider, c.kind, c.status.code, c.envVars.map((e) => e.key)]);
        const want = expected.integrations.map((i) => [i.provider, i.kind, i.status, i.envVars]);
        const ok = cards.length === want.length && cards.every((c, i) => c[0] === want[i][0] && c[1] === want[i][1] && c[2] === want[i][2]
          && JSON.stringify(c[3].slice(0, want[i][3].length)) === JSON.stringify(want[i][3]));
        if (!ok) problems.push(`${name} @${size}: integrations ${JSON.stringify(cards)}`);
      }
    }
    return { problems, count: streams.length };
  });
  assert.ok(failures.count >= 10, `found ${failures.count} samples`);
  assert.deepEqual(failures.problems, []);
});

test("switching to English translates the page and the cards", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/?stream=s04-v2-chat-sentry-mcp.sse`);
  await page.waitForSelector('[data-card-id="mcp:sentry"]', { timeout: 30_000 });
  assert.equal(await page.locator("#int-h").textContent(), "Integrationer");
  assert.equal(await page.locator('[data-card-id="mcp:sentry"] .sm-card-status').textContent(), "Begärd");
  await page.selectOption("#locale", "en");
  await page.waitForFunction(() => document.querySelector('[data-card-id="mcp:sentry"] .sm-card-status')?.textContent === "Requested", null, { timeout: 30_000 });
  assert.equal(await page.locator("#int-h").textContent(), "Integrations");
  assert.equal(await page.locator("#play").textContent(), "Replay");
  assert.equal(await page.locator('[data-card-id="mcp:sentry"] .sm-card-title').textContent(), "Sentry MCP");
  assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
  await page.evaluate(() => localStorage.removeItem("sm-locale"));
});

test("a project chat streams through BackendClient into StreamSession and resumes after the install", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  const result = await page.evaluate(async () => {
    const { BackendClient, StreamSession } = await import("/pkg/sajtmaskin_integrations.js");
    const { token } = await (await fetch("/api/dev/token", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json();
    const client = new BackendClient({ token });
    const project = await client.createProject({ name: "chat test" });
    const started = new StreamSession();
    const first = await started.consume((await client.startChat(project.id, "Bygg en gästbok")).body, () => {});
    // The backend records the chat as it streams; give its write a moment.
    await new Promise((r) => setTimeout(r, 200));
    const resumed = new StreamSession();
    const second = await resumed.consume((await client.resolveChat(project.id, first.chatId)).body, () => {});
    let unknown = null;
    try { await client.resolveChat(project.id, "chat_other"); } catch (e) { unknown = { code: e.code, status: e.status }; }
    return { chatId: first.chatId, text: second.text, done: second.done, unknown };
  });
  assert.ok(result.chatId.startsWith(CHAT), result.chatId);
  assert.equal(result.text, "Klart, gästboken sparar nu i Neon.");
  assert.equal(result.done, true);
  assert.deepEqual(result.unknown, { code: "not_found", status: 404 });
  const resolve = v0Calls.find((c) => c.path.endsWith("/resolve/stream"));
  assert.equal(resolve.auth, "Bearer platform-v0-key-e2e");
  assert.equal(resolve.body.task.type, "confirmed-steps");
  assert.ok(!logs.includes("platform-v0-key-e2e"), "the key is not logged");
});

test("the whole loop in the demo: connect Vercel, link, generate, install, sync, connected, resume; the env-vars panel", async () => {
  const context = await browser.newContext();
  // Install links open the real Marketplace in a new tab: not reachable here, and not needed.
  await context.route("https://vercel.com/**", (route) => route.abort());
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });

  // The env-vars panel: an earlier test set DATABASE_URL (sensitive: its value is never shown);
  // delete it so the Neon request starts from scratch.
  const dbRow = page.locator('#env-list li[data-key="DATABASE_URL"]');
  if (await dbRow.count()) {
    assert.equal(await dbRow.getAttribute("data-sensitive"), "true");
    assert.equal(await dbRow.locator(".value").textContent(), "dold (känslig)");
    await dbRow.locator('button[data-op="delete"]').click();
    await page.waitForSelector('#env-list li[data-key="DATABASE_URL"]', { state: "detached", timeout: 10_000 });
  }

  // Connect Vercel: out to the (fake) install page and back through the callback.
  assert.equal(await page.locator("#vercel-state").getAttribute("data-state"), "disconnected");
  await page.click("#vercel-connect");
  await page.waitForURL(/\?vercel=connected$/, { timeout: 15_000 });
  await page.waitForSelector('#vercel-state[data-state="connected"]', { timeout: 15_000 });
  assert.match(await page.locator("#vercel-state").textContent(), /icfg_builder/);
  await page.fill("#vercel-project", "prj_user");
  await page.click('#vercel-link button[type="submit"]');
  await page.waitForFunction(() => document.querySelector("#vercel-linked")?.textContent.includes("prj_user"), null, { timeout: 10_000 });

  // Generate: v0 asks for Neon.
  await page.fill("#prompt", "Bygg en gästbok");
  await page.click("#generate");
  await page.waitForSelector('body[data-progress="done"]', { timeout: 30_000 });
  const NEON = '[data-card-id="integration:neon"]';
  await page.waitForSelector(`${NEON}[data-status="requested"]`, { timeout: 10_000 });

  // Install (the Marketplace tab is blocked here), the card is installing; sync, it is connected.
  await page.click(`${NEON} a[data-action="install"]`);
  await page.waitForSelector(`${NEON}[data-status="installing"]`, { timeout: 10_000 });
  assert.equal(await page.locator(`${NEON} .sm-card-status`).textContent(), "Installeras");
  await page.click("#vercel-sync");
  await page.waitForSelector(`${NEON}[data-status="connected"]`, { timeout: 10_000 });
  assert.equal(await page.locator(`${NEON} .sm-card-status`).textContent(), "Ansluten");
  assert.equal(await page.locator(`${NEON} li[data-key="DATABASE_URL"]`).getAttribute("data-set"), "true");
  // The install's keys arrived in the project, as sensitive: names only on the page.
  await page.waitForSelector('#env-list li[data-key="DATABASE_URL"][data-sensitive="true"]', { timeout: 10_000 });
  await page.waitForSelector('#env-list li[data-key="PGHOST"]', { timeout: 10_000 });

  // Resume: v0 is told Neon is connected and the generation continues.
  await page.click(`${NEON} button[data-action="resume"]`);
  await page.waitForFunction(() => document.querySelector("#text")?.textContent.includes("gästboken sparar nu i Neon"), null, { timeout: 15_000 })
    .catch(async (e) => { throw new Error(`${e.message}; error: ${await page.locator("#error").textContent()}; text: ${await page.locator("#text").textContent()}; toast: ${await page.locator("#toast").textContent()}`); });
  const resolve = v0Calls.filter((c) => c.path.endsWith("/resolve/stream")).at(-1);
  assert.deepEqual(resolve.body.task.connectedIntegrationNames, ["Neon"]);
  assert.ok(resolve.body.task.addedEnvVars.includes("DATABASE_URL"));
  assert.equal(await page.locator(`article${NEON}`).getAttribute("data-status"), "connected", "the card stays connected");

  // The panel: add a public var, change it, delete it.
  await page.fill("#env-add-key", "NEXT_PUBLIC_SITE_NAME");
  await page.fill("#env-add-value", "Gästboken");
  await page.uncheck("#env-add-sensitive");
  await page.click('#env-add button[type="submit"]');
  const site = page.locator('#env-list li[data-key="NEXT_PUBLIC_SITE_NAME"]');
  await site.waitFor({ timeout: 10_000 });
  assert.equal(await site.locator(".value").textContent(), "Gästboken");
  await site.locator("input").fill("Gästboken 2");
  await site.locator('button[data-op="update"]').click();
  await page.waitForFunction(() => document.querySelector('#env-list li[data-key="NEXT_PUBLIC_SITE_NAME"] .value')?.textContent === "Gästboken 2", null, { timeout: 10_000 });
  await site.locator('button[data-op="delete"]').click();
  await site.waitFor({ state: "detached", timeout: 10_000 });

  const html = await page.content();
  assert.ok(!html.includes("npg_E2E_SECRET") && !html.includes("vercel-user-token"), "no secret on the page");
  assert.ok(!logs.includes("npg_E2E_SECRET") && !logs.includes("vercel-user-token") && !logs.includes("test_client_secret"), "nor in the server logs");
  assert.ok(vercelCalls.filter((c) => c.path.startsWith("/v")).every((c) => c.path === "/v2/oauth/access_token" ? c.auth === "" : c.auth === "Bearer vercel-user-token-e2e"),
    "every call on the user's Vercel projects uses the user's own token");
  assert.deepEqual(pageErrors, []);
  await context.close();
});

test("the MCP panel: the card opens it pre-filled, a server is added, tested, its tools listed, one switched off; the card shows connected", async () => {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${base}/?stream=s04-v2-chat-sentry-mcp.sse`);
  const card = '[data-card-id="mcp:sentry"]';
  await page.waitForSelector(card, { timeout: 30_000 });
  await page.waitForSelector('body[data-progress="done"]', { timeout: 30_000 });
  assert.notEqual(await page.getAttribute(card, "data-status"), "connected");
  await page.click(`${card} [data-action="connect_mcp"]`);
  assert.equal(await page.inputValue("#mcp-preset"), "sentry");
  assert.equal(await page.inputValue("#mcp-name"), "sentry");
  assert.equal(await page.inputValue("#mcp-url"), "https://mcp.sentry.dev/mcp");
  assert.equal(await page.inputValue("#mcp-auth"), "oauth");
  // Pointed at the local test server, which needs no auth.
  await page.fill("#mcp-url", mcpUrl);
  await page.selectOption("#mcp-auth", "none");
  await page.click('#mcp-add button[type="submit"]');
  const row = '#mcp-list li[data-name="sentry"]';
  await page.waitForSelector(row, { timeout: 15_000 });
  await page.click(`${row} [data-op="test"]`);
  await page.waitForSelector('#mcp-result[data-state="ok"]', { timeout: 15_000 });
  assert.match(await page.textContent("#mcp-result"), /test-mcp.*4/);
  await page.click(`${row} [data-op="tools"]`);
  await page.waitForSelector('#mcp-tools li[data-tool="fail"][data-allowed="true"]', { timeout: 15_000 });
  assert.deepEqual(await page.locator("#mcp-tools li").evaluateAll((all) => all.map((li) => li.dataset.tool)), ["echo", "fail", "slow", "big"]);
  await page.uncheck('#mcp-tools li[data-tool="fail"] input');
  await page.waitForSelector('#mcp-tools li[data-tool="fail"][data-allowed="false"]', { timeout: 15_000 });
  // The card shows connected: an enabled server of its preset exists.
  await page.waitForSelector(`${card}[data-status="connected"]`, { timeout: 15_000 });
  assert.equal(await page.locator(`${card} [data-action="connect_mcp"]`).count(), 0);
  // The backend holds the allow-list.
  const { token } = await (await fetch(`${base}/api/dev/token`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json();
  const { servers } = await (await fetch(`${base}/api/mcp/servers`, { headers: { authorization: `Bearer ${token}` } })).json();
  const sentry = servers.find((s) => s.name === "sentry");
  assert.deepEqual(sentry.allowedTools, ["echo", "slow", "big"]);
  assert.equal(sentry.preset, "sentry");
  // v0 gets the project's endpoint: a token shown once, registered with v0; then revoked.
  await page.click("#mcp-v0-connect");
  await page.waitForSelector('#mcp-v0-token[data-state="minted"]', { timeout: 15_000 });
  const shown = await page.textContent("#mcp-v0-token");
  const minted = shown.match(/smcp_[A-Za-z0-9_-]+/)?.[0];
  assert.ok(minted, shown);
  assert.match(shown, /registrerad hos v0|registered with v0/);
  const registration = v0Calls.filter((c) => c.path === "/api/v2/mcp-servers").at(-1);
  assert.equal(registration.body.auth.token, minted);
  assert.match(registration.body.url, /\/mcp\/[A-Za-z0-9_-]+$/);
  await page.click("#mcp-v0-revoke");
  await page.waitForSelector('#mcp-v0-token[data-state="revoked"]', { timeout: 15_000 });
  assert.ok(v0Calls.some((c) => c.method === "DELETE" && c.path === "/api/v2/mcp-servers/mcpE2E"), "removed at v0");
  assert.ok(!logs.includes(minted), "the token is not logged");
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test("a card's keys checked for real: a wrong DATABASE_URL is an invalid key, the right one verified", async (t) => {
  // scripts/postgres.sh (npm test) makes a role that needs its password.
  const right = process.env.TEST_POSTGRES_CHECK_URL;
  if (!right) return t.skip("no TEST_POSTGRES_CHECK_URL (PostgreSQL is not running here)");
  const wrong = right.replace(":pg-right-pw-0123@", ":pg-wrong-pw-4567@");
  const page = await browser.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${base}/?stream=s02-v2-message-neon-guestbook.sse`);
  await page.waitForSelector('body[data-progress="done"]', { timeout: 30_000 });
  const save = async (value) => {
    await page.click(`${NEON} button[data-action="set_env_vars"]`);
    await page.waitForSelector("#env-dialog[open]");
    await page.fill('#env-fields input[data-key="DATABASE_URL"]', value);
    await page.click("#env-save");
    await page.waitForSelector("#env-dialog[open]", { state: "detached" });
  };
  await save(wrong);
  // A key change forgets the earlier check: no outcome until it is checked again.
  await page.waitForSelector(`${NEON} .sm-card-verification`, { state: "detached" });
  await page.click(`${NEON} button[data-action="verify"]`);
  await page.waitForSelector(`${NEON} .sm-card-verification[data-verification="invalid"]`, { timeout: 20_000 });
  assert.equal(await page.locator(`${NEON} .sm-card-verification`).textContent(), "Ogiltig nyckel");
  await save(right);
  await page.waitForSelector(`${NEON} .sm-card-verification`, { state: "detached" });
  await page.click(`${NEON} button[data-action="verify"]`);
  await page.waitForSelector(`${NEON} .sm-card-verification[data-verification="verified"]`, { timeout: 20_000 });
  assert.equal(await page.locator(`${NEON} .sm-card-verification`).textContent(), "Verifierad");
  // In English, and still there after a reload (the backend keeps the last check).
  await page.selectOption("#locale", "en");
  await page.waitForSelector(`${NEON} .sm-card-verification:text-is("Verified")`, { timeout: 30_000 });
  await page.reload();
  await page.waitForSelector('body[data-progress="done"]', { timeout: 30_000 });
  await page.waitForSelector(`${NEON} .sm-card-verification[data-verification="verified"]`);
  const html = await page.content();
  assert.ok(!html.includes("pg-right-pw") && !html.includes("pg-wrong-pw"), "no password in the DOM");
  assert.ok(!logs.includes("pg-right-pw") && !logs.includes("pg-wrong-pw"), "no password in the server's logs");
  assert.deepEqual(pageErrors, []);
  await page.evaluate(() => localStorage.removeItem("sm-locale"));
});

test("the module is served as application/wasm, precompressed (brotli, else gzip) when accepted", async () => {
  const file = readFileSync(join(root, "pkg-web/sajtmaskin_integrations_bg.wasm"));
  for (const [accept, encoding] of [["br, gzip", "br"], ["gzip", "gzip"], ["identity", null]]) {
    const response = await fetch(`${base}/pkg/sajtmaskin_integrations_bg.wasm`, { headers: { "accept-encoding": accept } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/wasm");
    assert.equal(response.headers.get("content-encoding"), encoding, accept);
    // fetch decodes it: the same module either way.
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(file), accept);
  }
});
