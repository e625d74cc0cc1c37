// The legacy v0 API v1 (`V0_API_VERSION=v1`, needed by `ENV_STORE=v0`), compared with its
// official client, `v0-sdk` 0.16.7 (still the most used): the project the server creates, its
// env vars (create with upsert, list, update, delete), a chat created streaming and its task
// resolved streaming. The same checks as the v2 test (support.mjs); v0 answers writes with
// the values' encrypted form, as v1 does, and every answer carries an unknown field.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "v0-sdk";
import { drain, recordingFake, resolveWhenRecorded, same, startBackend } from "./support.mjs";

const PROJECT = "v0projContract";
const CHAT = "chatLegacy1";
const EXTRA = { "x-unknown-field": true };
const vars = new Map();
const envVar = (v, decrypted) => ({ id: v.id, object: "environment_variable", key: v.key, value: decrypted ? v.value : "ZW5jcnlwdGVk",
  decrypted, createdAt: 1764000000000, updatedAt: 1764000000000, ...EXTRA });
const list = (items, decrypted) => ({ object: "list", data: items.map((v) => envVar(v, decrypted)), ...EXTRA });
const sse = (events) => events.map((e) => `data: ${JSON.stringify({ ...e, ...EXTRA })}\n\n`).join("") + "data: [DONE]\n\n";

function route(method, pathname, body, url) {
  const key = `${method} ${pathname.replace(PROJECT, ":project").replace(CHAT, ":chat")}`;
  switch (key) {
    case "POST /v1/projects": return [200, { id: PROJECT, object: "project", name: body.name, privacy: "private", ...EXTRA }];
    case "GET /v1/projects/:project/env-vars": return [200, list([...vars.values()], url.searchParams.get("decrypted") === "true")];
    case "POST /v1/projects/:project/env-vars": {
      const written = body.environmentVariables.map((v) => {
        const entry = { id: `env_${v.key.replace(/_/g, "")}`, key: v.key, value: v.value };
        vars.set(entry.id, entry);
        return entry;
      });
      return [200, list(written, false)];
    }
    case "PATCH /v1/projects/:project/env-vars": {
      const written = body.environmentVariables.map((v) => { const entry = vars.get(v.id); entry.value = v.value; return entry; });
      return [200, list(written, false)];
    }
    case "POST /v1/projects/:project/env-vars/delete": {
      const gone = body.environmentVariableIds.map((id) => { vars.delete(id); return { id, object: "environment_variable", deleted: true }; });
      return [200, { object: "list", data: gone }];
    }
    case "POST /v1/chats": return ["sse", sse([{ object: "chat", id: CHAT, name: "Gästbok" }])];
    case "POST /v1/chats/:chat/tasks/resolve": return ["sse", sse([{ object: "chat", id: CHAT }])];
    default: return null;
  }
}

let fake, backend;
before(async () => {
  fake = await recordingFake(route);
  backend = await startBackend(["--v0-api-version", "v1", "--env-store", "v0", "--v0-api-url", `${fake.url}/v1`], { V0_API_KEY: "platform-v0-key" });
});

after(() => {
  backend?.stop();
  fake?.close();
});

