// The demo builder: streams a v0 generation through the wasm StreamSession, renders the
// integration cards with the wasm CardRenderer, and stores env vars through BackendClient.
// Values typed into the form go to the backend and are never shown again.
import init, { StreamSession, CardRenderer, BackendClient } from "/pkg/sajtmaskin_integrations.js";

const $ = (id) => document.getElementById(id);
const TEXTS = {
  sv: { idle: "Redo", ready: "Redo", streaming: "Genererar…", done: "Klar", error: "Avbruten", aborted: "Avbruten av dig",
        saved: "Sparat. Värdena visas inte igen.", noCards: "0", setCount: (n, m) => `${n} av ${m} variabler satta i projektet`,
        mcp: (name) => `${name}: MCP-anslutningen görs i v0:s inställningar.`, envTitle: "Ange miljövariabler", sensitive: "Känslig (skrivskyddad)",
        language: "Språk", generation: "Generering", prompt: "Beskriv appen du vill bygga…", generate: "Generera med v0", play: "Spela upp",
        stop: "Avbryt", thinking: "Tankegång", integrations: "Integrationer", empty: "När AI:n ber om en databas, en MCP-server eller nycklar dyker det upp här.",
        envHint: "Värdena skickas till servern, sparas krypterat och visas aldrig igen.", cancel: "Avbryt", save: "Spara",
        vercel: "Vercel", vercelConnect: "Anslut Vercel", sync: "Synka installationer", link: "Koppla projekt", envPanel: "Miljövariabler",
        sensitiveShort: "Känslig", add: "Lägg till", update: "Byt värde", remove: "Ta bort", hidden: "dold (känslig)",
        notConnected: "Inget Vercel-konto anslutet.", connected: (c) => `Ansluten (${c.configurationId}${c.teamId ? `, team ${c.teamId}` : ""}).`,
        notConfigured: "Servern har ingen Vercel-integration konfigurerad.", linked: (id) => `Kopplat till Vercel-projektet ${id}.`,
        synced: (n) => `${n} installation(er) synkade.`, resumed: "Genereringen fortsätter…" },
  en: { idle: "Ready", ready: "Ready", streaming: "Generating…", done: "Done", error: "Stopped", aborted: "Stopped by you",
        saved: "Saved. Values are never shown again.", noCards: "0", setCount: (n, m) => `${n} of ${m} variables set in the project`,
        mcp: (name) => `${name}: connect the MCP server in v0's settings.`, envTitle: "Set environment variables", sensitive: "Sensitive (write-only)",
        language: "Language", generation: "Generation", prompt: "Describe the app you want to build…", generate: "Generate with v0", play: "Replay",
        stop: "Stop", thinking: "Thinking", integrations: "Integrations", empty: "When the AI asks for a database, an MCP server or keys, it shows up here.",
        envHint: "Values go to the server, are stored encrypted and are never shown again.", cancel: "Cancel", save: "Save",
        vercel: "Vercel", vercelConnect: "Connect Vercel", sync: "Sync installs", link: "Link project", envPanel: "Environment variables",
        sensitiveShort: "Sensitive", add: "Add", update: "Change value", remove: "Delete", hidden: "hidden (sensitive)",
        notConnected: "No Vercel account connected.", connected: (c) => `Connected (${c.configurationId}${c.teamId ? `, team ${c.teamId}` : ""}).`,
        notConfigured: "The server has no Vercel integration configured.", linked: (id) => `Linked to the Vercel project ${id}.`,
        synced: (n) => `${n} install(s) synced.`, resumed: "The generation continues…" },
};

let locale = localStorage.getItem("sm-locale") || "sv";
let session = null;
let controller = null;
let projectId = null;
let projectKeys = [];
let projectVars = [];
let records = [];
let client = null;
const t = () => TEXTS[locale];

/** Static labels: every element with data-i18n (text) or data-i18n-placeholder. */
function translatePage() {
  document.documentElement.lang = locale;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t()[el.dataset.i18n];
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t()[el.dataset.i18nPlaceholder];
}

