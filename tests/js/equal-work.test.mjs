// The comparison benchmark's two pipelines (benches/js/pipelines.mjs) do the same work: on every
// in-tree sample, and on the generated streams, the JS pipeline ends with the package's text and
// the package's cards (id, provider, kind, status, env-var keys), whole and in small chunks. A
// ratio measured against a pipeline that did less would flatter the package.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { createParser } from "eventsource-parser";
import { patch } from "jsondiffpatch";
import { initSync, StreamSession } from "../../pkg-web/sajtmaskin_integrations.js";
import { catalogIndex } from "../../benches/js/cards.mjs";
import { jsPipeline, wasmPipeline } from "../../benches/js/pipelines.mjs";
import { growing, longV2 } from "../../benches/js/streams.mjs";

const root = new URL("../../", import.meta.url);
initSync({ module: readFileSync(new URL("pkg-web/sajtmaskin_integrations_bg.wasm", root)) });
const catalog = catalogIndex(JSON.parse(readFileSync(new URL("benches/js/catalog.json", root), "utf8")));
const js = { createParser, patch, catalog };
const fixtures = new URL("tests/fixtures/v0-streams/", root);
const samples = readdirSync(fixtures).filter((f) => f.endsWith(".sse")).sort();

test("there are samples of every format", () => {
  assert.equal(samples.length, 10);
});

for (const file of samples) {
  test(`${file}: both pipelines end with the same text and cards`, () => {
    const bytes = new Uint8Array(readFileSync(new URL(file, fixtures)));
    const expected = JSON.parse(readFileSync(new URL(file.replace(/\.sse$/, ".expected.json"), fixtures), "utf8"));
    for (const chunk of [bytes.length, 512, 97, 7]) {
      const wasm = wasmPipeline(StreamSession, bytes, chunk);
      const base = jsPipeline(js, bytes, chunk);
      assert.deepEqual(base.cards, wasm.cards, `cards at ${chunk} B chunks`);
      // The error samples stop before their text is whole; the JS pipeline reads no errors.
      if (!expected.error) assert.equal(base.text, wasm.text, `text at ${chunk} B chunks`);
      // And they are the cards the sample is recorded to ask for.
      assert.deepEqual(
        base.cards.map(({ provider, kind, status }) => ({ provider, kind, status })),
        expected.integrations.map(({ provider, kind, status }) => ({ provider, kind, status })),
      );
    }
  });
}

test("the generated streams: the same text and cards", () => {
  for (const bytes of [longV2(1 << 18), growing(300)]) {
    for (const chunk of [16 * 1024, 512]) {
      const wasm = wasmPipeline(StreamSession, bytes, chunk);
      const base = jsPipeline(js, bytes, chunk);
      assert.deepEqual(base, wasm);
    }
  }
  // The long chat asks for Neon now and then: one card.
  assert.deepEqual(jsPipeline(js, longV2(1 << 18), 512).cards.map((c) => c.id), ["integration:neon"]);
});

test("the JS cards follow what the stream changes, not only where it ends", () => {
  // A proxy stream whose integration item is connected after being requested, and a v2 stream
  // whose connector moves from setup-required to completed: the status never moves back.
  const ev = (name, data) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const proxy = new TextEncoder().encode(
    ev("integration", { items: [{ provider: "Upstash", status: "pending", envVars: ["UPSTASH_REDIS_REST_URL"] }] }) +
    ev("integration", { items: [{ provider: "upstash", status: "installed" }, { provider: "Neon", intent: "env_vars", envVars: [{ key: "DATABASE_URL" }, "bad key"] }] }) +
    ev("integration", { items: [{ provider: "upstash", status: "pending" }] }),
  );
  const v2 = new TextEncoder().encode([
    { object: "message", id: "m", parts: [] },
    { object: "message.parts.chunk", delta: { 0: [{ type: "agent-action", name: "configure_vercel_connect", data: { status: "setup-required", service: "linear" } }], _t: "a" } },
    { object: "message.parts.chunk", delta: { 0: { data: { status: ["setup-required", "completed"] } }, _t: "a" } },
    { object: "message.parts.chunk", delta: { 1: [{ type: "tool-call", toolName: "set_env_vars", input: { keys: ["STRIPE_SECRET_KEY", "1x"] } }], _t: "a" } },
  ].map((e) => `data: ${JSON.stringify(e)}\n\n`).join(""));
  for (const bytes of [proxy, v2]) {
    for (const chunk of [bytes.length, 11]) {
      assert.deepEqual(jsPipeline(js, bytes, chunk).cards, wasmPipeline(StreamSession, bytes, chunk).cards);
    }
  }
  const cards = jsPipeline(js, proxy, 11).cards;
  assert.deepEqual(cards.map((c) => [c.id, c.status]), [["integration:upstash", "connected"], ["env_vars:neon", "requested"]]);
  assert.deepEqual(jsPipeline(js, v2, 11).cards.map((c) => [c.id, c.status]), [["connector:linear", "completed"], ["env_vars:stripe", "requested"]]);
});
