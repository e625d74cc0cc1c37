// Differential contract test: every upstream operation the backend performs is also performed by
// the official client (v0 API v2: npm `v0` 3.0.0-canary.6f0caa8; Vercel: `@vercel/sdk`), with
// equal arguments, against one recording fake. For each operation the two requests must agree:
// method, path with its version prefix, query parameter names (`teamId`, `upsert`, …), body
// field names and JSON types, content type (and `Accept` where the official client sends one).
// The fake's canned answers are ones the official clients accept (the Vercel SDK validates every
// answer), v0's are also checked against v0's published OpenAPI document (its subset in
// v0-openapi-2.0.0-6f0caa8.json), and every answer carries an unknown field, so the backend's
// readers meet real shapes. Mutations on our side that it catches are listed in the README.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { createV0Client } from "v0";
import { Vercel } from "@vercel/sdk";
import { recordingFake, resolveWhenRecorded, root, same, startBackend } from "./support.mjs";

const spec = JSON.parse(readFileSync(join(root, "tests/contract/v0-openapi-2.0.0-6f0caa8.json"), "utf8"));
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const schema = (s) => ajv.compile({ ...s, components: spec.components });
const v0Schemas = Object.fromEntries(Object.entries(spec.operations).map(([name, op]) => [name, {
  request: schema(op.request), events: schema(op.events),
}]));

const PROJECT = "prj_contract";
const CHAT = "chatContract1";
const TEAM = "team_contract";
const EXTRA = { "x-unknown-field": { nested: [1, "two"] } };
const now = "2026-12-07T10:00:00.000Z";
const usage = { input: 1, output: 2, cacheRead: 0, cacheWrite: 0, total: 3 };
// v0 stream events as the OpenAPI document describes them.
const CHAT_EVENTS = [
  { object: "chat", id: CHAT, privacy: "private", createdAt: now, authorId: "user_1", metadata: {}, writePermission: true },
  { object: "chat.title", id: CHAT, delta: "Gästbok" },
];
const MESSAGE_EVENTS = [
  { object: "message", id: "msg_2", chatId: CHAT, role: "assistant", createdAt: now, updatedAt: now, content: "Klart",
    parts: [{ type: "text", text: "Klart" }], finishReason: "stop", authorId: null, usage: { tokens: usage, creditsCost: usage } },
];
const sse = (events) => events.map((e) => `data: ${JSON.stringify({ ...e, ...EXTRA })}\n\n`).join("");

// Vercel env as its API answers it (plaintext only where it says `decrypted: true`).
const env = (id, key, value, { decrypted = true, type = "encrypted" } = {}) => ({
  id, key, value, type, target: ["production", "preview", "development"], configurationId: null,
  createdAt: 1764000000000, updatedAt: 1764000000000, createdBy: "user_1", updatedBy: null, decrypted, securityIssues: [], ...EXTRA,
});
const vercelEnvs = new Map();
let projects = 0;
/** Runs an SDK call; a validation failure says which fields the SDK missed. */
const sdk = async (call) => {
  try { return await call(); } catch (e) {
    throw new Error(`${e.name}: ${JSON.stringify(e.cause?.issues ?? e.message)}`);
  }
};