function setProgress(state, label) {
  $("progress").dataset.state = state;
  $("progress-label").textContent = label ?? t()[state] ?? state;
  document.body.dataset.progress = state;
}

function toast(message) {
  const box = $("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 3500);
}

let renderer = null;
const rendererOptions = {
  onAction(cardId, action) {
    if (action.kind === "set_env_vars") openEnvForm(cardId, action.envKeys ?? []);
    else if (action.kind === "dismiss") { session?.dismiss(cardId); renderCards(); }
    else if (action.kind === "connect_mcp") toast(t().mcp(cardTitle(cardId)));
    else if (action.kind === "resume") resume().catch(showError);
  },
};

function cardTitle(cardId) {
  return session?.cards().find((c) => c.id === cardId)?.title ?? cardId;
}

function renderCards() {
  if (session) session.setIntegrationRecords(records);
  const cards = session ? session.setProjectEnvKeys(projectKeys) : [];
  renderer.render(cards);
  $("empty").hidden = cards.length > 0;
  $("card-count").textContent = String(cards.length);
  const keys = [...new Set(cards.flatMap((c) => c.envVars.map((e) => e.key)))];
  const set = keys.filter((k) => projectKeys.includes(k));
  $("env-summary").textContent = keys.length ? t().setCount(set.length, keys.length) : "";
}

// Recording a Marketplace install when the user follows an install link.
$("cards").addEventListener("click", (event) => {
  const link = event.target.closest("a[data-action=install]");
  const card = link?.closest("[data-card-id]");
  if (!card || !client) return;
  const provider = session?.cards().find((c) => c.id === card.dataset.cardId)?.provider;
  if (provider && !provider.startsWith("custom:")) {
    client.startMarketplaceInstall(provider, projectId).then(refreshRecords).catch(showError);
  }
});

async function refreshKeys() {
  projectVars = await client.listEnvVars(projectId);
  projectKeys = projectVars.map((v) => v.key);
  renderEnvList();
  renderCards();
}

async function refreshRecords() {
  records = await client.marketplaceRecords(projectId);
  renderCards();
}

// --- the project's env vars: list, add, change, delete (sensitive values are never shown) ----

function renderEnvList() {
  const list = $("env-list");
  list.replaceChildren();
  for (const v of projectVars) {
    const item = document.createElement("li");
    item.dataset.key = v.key;
    item.dataset.sensitive = String(v.sensitive);
    const key = document.createElement("code");
    key.textContent = v.key;
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = v.sensitive ? t().hidden : (v.value ?? "");
    const input = document.createElement("input");
    input.type = "password";
    input.placeholder = t().update;
    input.setAttribute("aria-label", `${t().update}: ${v.key}`);
    const change = document.createElement("button");
    change.type = "button";
    change.className = "ghost";
    change.dataset.op = "update";
    change.textContent = t().update;
    change.addEventListener("click", () => {
      if (!input.value) return;
      const next = input.value;
      input.value = "";
      client.updateEnvVars(projectId, [{ id: v.id, value: next }]).then(refreshKeys).catch(showError);
    });
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "ghost";
    remove.dataset.op = "delete";
    remove.textContent = t().remove;
    remove.addEventListener("click", () => client.deleteEnvVars(projectId, { ids: [v.id] }).then(refreshKeys).catch(showError));
    item.append(key, value, input, change, remove);
    list.append(item);
  }
}

$("env-add").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = $("env-add-key").value.trim();
  const value = $("env-add-value").value;
  const sensitive = $("env-add-sensitive").checked;
  $("env-add-value").value = "";
  client.upsertEnvVars(projectId, [{ key, value, sensitive }])
    .then(() => { $("env-add-key").value = ""; return refreshKeys(); })
    .catch(showError);
});

// --- the user's Vercel connection, the project link, and syncing installs ----------------------

async function refreshVercel() {
  const connection = await client.vercelConnection();
  $("vercel-state").dataset.state = connection.connected ? "connected" : "disconnected";
  $("vercel-state").textContent = connection.connected ? t().connected(connection) : t().notConnected;
  $("vercel-sync").disabled = !connection.connected;
}

