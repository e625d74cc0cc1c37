// Shared by the contract tests: a recording fake upstream, the backend binary on a free port,
// and the comparison of our request with the official client's.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const root = new URL("../../", import.meta.url).pathname;

/**
 * A fake upstream: `route(method, path, body, url)` answers `[status, json]`, `["sse", text]`
 * or null (404). While `recording(fn)` runs, each request is recorded: method, path (with
 * `normalize` applied), sorted query names, content type, Accept, User-Agent, parsed body.
 */
export async function recordingFake(route, normalize = (p) => p) {
  let recorder = null;
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (d) => { text += d; });
    req.on("end", () => {
      const url = new URL(req.url, "http://fake");
      const type = (req.headers["content-type"] ?? "").split(";")[0].trim();
      // JSON, or a form (the OAuth code exchange) as an object of its fields.
      const body = !text ? null : type === "application/x-www-form-urlencoded" ? Object.fromEntries(new URLSearchParams(text)) : JSON.parse(text);
      recorder?.push({
        method: req.method, path: normalize(url.pathname), query: [...url.searchParams.keys()].sort(),
        contentType: (req.headers["content-type"] ?? "").split(";")[0].trim(), accept: req.headers.accept ?? "",
        userAgent: req.headers["user-agent"] ?? "", body,
      });
      const answer = route(req.method, url.pathname, body, url);
      if (!answer) return void res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "not_found", message: `no route ${req.method} ${url.pathname}` } }));
      const [status, value] = answer;
      if (status === "sse") return void res.writeHead(200, { "content-type": "text/event-stream" }).end(value);
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** Runs `fn` and returns the requests the fake received meanwhile. */
    async recording(fn) {
      recorder = [];
      try { await fn(); } finally { /* keep what arrived */ }
      const seen = recorder;
      recorder = null;
      return seen;
    },
    close: () => server.close(),
  };
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createNetServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** The backend binary (built by `npm test`) with `args` and `env`, serving; `--dev` for tokens. */
export async function startBackend(args, env) {
  const dataDir = mkdtempSync(join(tmpdir(), "sajtmaskin-contract-"));
  const base = `http://127.0.0.1:${await freePort()}`;
  let logs = "";
  const server = spawn(join(root, "target/debug/sajtmaskin-server"), ["--bind", base.slice(7), "--data-dir", dataDir, "--dev", ...args],
    { cwd: root, env: { ...process.env, ...env } });
  server.stdout.on("data", (d) => { logs += d; });
  server.stderr.on("data", (d) => { logs += d; });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${base}/api/health`)).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  const token = (await (await fetch(`${base}/api/dev/token`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json()).token;
  return {
    base,
    logs: () => logs,
    /** A call with the dev user's token. */
    api: (method, path, body) => fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined }),
    stop() { server.kill(); rmSync(dataDir, { recursive: true, force: true }); },
  };
}

/** The JSON shape of a value: field names and types, recursively (arrays by their items). */
export function shape(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return [...new Set(value.map((v) => JSON.stringify(shape(v))))].sort().map((s) => JSON.parse(s));
  if (typeof value === "object") return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape(value[k])]));
  return typeof value;
}

/** Shapes equal, an empty array matching any array (it says nothing of its items). */
function sameShape(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === 0 || b.length === 0 || JSON.stringify(a) === JSON.stringify(b);
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = Object.keys(a);
    return JSON.stringify(keys) === JSON.stringify(Object.keys(b)) && keys.every((k) => sameShape(a[k], b[k]));
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Our request must equal the official client's in everything the contract fixes. */
export function same(ours, official, what, { accept = false } = {}) {
  assert.ok(official, `${what}: the official client sent nothing`);
  assert.ok(ours, `${what}: the backend sent nothing`);
  assert.equal(ours.method, official.method, `${what}: method`);
  assert.equal(ours.path, official.path, `${what}: path`);
  assert.deepEqual(ours.query, official.query, `${what}: query parameters`);
  assert.equal(ours.contentType, official.contentType, `${what}: content type`);
  assert.ok(sameShape(shape(ours.body), shape(official.body)),
    `${what}: body fields and types: ours ${JSON.stringify(shape(ours.body))}, official ${JSON.stringify(shape(official.body))}`);
  if (accept) assert.equal(ours.accept, official.accept, `${what}: Accept`);
  assert.match(ours.userAgent, /^sajtmaskin-integrations\/\d+\.\d+\.\d+$/, `${what}: User-Agent names the package and version`);
}

/** Reads a streamed answer to its end. */
export const drain = async (response) => { if (response?.body) for await (const _ of response.body) { /* read to the end */ } };

/** Resumes a chat the backend started, once it has recorded it (as the stream passed). */
export async function resolveWhenRecorded(backend, projectId, chatId) {
  let resumed;
  for (let i = 0; i < 50; i++) {
    resumed = await backend.api("POST", `/api/projects/${projectId}/chat/resolve`, { chatId });
    if (resumed.status !== 404) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(resumed.status, 200, await resumed.clone().text());
  await drain(resumed);
}