/** The fake's answers: v0 API v2 and the Vercel REST API, as documented. */
function route(method, pathname, body) {
  const json = (status, value) => [status, value];
  const stream = (events) => ["sse", sse(events)];
    const parts = pathname.split("/").filter(Boolean);
  const route = `${method} ${pathname.replace(/prj_contract\d*/, ":project").replace(CHAT, ":chat").replace(/env_[A-Za-z0-9]+/, ":env")}`;
  switch (route) {
    case "POST /api/v2/chats/stream": return stream(CHAT_EVENTS);
    case "POST /api/v2/chats/:chat/vercel-project": return json(201, { vercelProjectId: "prj_v0made", ...EXTRA });
    case "POST /api/v2/hooks":
      return json(200, { id: "hookContract", createdAt: now, name: body.name, events: body.events, url: body.url, chatId: body.chatId, ...EXTRA });
    case "POST /api/v2/mcp-servers":
      return json(200, { id: "mcpContract", name: body.name, url: body.url, description: null, createdAt: now, updatedAt: now,
        userId: "user_1", enabled: body.enabled, auth: { type: body.auth?.type ?? "none" }, scope: body.scope, ...EXTRA });
    case "POST /v11/projects":
      return json(200, { id: `${PROJECT}${++projects}`, name: body.name, accountId: TEAM, createdAt: 1764000000000, updatedAt: 1764000000000,
        nodeVersion: "22.x", alias: [], deploymentExpiration: {}, defaultResourceConfig: { functionDefaultRegions: ["arn1"] },
        resourceConfig: { functionDefaultRegions: ["arn1"] }, ...EXTRA });
    case "POST /api/v2/chats/:chat/messages/resolve/stream": return stream(MESSAGE_EVENTS);
    // messages.list: the newest message (as MessageListResponse: messages and a cursor).
    case "GET /api/v2/chats/:chat/messages":
      return json(200, { messages: MESSAGE_EVENTS.map(({ object, ...m }) => ({ ...m, ...EXTRA })), cursor: null, ...EXTRA });
    // The integration's OAuth code exchange (a form), then the user's own project.
    case "POST /v2/oauth/access_token":
      return json(200, { token_type: "Bearer", access_token: "vercel-user-token", installation_id: "icfg_contract", user_id: "vuser_1", team_id: TEAM, ...EXTRA });
    case "GET /v9/projects/prj_user":
      return json(200, { id: "prj_user", name: "krukan", accountId: TEAM, createdAt: 1764000000000, updatedAt: 1764000000000,
        nodeVersion: "22.x", alias: [], deploymentExpiration: {}, defaultResourceConfig: { functionDefaultRegions: ["arn1"] },
        resourceConfig: { functionDefaultRegions: ["arn1"] }, ...EXTRA });
    case "POST /v10/projects/:project/env": {
      const created = (Array.isArray(body) ? body : [body]).map((v) => {
        const id = `env_${v.key.replace(/_/g, "")}`;
        vercelEnvs.set(id, { ...v, id });
        // A write answer carries the encrypted form, as Vercel's does.
        return env(id, v.key, "eyJ2IjoiZW5jcnlwdGVkIn0", { decrypted: false, type: v.type });
      });
      return json(201, { created: created.length === 1 ? created[0] : created, failed: [], ...EXTRA });
    }
    case "GET /v10/projects/:project/env":
      return json(200, { envs: [...vercelEnvs.values()].map((v) => env(v.id, v.key, "eyJ2IjoiZW5jcnlwdGVkIn0", { decrypted: false, type: v.type })), ...EXTRA });
    case "GET /v1/projects/:project/env/:env": {
      const v = vercelEnvs.get(parts.at(-1));
      return v ? json(200, env(v.id, v.key, v.value, { type: v.type })) : json(404, { error: { code: "not_found", message: "no env" } });
    }
    case "PATCH /v9/projects/:project/env/:env": {
      const v = vercelEnvs.get(parts.at(-1));
      if (!v) return json(404, { error: { code: "not_found", message: "no env" } });
      v.value = body.value;
      return json(200, env(v.id, v.key, "eyJ2IjoiZW5jcnlwdGVkIn0", { decrypted: false, type: v.type }));
    }
    case "DELETE /v9/projects/:project/env/:env": {
      const v = vercelEnvs.get(parts.at(-1));
      if (!v) return json(404, { error: { code: "not_found", message: "no env" } });
      vercelEnvs.delete(v.id);
      return json(200, env(v.id, v.key, "eyJ2IjoiZW5jcnlwdGVkIn0", { decrypted: false, type: v.type }));
    }
    default: return null;
  }
}

let fake, backend, fakeUrl;
before(async () => {
  // Project ids differ per creation; the contract is about the path's form.
  fake = await recordingFake(route, (path) => path.replace(/prj_contract\d+/, PROJECT));
  fakeUrl = fake.url;
  backend = await startBackend(["--env-store", "vercel", "--vercel-api-url", fakeUrl, "--vercel-team-id", TEAM,
    "--v0-api-url", `${fakeUrl}/api/v2`, "--public-url", "https://builder.example"],
  { V0_API_KEY: "platform-v0-key", VERCEL_TOKEN: "platform-vercel-token" });
});

after(() => {
  backend?.stop();
  fake?.close();
});