$("vercel-connect").addEventListener("click", async () => {
  try {
    const { url } = await client.connectVercel();
    location.href = url;
  } catch (err) {
    $("vercel-state").textContent = err.code === "vercel_not_configured" ? t().notConfigured : err.message;
  }
});

$("vercel-link").addEventListener("submit", (event) => {
  event.preventDefault();
  client.linkVercelProject(projectId, $("vercel-project").value.trim())
    .then((project) => { $("vercel-linked").textContent = t().linked(project.linkedVercelProjectId); })
    .catch(showError);
});

/** Syncs every install this project started (pending or installed): their keys arrive. */
async function syncInstalls() {
  await refreshRecords();
  const providers = records.filter((r) => r.status === "pending" || r.status === "installed").map((r) => r.integrationType);
  for (const provider of providers) await client.syncIntegration(projectId, provider);
  await refreshRecords();
  await refreshKeys();
  toast(t().synced(providers.length));
}

$("vercel-sync").addEventListener("click", () => syncInstalls().catch(showError));

/** Resumes the chat that waited on the integrations, streaming the continuation in. */
async function resume() {
  const chatId = session?.snapshot().chatId;
  if (!chatId) return;
  toast(t().resumed);
  await run(await client.resolveChat(projectId, chatId), 0, { keepCards: true });
}

function resetOutput() {
  $("text").textContent = "";
  $("thinking").textContent = "";
  $("thinking-box").hidden = true;
  $("title").textContent = "";
  $("error").hidden = true;
  $("bar-fill").style.width = "0";
}

function onUpdate(update) {
  switch (update.type) {
    case "title": $("title").textContent = update.title; break;
    case "content":
      if (update.reset) $("text").textContent = update.delta;
      else $("text").append(update.delta);
      break;
    case "thinking":
      $("thinking-box").hidden = false;
      if (update.reset) $("thinking").textContent = update.delta;
      else $("thinking").append(update.delta);
      break;
    case "cards": renderCards(); break;
    case "error":
      if (update.fatal) { $("error").textContent = update.message; $("error").hidden = false; }
      break;
    default: break;
  }
}

/**
 * Streams `response` into the page. A continuation (`keepCards`) is read by a session of its
 * own, so the cards of the chat it continues stay on the page.
 */
async function run(response, total, { keepCards = false } = {}) {
  controller?.abort();
  controller = new AbortController();
  const reader = new StreamSession({ locale });
  if (!keepCards) session = reader;
  resetOutput();
  renderCards();
  setProgress("streaming");
  $("stop").disabled = false;
  let seen = 0;
  // Progress: count bytes as they pass (the session reads the same stream).
  const counted = response.body.pipeThrough(new TransformStream({
    transform(chunk, ctl) { seen += chunk.byteLength; if (total) $("bar-fill").style.width = `${Math.min(100, (100 * seen) / total)}%`; ctl.enqueue(chunk); },
  }));
  try {
    const snapshot = await reader.consume(counted, onUpdate, controller.signal);
    $("bar-fill").style.width = "100%";
    setProgress(snapshot.done ? "done" : "error");
  } catch (err) {
    setProgress("error", err.code === "aborted" ? t().aborted : t().error);
  } finally {
    $("stop").disabled = true;
    renderCards();
  }
}

async function replay(name) {
  const url = new URL(location.href);
  url.searchParams.set("stream", name);
  history.replaceState(null, "", url);
  const head = await fetch(`/fixtures/${encodeURIComponent(name)}`, { method: "HEAD" });
  const total = Number(head.headers.get("content-length")) || 0;
  const response = await fetch(`/api/demo/replay/${encodeURIComponent(name)}`);
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
  await run(response, total);
}

async function generate(prompt) {
  // A chat of this project: the backend records it, so it can be resumed later.
  await run(await client.startChat(projectId, prompt), 0);
}

// --- the env-var form ------------------------------------------------------------------------

