// The demo builder: streams a v0 generation through the wasm StreamSession, renders the
// integration cards with the wasm CardRenderer, and stores env vars through BackendClient.
// Values typed into the form go to the backend and are never shown again.
import init, { StreamSession, CardRenderer, BackendClient } from "/pkg/sajtmaskin_integrations.js";

const $ = (id) => document.getElementById(id);
const TEXTS = {
  sv: { idle: "Redo", ready: "Redo", streaming: "Genererar…", done: "Klar", error: "Avbruten", aborted: "Avbruten av dig",
        saved: "Sparat. Värdena visas inte igen.", noCards: "0", setCount: (n, m) => `${n} av ${m} variabler satta i projektet`,
        envTitle: "Ange miljövariabler", sensitive: "Känslig (skrivskyddad)",
        language: "Språk", generation: "Generering", prompt: "Beskriv appen du vill bygga…", generate: "Generera med v0", play: "Spela upp",
        stop: "Avbryt", thinking: "Tankegång", integrations: "Integrationer", empty: "När AI:n ber om en databas, en MCP-server eller nycklar dyker det upp här.",
        envHint: "Värdena skickas till servern, sparas krypterat och visas aldrig igen.", cancel: "Avbryt", save: "Spara",
        vercel: "Vercel", vercelConnect: "Anslut Vercel", sync: "Synka installationer", link: "Koppla projekt", envPanel: "Miljövariabler",
        sensitiveShort: "Känslig", add: "Lägg till", update: "Byt värde", remove: "Ta bort", hidden: "dold (känslig)",
        notConnected: "Inget Vercel-konto anslutet.", connected: (c) => `Ansluten (${c.configurationId}${c.teamId ? `, team ${c.teamId}` : ""}).`,
        notConfigured: "Servern har ingen Vercel-integration konfigurerad.", linked: (id) => `Kopplat till Vercel-projektet ${id}.`,
        synced: (n) => `${n} installation(er) synkade.`, resumed: "Genereringen fortsätter…",
        mcpPanel: "MCP-servrar", mcpHint: "Nycklar och tokens stannar på servern; v0 får en enda projekt-token.", mcpAudit: "Anropslogg",
        mcpCustom: "Egen server", mcpTest: "Testa anslutning", mcpTools: "Verktyg", mcpOAuth: "Anslut OAuth", mcpEnabled: "På",
        mcpTested: (r) => `${r.server.name ?? "Servern"} svarar: ${r.toolCount} verktyg.`, mcpConnected: "MCP-servern är ansluten.",
        mcpV0Connect: "Ge v0 tillgång (ny projekt-token)", mcpV0Revoke: "Återkalla v0:s token",
        mcpV0Minted: (m) => `Visas en gång — ${m.url} · ${m.token}${m.v0McpServerId ? " · registrerad hos v0" : ""}`, mcpV0Revoked: (r) => r.revoked ? `Återkallad${r.v0Unregistered ? " och borttagen hos v0" : ""}.` : "Det fanns ingen token." },
  en: { idle: "Ready", ready: "Ready", streaming: "Generating…", done: "Done", error: "Stopped", aborted: "Stopped by you",
        saved: "Saved. Values are never shown again.", noCards: "0", setCount: (n, m) => `${n} of ${m} variables set in the project`,
        envTitle: "Set environment variables", sensitive: "Sensitive (write-only)",
        language: "Language", generation: "Generation", prompt: "Describe the app you want to build…", generate: "Generate with v0", play: "Replay",
        stop: "Stop", thinking: "Thinking", integrations: "Integrations", empty: "When the AI asks for a database, an MCP server or keys, it shows up here.",
        envHint: "Values go to the server, are stored encrypted and are never shown again.", cancel: "Cancel", save: "Save",
        vercel: "Vercel", vercelConnect: "Connect Vercel", sync: "Sync installs", link: "Link project", envPanel: "Environment variables",
        sensitiveShort: "Sensitive", add: "Add", update: "Change value", remove: "Delete", hidden: "hidden (sensitive)",
        notConnected: "No Vercel account connected.", connected: (c) => `Connected (${c.configurationId}${c.teamId ? `, team ${c.teamId}` : ""}).`,
        notConfigured: "The server has no Vercel integration configured.", linked: (id) => `Linked to the Vercel project ${id}.`,
        synced: (n) => `${n} install(s) synced.`, resumed: "The generation continues…",
        mcpPanel: "MCP servers", mcpHint: "Keys and tokens stay on the server; v0 gets a single project token.", mcpAudit: "Call log",
        mcpCustom: "Custom server", mcpTest: "Test connection", mcpTools: "Tools", mcpOAuth: "Connect OAuth", mcpEnabled: "On",
        mcpTested: (r) => `${r.server.name ?? "The server"} answers: ${r.toolCount} tools.`, mcpConnected: "The MCP server is connected.",
        mcpV0Connect: "Give v0 access (new project token)", mcpV0Revoke: "Revoke v0's token",
        mcpV0Minted: (m) => `Shown once — ${m.url} · ${m.token}${m.v0McpServerId ? " · registered with v0" : ""}`, mcpV0Revoked: (r) => r.revoked ? `Revoked${r.v0Unregistered ? " and removed from v0" : ""}.` : "There was no token." },
};