const recording = (fn) => fake.recording(fn);
test("v0 API v2: creating a chat and resolving its task are the official client's requests", async () => {
  const v0 = createV0Client({ baseUrl: fakeUrl, auth: "platform-v0-key", fetch: (...a) => fetch(...a) });
  const task = { type: "confirmed-steps", connectedIntegrationNames: [], connectedMcpPresetNames: [], appliedScripts: [], addedEnvVars: ["DATABASE_URL"] };
  const official = await recording(async () => {
    // Both streams are lazy: read them to the end (which also parses the fake's events).
    const created = await v0.chats.createStream({ message: "Bygg en gästbok" });
    const final = await created.final;
    assert.equal(final.chat.id, CHAT);
    const resolved = await v0.messages.resolveStream({ chatId: CHAT, task });
    const events = [];
    for await (const event of resolved.stream) events.push(event);
    assert.equal(events[0].object, "message");
  });

    const project = await (await backend.api("POST", "/api/projects", {})).json();
  // The project's key, named in the task as the official call names it.
  const set = await backend.api("POST", `/api/v0/projects/${project.id}/env-vars`, { vars: [{ key: "DATABASE_URL", value: "postgres://x", sensitive: true }], upsert: true });
  assert.equal(set.status, 200, await set.clone().text());
  const ours = await recording(async () => {
    const started = await backend.api("POST", `/api/projects/${project.id}/chats`, { message: "Bygg en gästbok" });
    assert.equal(started.status, 200);
    const text = await started.text();
    assert.ok(text.includes(`"id":"${CHAT}"`), "the stream passes through");
    // The chat id is recorded as the stream passes; then resume it.
    await resolveWhenRecorded(backend, project.id, CHAT);
  });
  const find = (list, path) => list.find((r) => r.path === path);
  same(find(ours, "/api/v2/chats/stream"), find(official, "/api/v2/chats/stream"), "chats.createStream");
  const resolvePath = `/api/v2/chats/${CHAT}/messages/resolve/stream`;
  same(find(ours, resolvePath), find(official, resolvePath), "messages.resolveStream");
  // Our bodies are valid requests of v0's OpenAPI document (additionalProperties: false there).
  for (const [name, path] of [["createChatStream", "/api/v2/chats/stream"], ["resolveStream", resolvePath]]) {
    const validate = v0Schemas[name].request;
    assert.ok(validate(find(ours, path).body), `${name}: ${JSON.stringify(validate.errors)}`);
  }
  // The chat's Vercel project, as chats.createVercelProject asks for it.
  const attachPath = `/api/v2/chats/${CHAT}/vercel-project`;
  const attached = await recording(async () => {
    const response = await backend.api("POST", `/api/projects/${project.id}/chats/${CHAT}/vercel-project`);
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(await response.json(), { vercelProjectId: "prj_v0made" });
  });
  const officialAttach = await recording(async () => {
    const created = await v0.chats.createVercelProject({ chatId: CHAT, name: find(attached, attachPath).body.name });
    assert.ok(!created.error, JSON.stringify(created.error));
  });
  same(find(attached, attachPath), find(officialAttach, attachPath), "chats.createVercelProject");
  // The chat's events are subscribed as the official webhooks.create does it.
  const hooked = find(ours, "/api/v2/hooks");
  assert.ok(hooked, "the started chat is subscribed to v0's webhooks");
  const officialHook = await recording(async () => {
    const created = await v0.webhooks.create({ name: hooked.body.name, events: hooked.body.events, url: hooked.body.url, chatId: CHAT });
    assert.ok(!created.error, JSON.stringify(created.error));
  });
  same(hooked, find(officialHook, "/api/v2/hooks"), "webhooks.create");
  assert.deepEqual(hooked.body, find(officialHook, "/api/v2/hooks").body);
  // A delivery makes the server read the chat's newest message as messages.list does.
  const listPath = `/api/v2/chats/${CHAT}/messages`;
  const delivered = await recording(async () => {
    const response = await fetch(`${backend.base}/api/webhooks/v0/${CHAT}`, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "evt_contract", type: "message.finished", chatId: CHAT }) });
    assert.equal(response.status, 200, await response.clone().text());
  });
  const officialList = await recording(async () => {
    const listed = await v0.messages.list({ chatId: CHAT, limit: 1 });
    assert.ok(!listed.error, JSON.stringify(listed.error));
    assert.equal(listed.data.messages[0].finishReason, "stop");
  });
  same(find(delivered, listPath), find(officialList, listPath), "messages.list");
  const chats = await (await backend.api("GET", `/api/projects/${project.id}/chats`)).json();
  assert.equal(chats.chats.find((c) => c.id === CHAT)?.lastEvent, "message.finished", JSON.stringify(chats));
  // Nothing else of v0 was called (the store's Vercel listing is the Vercel test's).
  assert.deepEqual(ours.filter((r) => r.path.startsWith("/api/v2")).map((r) => r.path).sort(),
    ["/api/v2/chats/stream", "/api/v2/hooks", resolvePath].sort());
});

