// The release build in pkg/ (what npm users get) loads and parses, outside the browser too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";

const pkgDir = new URL("../../pkg-web/", import.meta.url);
const npmDir = new URL("../../pkg/", import.meta.url);
const fixtures = new URL("../fixtures/v0-streams/", import.meta.url);
const mod = await import(new URL("sajtmaskin_integrations.js", pkgDir));
mod.initSync({ module: readFileSync(new URL("sajtmaskin_integrations_bg.wasm", pkgDir)) });

test("package.json carries the npm name and the entry points", () => {
  const pkg = JSON.parse(readFileSync(new URL("package.json", npmDir), "utf8"));
  assert.equal(pkg.name, "@sajtmaskin/integrations");
  // Every listed file exists; a listed folder (the inline JS snippets) is not empty.
  for (const file of pkg.files) {
    if (file.endsWith("/")) assert.ok(readdirSync(new URL(file, npmDir), { recursive: true }).length > 0, file);
    else readFileSync(new URL(file, npmDir));
  }
  assert.ok(pkg.files.includes(pkg.types));
  assert.ok(pkg.files.includes("snippets/"), "SseParser's inline JS ships with the package");
  // The React bindings are a subpath with their own types; React is an optional peer.
  assert.deepEqual(pkg.exports["./react"], { types: "./react.d.ts", default: "./react.js" });
  assert.ok(pkg.files.includes("react.js") && pkg.files.includes("react.d.ts"));
  assert.equal(pkg.peerDependenciesMeta.react.optional, true);
  assert.equal(pkg.dependencies, undefined, "nothing bundled or installed with it");
});

test("the stream-only entry reads streams without BackendClient, in a smaller module", () => {
  const pkg = JSON.parse(readFileSync(new URL("package.json", npmDir), "utf8"));
  assert.equal(pkg.exports["./stream"].default, "./stream/sajtmaskin_integrations.js");
  assert.ok(pkg.files.includes("stream/"));
  const types = readFileSync(new URL("stream/sajtmaskin_integrations.d.ts", npmDir), "utf8");
  assert.match(types, /export class StreamSession/);
  assert.match(types, /export class CardRenderer/);
  assert.doesNotMatch(types, /class BackendClient/);
  const full = gzipSync(readFileSync(new URL("sajtmaskin_integrations_bg.wasm", npmDir)), { level: 9 }).length;
  const stream = gzipSync(readFileSync(new URL("stream/sajtmaskin_integrations_bg.wasm", npmDir)), { level: 9 }).length;
  console.log(`stream-only wasm: ${stream} gzip -9 (the complete module: ${full})`);
  assert.ok(stream < full, `${stream} is not smaller than ${full}`);
});

test("isAllowedActionUrl applies the renderer's link rule (used by the React <IntegrationCard>)", () => {
  assert.equal(mod.isAllowedActionUrl("https://vercel.com/marketplace/neon"), true);
  assert.equal(mod.isAllowedActionUrl("https://docs.vercel.com/x", undefined), true);
  for (const bad of ["javascript:alert(1)", "http://vercel.com/", "https://vercel.com.evil.io/", "https://user@vercel.com/"]) {
    assert.equal(mod.isAllowedActionUrl(bad), false, bad);
  }
  assert.equal(mod.isAllowedActionUrl("https://example.com/setup", ["example.com"]), true);
  assert.equal(mod.isAllowedActionUrl("https://vercel.com/x", ["example.com"]), false);
  assert.throws(() => mod.isAllowedActionUrl("https://x.io/", ["not a host"]), { code: "invalid_options" });
});

test("SseParser parses a fixture identically in any chunking", () => {
  const bytes = readFileSync(new URL("s08-proxy-upstash-dedupe.sse", fixtures));
  const whole = new mod.SseParser().feed(bytes);
  assert.equal(whole[0].event, "meta");
  assert.equal(whole.at(-1).event, "done");
  assert.equal(whole.filter((e) => e.event === "integration").length, 2);
  for (const size of [1, 3, 17, 4096]) {
    const parser = new mod.SseParser();
    const got = [];
    for (let i = 0; i < bytes.length; i += size) got.push(...parser.feed(bytes.subarray(i, i + size)));
    got.push(...parser.finish());
    assert.deepEqual(got, whole, `chunk size ${size}`);
  }
});

test("bad options throw an Error with a stable code", () => {
  assert.throws(() => new mod.SseParser({ maxEventBytes: 0 }), (err) => err instanceof Error && err.code === "invalid_options");
});

test("lastEventId and retry follow the stream", () => {
  const parser = new mod.SseParser();
  assert.equal(parser.retry, undefined);
  assert.deepEqual(parser.feed(new TextEncoder().encode("retry: 1500\nid: a1\ndata: x\n\n")), [{ event: "message", data: "x", id: "a1" }]);
  assert.equal(parser.retry, 1500);
  assert.equal(parser.lastEventId, "a1");
});

