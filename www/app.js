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
        envHint: "Värdena skickas till servern, sparas krypterat och visas aldrig igen.", cancel: "Avbryt", save: "Spara" },
  en: { idle: "Ready", ready: "Ready", streaming: "Generating…", done: "Done", error: "Stopped", aborted: "Stopped by you",
        saved: "Saved. Values are never shown again.", noCards: "0", setCount: (n, m) => `${n} of ${m} variables set in the project`,
        mcp: (name) => `${name}: connect the MCP server in v0's settings.`, envTitle: "Set environment variables", sensitive: "Sensitive (write-only)",
        language: "Language", generation: "Generation", prompt: "Describe the app you want to build…", generate: "Generate with v0", play: "Replay",
        stop: "Stop", thinking: "Thinking", integrations: "Integrations", empty: "When the AI asks for a database, an MCP server or keys, it shows up here.",
        envHint: "Values go to the server, are stored encrypted and are never shown again.", cancel: "Cancel", save: "Save" },
};

let locale = localStorage.getItem("sm-locale") || "sv";
let session = null;
let controller = null;
let projectId = null;
let projectKeys = [];
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
  },
};

function cardTitle(cardId) {
  return session?.cards().find((c) => c.id === cardId)?.title ?? cardId;
}

function renderCards() {
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
  if (provider && !provider.startsWith("custom:")) client.startMarketplaceInstall(provider, projectId).catch(() => {});
});

async function refreshKeys() {
  const vars = await client.listEnvVars(projectId);
  projectKeys = vars.map((v) => v.key);
  renderCards();
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

async function run(response, total) {
  controller?.abort();
  controller = new AbortController();
  session = new StreamSession({ locale });
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
    const snapshot = await session.consume(counted, onUpdate, controller.signal);
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
  const response = await fetch("/api/demo/v0/chats", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await token()}` },
    body: JSON.stringify({ message: prompt }),
  });
  if (!response.ok || !response.body) throw new Error((await response.json()).error?.message ?? `HTTP ${response.status}`);
  await run(response, 0);
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