test("the fake's v0 answers are what v0's OpenAPI document describes", () => {
  const strip = (e) => Object.fromEntries(Object.entries(e).filter(([k]) => !(k in EXTRA)));
  for (const event of CHAT_EVENTS) assert.ok(v0Schemas.createChatStream.events(strip(event)), JSON.stringify(v0Schemas.createChatStream.events.errors));
  for (const event of MESSAGE_EVENTS) assert.ok(v0Schemas.resolveStream.events(strip(event)), JSON.stringify(v0Schemas.resolveStream.events.errors));
  // And the check can fail: an event without its required fields is refused.
  assert.equal(v0Schemas.resolveStream.events({ object: "message", id: "m" }), false);
});

test("Vercel: env create (upsert), list, update and delete are the official SDK's requests, and its answers parse in the SDK", async () => {
  const vercel = new Vercel({ bearerToken: "platform-vercel-token", serverURL: fakeUrl });
  vercelEnvs.clear();
  const official = {};
  official.project = await recording(async () => {
    const created = await sdk(() => vercel.projects.createProject({ teamId: TEAM, requestBody: { name: "sajtmaskin-contract" } }));
    assert.match(created.id, /^prj_contract\d+$/);
  });
  official.create = await recording(async () => {
    const answer = await sdk(() => vercel.projects.createProjectEnv({ idOrName: `${PROJECT}1`, upsert: "true", teamId: TEAM,
      requestBody: [{ key: "NEXT_PUBLIC_SITE", value: "Krukan", type: "encrypted", target: ["production", "preview", "development"] }] }));
    assert.equal(answer.failed.length, 0);
  });
  official.list = await recording(async () => {
    const listed = await sdk(() => vercel.projects.filterProjectEnvs({ idOrName: `${PROJECT}1`, teamId: TEAM }));
    assert.equal(listed.envs.length, 1);
  });
  official.read = await recording(async () => {
    const one = await sdk(() => vercel.projects.getProjectEnv({ idOrName: `${PROJECT}1`, id: "env_NEXTPUBLICSITE", teamId: TEAM }));
    assert.equal(one.value, "Krukan");
  });
  official.update = await recording(async () => {
    await sdk(() => vercel.projects.editProjectEnv({ idOrName: `${PROJECT}1`, id: "env_NEXTPUBLICSITE", teamId: TEAM, requestBody: { value: "Krukan 2" } }));
  });
  official.remove = await recording(async () => {
    await sdk(() => vercel.projects.removeProjectEnv({ idOrName: `${PROJECT}1`, id: "env_NEXTPUBLICSITE", teamId: TEAM }));
  });

  // The same through the backend's Vercel store (the project linked to PROJECT).
  vercelEnvs.clear();
    const ours = {};
  let project;
  ours.project = await recording(async () => {
    // The server creates the project's Vercel project itself, with the platform's token.
    project = await (await backend.api("POST", "/api/projects", {})).json();
    assert.match(project.vercelProjectId ?? "", /^prj_contract\d+$/, JSON.stringify(project));
  });
  const path = `/api/v0/projects/${project.id}/env-vars`;
  ours.create = await recording(async () => {
    const created = await backend.api("POST", path, { vars: [{ key: "NEXT_PUBLIC_SITE", value: "Krukan" }], upsert: true });
    const answer = await created.json();
    assert.equal(created.status, 200, JSON.stringify(answer));
    assert.equal(answer.envVars[0].value, "Krukan", "the value the user set, not the encrypted answer");
  });
  ours.list = await recording(async () => {
    const listed = await (await backend.api("GET", path)).json();
    assert.deepEqual(listed.envVars.map((v) => [v.key, v.value]), [["NEXT_PUBLIC_SITE", "Krukan"]]);
  });
  ours.update = await recording(async () => {
    const changed = await backend.api("PATCH", path, { vars: [{ id: "env_NEXTPUBLICSITE", value: "Krukan 2" }] });
    assert.equal(changed.status, 200, await changed.clone().text());
    assert.equal((await changed.json()).envVars[0].value, "Krukan 2");
  });
  ours.remove = await recording(async () => {
    const removed = await backend.api("DELETE", path, { ids: ["env_NEXTPUBLICSITE"] });
    assert.equal(removed.status, 200, await removed.clone().text());
  });
  const by = (list, method, pathRe) => list.find((r) => r.method === method && pathRe.test(r.path));
  const envPath = /^\/v10\/projects\/prj_contract\/env$/;
  const onePath = /^\/v1\/projects\/prj_contract\/env\/env_NEXTPUBLICSITE$/;
  const editPath = /^\/v9\/projects\/prj_contract\/env\/env_NEXTPUBLICSITE$/;
  same(by(ours.project, "POST", /^\/v11\/projects$/), by(official.project, "POST", /^\/v11\/projects$/), "createProject", { accept: true });
  same(by(ours.create, "POST", envPath), by(official.create, "POST", envPath), "createProjectEnv", { accept: true });
  same(by(ours.list, "GET", envPath), by(official.list, "GET", envPath), "filterProjectEnvs", { accept: true });
  same(by(ours.list, "GET", onePath), by(official.read, "GET", onePath), "getProjectEnv", { accept: true });
  same(by(ours.update, "PATCH", editPath), by(official.update, "PATCH", editPath), "editProjectEnv", { accept: true });
  same(by(ours.remove, "DELETE", editPath), by(official.remove, "DELETE", editPath), "removeProjectEnv", { accept: true });
  // Every request the backend made is one of those operations.
  const known = [envPath, onePath, editPath, /^\/v11\/projects$/];
  for (const r of Object.values(ours).flat()) assert.ok(known.some((re) => re.test(r.path)), `unexpected ${r.method} ${r.path}`);
  assert.ok(!backend.logs().includes("platform-vercel-token"));
});