test("v0 API v1: project, env vars, chat and resolve are v0-sdk 0.16.7's requests", async () => {
  const v0 = createClient({ apiKey: "platform-v0-key", baseUrl: `${fake.url}/v1` });
  const task = { type: "confirmed-steps", connectedIntegrationNames: [], connectedMcpPresetNames: [], appliedScripts: [], addedEnvVars: ["SITE_NAME"] };
  vars.clear();
  const official = {
    project: await fake.recording(() => v0.projects.create({ name: "sajtmaskin contract" })),
    create: await fake.recording(() => v0.projects.createEnvVars({ projectId: PROJECT, environmentVariables: [{ key: "SITE_NAME", value: "Krukan" }], upsert: true })),
    list: await fake.recording(() => v0.projects.findEnvVars({ projectId: PROJECT, decrypted: true })),
    update: await fake.recording(() => v0.projects.updateEnvVars({ projectId: PROJECT, environmentVariables: [{ id: "env_SITENAME", value: "Krukan 2" }] })),
    remove: await fake.recording(() => v0.projects.deleteEnvVars({ projectId: PROJECT, environmentVariableIds: ["env_SITENAME"] })),
    chat: await fake.recording(async () => drain({ body: await v0.chats.create({ message: "Bygg en gästbok", responseMode: "experimental_stream" }) })),
    resolve: await fake.recording(async () => drain({ body: await v0.chats.resolveTask({ chatId: CHAT, task, responseMode: "experimental_stream" }) })),
  };

  vars.clear();
  let project;
  const ours = {
    project: await fake.recording(async () => { project = await (await backend.api("POST", "/api/projects", {})).json(); }),
  };
  assert.equal(project.v0ProjectId, PROJECT, JSON.stringify(project));
  const path = `/api/v0/projects/${project.id}/env-vars`;
  ours.create = await fake.recording(async () => {
    const created = await (await backend.api("POST", path, { vars: [{ key: "SITE_NAME", value: "Krukan", sensitive: false }], upsert: true })).json();
    assert.equal(created.envVars[0].value, "Krukan", "the value the user set, never v1's encrypted answer");
  });
  ours.list = await fake.recording(async () => {
    const listed = await (await backend.api("GET", path)).json();
    assert.deepEqual(listed.envVars.map((v) => [v.key, v.value]), [["SITE_NAME", "Krukan"]]);
  });
  ours.update = await fake.recording(async () => {
    const changed = await backend.api("PATCH", path, { vars: [{ id: "env_SITENAME", value: "Krukan 2" }] });
    assert.equal(changed.status, 200, await changed.clone().text());
  });
  ours.remove = await fake.recording(async () => {
    const removed = await backend.api("DELETE", path, { ids: ["env_SITENAME"] });
    assert.equal(removed.status, 200, await removed.clone().text());
  });
  ours.chat = await fake.recording(async () => drain(await backend.api("POST", `/api/projects/${project.id}/chats`, { message: "Bygg en gästbok" })));
  // The chat id is recorded as the stream passes; then resolve it.
  ours.resolve = await fake.recording(async () => {
    await resolveWhenRecorded(backend, project.id, CHAT);
  });

  const by = (list, method, path) => list.find((r) => r.method === method && r.path === path);
  const env = `/v1/projects/${PROJECT}/env-vars`;
  same(by(ours.project, "POST", "/v1/projects"), by(official.project, "POST", "/v1/projects"), "projects.create");
  same(by(ours.create, "POST", env), by(official.create, "POST", env), "projects.createEnvVars");
  same(by(ours.list, "GET", env), by(official.list, "GET", env), "projects.findEnvVars");
  same(by(ours.update, "PATCH", env), by(official.update, "PATCH", env), "projects.updateEnvVars");
  same(by(ours.remove, "POST", `${env}/delete`), by(official.remove, "POST", `${env}/delete`), "projects.deleteEnvVars");
  same(by(ours.chat, "POST", "/v1/chats"), by(official.chat, "POST", "/v1/chats"), "chats.create (experimental_stream)", { accept: true });
  const resolve = `/v1/chats/${CHAT}/tasks/resolve`;
  same(by(ours.resolve, "POST", resolve), by(official.resolve, "POST", resolve), "chats.resolveTask (experimental_stream)", { accept: true });
  // Every request the backend made is one of those operations (the list before an update or a
  // delete is findEnvVars).
  const known = ["POST /v1/projects", `GET ${env}`, `POST ${env}`, `PATCH ${env}`, `POST ${env}/delete`, "POST /v1/chats", `POST ${resolve}`];
  for (const r of Object.values(ours).flat()) assert.ok(known.includes(`${r.method} ${r.path}`), `unexpected ${r.method} ${r.path}`);
});