let locale = localStorage.getItem("sm-locale") || "sv";
let session = null;
let controller = null;
let projectId = null;
let projectKeys = [];
let projectVars = [];
let records = [];
let checks = [];
let mcpServers = [];
let mcpPresets = [];
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
    else if (action.kind === "connect_mcp") openMcpPanel(action.preset, cardTitle(cardId));
    else if (action.kind === "resume") resume().catch(showError);
    else if (action.kind === "verify") verify(cardId).catch(showError);
  },
};

function cardTitle(cardId) {
  return session?.cards().find((c) => c.id === cardId)?.title ?? cardId;
}

/** Asks the backend to check the card's keys (it uses the stored values; none come back). */
async function verify(cardId) {
  const provider = session?.cards().find((c) => c.id === cardId)?.provider;
  if (!provider) return;
  const check = await client.verifyIntegration(projectId, provider);
  checks = [...checks.filter((c) => c.provider !== provider), check];
  renderCards();
  toast(check.detail);
}

function renderCards() {
  if (session) session.setIntegrationRecords(records);
  if (session) session.setIntegrationChecks(checks);
  if (session) session.setMcpServers(mcpServers);
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
  // A change of keys makes the backend forget its checks.
  checks = await client.integrationChecks(projectId);
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

// --- MCP servers: presets and custom servers, test, tools with allow toggles, the call log --------

async function refreshMcp() {
  mcpServers = await client.listMcpServers();
  renderMcpList();
  renderCards();
  const entries = await client.mcpAudit();
  $("mcp-audit").replaceChildren(...entries.slice(0, 10).map((e) => {
    const item = document.createElement("li");
    item.dataset.ok = String(e.ok);
    item.textContent = `${e.serverName} · ${e.tool} · ${e.via} · ${e.durationMs} ms${e.ok ? "" : ` · ${e.errorCode}`}`;
    return item;
  }));
}

function button(label, op, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "ghost";
  b.dataset.op = op;
  b.textContent = label;
  b.addEventListener("click", () => onClick().catch(mcpError));
  return b;
}

function mcpError(err) {
  $("mcp-result").textContent = `${err.message} (${err.code})`;
  $("mcp-result").dataset.state = "error";
}

function renderMcpList() {
  $("mcp-list").replaceChildren(...mcpServers.map((server) => {
    const item = document.createElement("li");
    item.dataset.serverId = server.id;
    item.dataset.name = server.name;
    const name = document.createElement("code");
    name.textContent = server.name;
    const url = document.createElement("span");
    url.className = "url";
    url.textContent = `${server.url} (${server.authKind})`;
    const toggle = document.createElement("label");
    const enabled = document.createElement("input");
    enabled.type = "checkbox";
    enabled.checked = server.enabled;
    enabled.dataset.op = "enabled";
    enabled.addEventListener("change", () => client.updateMcpServer(server.id, { enabled: enabled.checked }).then(refreshMcp).catch(mcpError));
    toggle.append(enabled, document.createTextNode(` ${t().mcpEnabled}`));
    item.append(name, url, toggle,
      button(t().mcpTest, "test", async () => {
        const result = await client.testMcpServer(server.id);
        $("mcp-result").textContent = t().mcpTested(result);
        $("mcp-result").dataset.state = "ok";
      }),
      button(t().mcpTools, "tools", () => showTools(server)));
    if (server.authKind === "oauth") {
      item.append(button(t().mcpOAuth, "oauth", async () => { location.href = (await client.startMcpOAuth(server.id)).url; }));
    }
    item.append(button(t().remove, "delete", () => client.deleteMcpServer(server.id).then(refreshMcp)));
    return item;
  }));
}

/** The server's tools, each with a toggle that edits the server's allow-list. */
async function showTools(server) {
  const tools = await client.listMcpTools(server.id);
  $("mcp-tools").dataset.serverId = server.id;
  $("mcp-tools").replaceChildren(...tools.map((tool) => {
    const item = document.createElement("li");
    item.dataset.tool = tool.name;
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = tool.allowed;
    box.addEventListener("change", async () => {
      const allowed = [...$("mcp-tools").querySelectorAll("li")]
        .filter((li) => li.querySelector("input").checked).map((li) => li.dataset.tool);
      await client.updateMcpServer(server.id, { allowedTools: allowed }).catch(mcpError);
      await refreshMcp();
      item.dataset.allowed = String(box.checked);
    });
    item.dataset.allowed = String(tool.allowed);
    const name = document.createElement("code");
    name.textContent = tool.name;
    item.append(box, name, document.createTextNode(tool.description ? ` — ${tool.description}` : ""));
    return item;
  }));
}

function fillFromPreset(id) {
  const preset = mcpPresets.find((p) => p.id === id);
  $("mcp-preset").value = preset ? preset.id : "";
  $("mcp-name").value = preset ? preset.id : "";
  $("mcp-url").value = preset?.url ?? "";
  $("mcp-auth").value = preset?.authKind ?? "none";
}

/** The MCP card's action: the panel, pre-filled with the card's preset. */
function openMcpPanel(preset, title) {
  fillFromPreset(preset);
  if (!preset) $("mcp-name").value = title.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").slice(0, 32);
  $("mcp-panel").classList.add("focus");
  $("mcp-panel").scrollIntoView({ block: "center" });
  $("mcp-url").focus();
}

$("mcp-preset").addEventListener("change", () => fillFromPreset($("mcp-preset").value));

$("mcp-add").addEventListener("submit", (event) => {
  event.preventDefault();
  const authKind = $("mcp-auth").value;
  const secret = $("mcp-secret").value;
  $("mcp-secret").value = "";
  const body = { name: $("mcp-name").value.trim(), authKind };
  if ($("mcp-url").value.trim()) body.url = $("mcp-url").value.trim();
  if ($("mcp-preset").value) body.preset = $("mcp-preset").value;
  if (secret && authKind === "bearer") body.bearerToken = secret;
  if (secret && authKind === "headers") {
    const at = secret.indexOf(":");
    body.headers = { [secret.slice(0, at).trim()]: secret.slice(at + 1).trim() };
  }
  client.createMcpServer(body)
    .then(() => { $("mcp-result").textContent = ""; $("mcp-panel").classList.remove("focus"); return refreshMcp(); })
    .catch(mcpError);
});

/** The project's MCP endpoint for v0: a new token (shown this once; the backend registers the
 * endpoint with v0 under it), or the token revoked (and the registration removed). */
async function mintForV0() {
  const minted = await client.mintMcpToken(await ensureProject());
  $("mcp-v0-token").textContent = t().mcpV0Minted(minted);
  $("mcp-v0-token").dataset.state = "minted";
}

async function revokeForV0() {
  const revoked = await client.revokeMcpToken(await ensureProject());
  $("mcp-v0-token").textContent = t().mcpV0Revoked(revoked);
  $("mcp-v0-token").dataset.state = "revoked";
}

$("mcp-v0-connect").addEventListener("click", () => mintForV0().catch(mcpError));
$("mcp-v0-revoke").addEventListener("click", () => revokeForV0().catch(mcpError));

async function setUpMcp() {
  mcpPresets = await client.mcpPresets();
  $("mcp-preset").replaceChildren(new Option(t().mcpCustom, ""), ...mcpPresets.map((p) => new Option(p.name, p.id)));
  await refreshMcp();
  // Back from an OAuth authorization.
  const url = new URL(location.href);
  if (url.searchParams.get("mcp") === "connected") toast(t().mcpConnected);
}

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
  await setUpMcp();
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