test("the public TypeScript surface has no `any` and declares every export", () => {
  const dts = readFileSync(new URL("sajtmaskin_integrations.d.ts", npmDir), "utf8");
  const code = dts.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  assert.deepEqual(code.match(/\bany\b/g) ?? [], [], "no any in pkg/sajtmaskin_integrations.d.ts");
  for (const name of ["class SseParser", "class StreamSession", "class CardRenderer", "class BackendClient",
                      "interface SseEvent", "type StreamUpdate", "interface StreamSnapshot", "interface IntegrationCard",
                      "interface EnvVar", "interface BackendClientOptions", "interface IntegrationsError"]) {
    assert.ok(code.includes(`export ${name}`) || code.includes(`${name} `), `declares ${name}`);
  }
  assert.match(code, /feed\(chunk: Uint8Array\): SseEvent\[\]/);
  assert.match(code, /consume\(body: ReadableStream, onUpdate: \(update: StreamUpdate\) => void, signal\?: AbortSignal \| null\): Promise<StreamSnapshot>/);
  assert.match(code, /upsertEnvVars\(projectId: string, vars: NewEnvVar\[\]/);
});

// The module the npm package ships may not grow past this budget unnoticed: raise it only on
// purpose, with the reason in the commit. (Issue 26 aims at 110 KB.) Raised from 173,800 to
// 187,000 in session 8, on purpose: credential checks on cards and isAllowedActionUrl (#24, #25:
// +2 KB), and the secret-leak guard in the stream (#25: the scanner, the redactor, `secret`
// cards and masking what crosses to JS: +10.8 KB; its review hardening, +1 KB: escaped PEM,
// IPv6 and percent-escaped URLs, bounded runs). Measured 187,489 (Node's zlib). Lowered in
// session 9 to 182,000: the JS values the classes take are read by hand (src/wasm/read.rs), not
// through serde-wasm-bindgen (181,552). Lowered to 162,000: v0's events are read by the crate's
// own JSON reader (src/json.rs), not serde_json's deserializer (161,546). Lowered to 157,500: what
// crosses to JS and the request bodies are written by its writer (`json::ToJson`), not serde's
// serializer (157,046); 156,713 with the secret kinds' names in a table. Raised to 157,600 by a
// review's fixes: unused fields skipped to any depth without recursion (as serde_json skips
// them), `null` refused where only `undefined` means "left out", request bodies written into a
// buffer that never grows (157,516); then a skipped string checked as serde_json checks it, not
// read (a fuzz finding: 157,831), and an escaped string decoded into a buffer sized once (157,917).
// Raised to 158,200 by a review's mends, behaviour unchanged (lists of JS objects read by one
// function, one bracket loop in the JSON reader, one null check per defaulted field): 158,099.
// Lowered in session 10 to 156,100: no error message formats a `Value` with `Display` (serde_json's
// serializer) or a string with `Debug` (its escape tables): 155,993. Lowered to 155,300: the
// default allow-list a static table (155,801), substrings found without core's two-way searcher
// (155,168). Lowered to 148,800: the card book's maps are lists, so std's HashMap (hashbrown,
// SipHash) leaves the module (148,719; 148,648 with the env keys a plain list; 148,599 with the
// signals seen a sorted list and the reported cards a list by card).
const GZIP_BUDGET = 148_800;
test("the npm package's wasm stays within its size budget", () => {
  const wasm = readFileSync(new URL("sajtmaskin_integrations_bg.wasm", npmDir));
  const gzip = gzipSync(wasm, { level: 9 }).length;
  console.log(`wasm: ${wasm.length} bytes, ${gzip} gzip -9 (budget ${GZIP_BUDGET})`);
  assert.ok(gzip <= GZIP_BUDGET, `${gzip} bytes gzip is over the budget of ${GZIP_BUDGET}`);
});

test("BackendClient refuses a malformed body before any request, naming the field", async () => {
  const realFetch = globalThis.fetch;
  let fetched = 0;
  globalThis.fetch = async () => { fetched++; throw new Error("no request may be made"); };
  try {
    const client = new mod.BackendClient({ baseUrl: "http://127.0.0.1:9", token: "t" });
    const cases = [
      [client.upsertEnvVars("p1", [{ key: "A", value: "v1" }, { key: "B", value: 5 }]), "vars[].value must be a string"],
      [client.upsertEnvVars("p1", [{ key: "A", value: "v1", sensitive: "yes" }]), "vars[].sensitive must be true or false"],
      // An explicit null is not "not sensitive": left out means false, null is refused.
      [client.upsertEnvVars("p1", [{ key: "A", value: "v1", sensitive: null }]), "vars[].sensitive must be true or false"],
      [client.upsertEnvVars("p1", { key: "A", value: "v1" }), "vars must be an array"],
      [client.updateEnvVars("p1", [{ id: "env_1" }]), "vars[].value must be a string"],
      [client.deleteEnvVars("p1", { ids: "env_1" }), "selector.ids must be an array"],
      [client.deleteEnvVars("p1", null), "selector must be an object"],
      [client.createProject("p"), "project must be an object"],
    ];
    for (const [promise, message] of cases) await assert.rejects(promise, { code: "invalid_argument", message });
    // The rules of the API still apply once the shape is right.
    await assert.rejects(client.upsertEnvVars("p1", [{ key: "1BAD", value: "v" }]), { code: "invalid_key" });
    assert.throws(() => new mod.BackendClient({ token: 5 }), { code: "invalid_options", message: "options.token must be a string or a function" });
    assert.throws(() => new mod.BackendClient({ timeoutMs: "1000" }), { code: "invalid_options", message: "options.timeoutMs must be a number" });
    assert.equal(fetched, 0);
  } finally {
    globalThis.fetch = realFetch;
  }
});