test("v0 API v2: registering the project's MCP endpoint is the official client's mcpServers.create", async () => {
  const v0 = createV0Client({ baseUrl: fakeUrl, auth: "platform-v0-key", fetch: (...a) => fetch(...a) });
    const project = await (await backend.api("POST", "/api/projects", {})).json();
  let minted;
  const ours = await recording(async () => {
    const response = await backend.api("POST", `/api/projects/${project.id}/mcp-token`);
    minted = await response.json();
    assert.equal(response.status, 200, JSON.stringify(minted));
    assert.equal(minted.v0McpServerId, "mcpContract");
  });
  const official = await recording(async () => {
    const created = await v0.mcpServers.create({ name: `sajtmaskin ${project.id}`, url: minted.url, enabled: true,
      auth: { type: "bearer", token: minted.token }, scope: "user" });
    assert.ok(!created.error, JSON.stringify(created.error));
    assert.equal(created.data.id, "mcpContract");
  });
  const find = (list) => list.find((r) => r.path === "/api/v2/mcp-servers");
  same(find(ours), find(official), "mcpServers.create");
  assert.deepEqual(find(ours).body, find(official).body, "the same registration, the endpoint and its token only");
});

test("Vercel: the link step's project lookup is the official SDK's getProject, with the user's token from the OAuth exchange", async () => {
  // A backend with the builder's Vercel integration: the user connects (the code exchange is a
  // form POST no SDK operation covers: its documented fields are checked here), then links.
  const linked = await startBackend(["--vercel-api-url", fakeUrl, "--vercel-oauth-url", fakeUrl, "--public-url", "https://builder.example",
    "--vercel-client-id", "cid", "--vercel-integration-slug", "sajtmaskin"], { VERCEL_CLIENT_SECRET: "contract-client-secret" });
  try {
    const connect = await linked.api("POST", "/api/integrations/vercel/connect");
    assert.equal(connect.status, 200, await connect.clone().text());
    const nonce = connect.headers.get("set-cookie").split(";")[0].split("=")[1];
    const exchange = await recording(async () => {
      const back = await fetch(`${linked.base}/api/integrations/vercel/callback?code=code-1&state=${nonce}`,
        { headers: { cookie: `sm_vercel_flow=${nonce}` }, redirect: "manual" });
      assert.equal(back.status, 303, await back.clone().text());
    });
    const form = exchange.find((r) => r.path === "/v2/oauth/access_token");
    assert.equal(form.method, "POST");
    assert.equal(form.contentType, "application/x-www-form-urlencoded");
    assert.deepEqual(Object.keys(form.body).sort(), ["client_id", "client_secret", "code", "redirect_uri"]);
    assert.equal(form.body.redirect_uri, "https://builder.example/api/integrations/vercel/callback");
    assert.match(form.userAgent, /^sajtmaskin-integrations\//);

    const project = await (await linked.api("POST", "/api/projects", {})).json();
    const ours = await recording(async () => {
      const response = await linked.api("POST", `/api/projects/${project.id}/vercel-project`, { vercelProjectId: "prj_user" });
      assert.equal(response.status, 200, await response.clone().text());
    });
    const vercel = new Vercel({ bearerToken: "vercel-user-token", serverURL: fakeUrl });
    const official = await recording(async () => {
      const found = await sdk(() => vercel.projects.getProject({ idOrName: "prj_user", teamId: TEAM }));
      assert.equal(found.id, "prj_user");
    });
    const find = (list) => list.find((r) => r.path === "/v9/projects/prj_user");
    same(find(ours), find(official), "getProject", { accept: true });
  } finally {
    linked.stop();
  }
});