function openEnvForm(cardId, keys) {
  const fields = $("env-fields");
  fields.replaceChildren();
  $("env-title").textContent = `${t().envTitle}: ${cardTitle(cardId)}`;
  for (const key of keys) {
    const label = document.createElement("label");
    label.className = "field";
    const name = document.createElement("code");
    name.textContent = key;
    const input = document.createElement("input");
    input.type = "password";
    input.name = key;
    input.autocomplete = "off";
    input.spellcheck = false;
    input.dataset.key = key;
    input.placeholder = projectKeys.includes(key) ? "••••••••" : "";
    const sensitive = document.createElement("label");
    sensitive.className = "sensitive";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !key.startsWith("NEXT_PUBLIC_");
    box.dataset.sensitiveFor = key;
    sensitive.append(box, document.createTextNode(t().sensitive));
    label.append(name, input, sensitive);
    fields.append(label);
  }
  $("env-error").hidden = true;
  $("env-dialog").showModal();
}

$("env-cancel").addEventListener("click", () => { clearEnvForm(); $("env-dialog").close(); });

function clearEnvForm() {
  for (const input of $("env-fields").querySelectorAll("input[type=password]")) input.value = "";
}

$("env-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const vars = [...$("env-fields").querySelectorAll("input[type=password]")]
    .filter((input) => input.value !== "")
    .map((input) => ({
      key: input.dataset.key,
      value: input.value,
      sensitive: $("env-fields").querySelector(`[data-sensitive-for="${input.dataset.key}"]`)?.checked ?? true,
    }));
  if (vars.length === 0) { $("env-dialog").close(); return; }
  $("env-save").disabled = true;
  try {
    await client.upsertEnvVars(projectId, vars);
    clearEnvForm();
    $("env-dialog").close();
    await refreshKeys();
    toast(t().saved);
  } catch (err) {
    $("env-error").textContent = `${err.message} (${err.code})`;
    $("env-error").hidden = false;
  } finally {
    $("env-save").disabled = false;
  }
});

// --- start-up --------------------------------------------------------------------------------

let cachedToken = null;
async function token() {
  if (cachedToken) return cachedToken;
  const response = await fetch("/api/dev/token", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  if (!response.ok) throw new Error("this server does not hand out demo tokens (start it with --dev, as npm start does)");
  const body = await response.json();
  $("user").textContent = body.userId;
  cachedToken = body.token;
  return cachedToken;
}

async function ensureProject() {
  const projects = await client.listProjects();
  const remembered = localStorage.getItem("sm-project");
  const existing = projects.find((p) => p.id === remembered) ?? projects[0];
  const project = existing ?? (await client.createProject({ name: "Min sajt" }));
  localStorage.setItem("sm-project", project.id);
  $("project-name").textContent = project.name;
  return project.id;
}

async function main() {
  await init();
  renderer = new CardRenderer($("cards"), rendererOptions);
  $("locale").value = locale;
  translatePage();
  $("locale").addEventListener("change", () => {
    locale = $("locale").value;
    localStorage.setItem("sm-locale", locale);
    translatePage();
    setProgress($("progress").dataset.state);
    if ($("stream").value) replay($("stream").value).catch(showError);
  });
  client = new BackendClient({ token });
  projectId = await ensureProject();
  await refreshKeys();
  await refreshRecords();
  await refreshVercel();
  const { streams, live } = await (await fetch("/api/demo/streams", { headers: { authorization: `Bearer ${await token()}` } })).json();
  for (const name of streams) $("stream").append(new Option(name.replace(/\.sse$/, ""), name));
  $("live-row").hidden = !live;
  setProgress("idle", t().ready);
  $("source").addEventListener("submit", (event) => { event.preventDefault(); replay($("stream").value).catch(showError); });
  $("stop").addEventListener("click", () => controller?.abort());
  $("generate").addEventListener("click", () => { if ($("prompt").value.trim()) generate($("prompt").value).catch(showError); });
  document.body.dataset.ready = "true";
  const wanted = new URL(location.href).searchParams.get("stream");
  if (wanted && streams.includes(wanted)) {
    $("stream").value = wanted;
    await replay(wanted);
  }
}

function showError(err) {
  $("error").textContent = err.message;
  $("error").hidden = false;
  setProgress("error");
}

main().catch(showError);
