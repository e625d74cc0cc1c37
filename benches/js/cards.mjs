// The integration cards of the JS reference pipeline (benches/js/pipelines.mjs): the same
// structural sources and the same de-duplication as the package (src/signals.rs, src/cards.rs),
// written as a JS developer would, so the comparison measures equal work. Names resolve through
// benches/js/catalog.json, which a native test (tests/bench_catalog.rs) keeps equal to the
// package's catalog. What a card carries here is what tells cards apart: id, provider, kind,
// status and env-var keys; the package also renders titles, labels and actions (more work on
// its side, none on this one).

const RANK = { requested: 0, error: 0, "setup-required": 1, installing: 1, connected: 2, completed: 2 };
const STATUS = {
  requested: "requested", pending: "requested", request: "requested",
  "setup-required": "setup-required", setup_required: "setup-required", "needs-setup": "setup-required",
  connected: "connected", installed: "connected", ready: "connected",
  completed: "completed", complete: "completed", error: "error", failed: "error",
};
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;
const normalize = (name) => name.toLowerCase().replace(/[^a-z0-9]/g, "");
const str = (v, k) => (v && typeof v === "object" && typeof v[k] === "string" ? v[k] : undefined);
const parseStatus = (s) => STATUS[s.trim().toLowerCase()];

/** Name lookups over the catalog: normalized name → entries, in catalog order. */
export function catalogIndex({ providers }) {
  const byKey = new Map();
  const byId = new Map();
  for (const p of providers) {
    for (const key of new Set(p.keys)) byKey.set(key, [...(byKey.get(key) ?? []), p]);
    if (!byId.has(`${p.kind}:${p.id}`)) byId.set(`${p.kind}:${p.id}`, p);
    if (!byId.has(p.id)) byId.set(p.id, p);
  }
  const lookup = (name, kind) => {
    const found = byKey.get(normalize(name));
    return found && (found.find((p) => p.kind === kind) ?? found[0]);
  };
  const resolve = (name, kind) => {
    const known = lookup(name, kind);
    if (known) return known.id;
    const slug = name.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    return slug ? `custom:${slug}` : undefined;
  };
  const owner = (keys) => {
    for (const key of keys) for (const p of providers) if (p.envVars.includes(key)) return p.id;
    return "custom:env-vars";
  };
  return { lookup, resolve, owner, byId: (id, kind) => byId.get(`${kind}:${id}`) ?? byId.get(id) };
}

const names = (list) => (Array.isArray(list) ? list : [])
  .map((v) => (typeof v === "string" ? v : str(v, "name") ?? str(v, "slug") ?? str(v, "id")))
  .filter((s) => s !== undefined && s.trim() !== "");
const envKeys = (list) => {
  const out = [];
  for (const v of Array.isArray(list) ? list : []) {
    const key = (typeof v === "string" ? v : str(v, "key") ?? str(v, "name"))?.trim();
    if (key !== undefined && ENV_KEY.test(key) && !out.includes(key)) out.push(key);
  }
  return out;
};

/** What a tool name asks for (the package's rule: a verb that asks, and the object). */
function toolIntent(name) {
  const key = normalize(name);
  if (key === "getorrequestintegration") return "integration";
  if (!["request", "require", "install", "add", "set", "ask", "connect", "configure", "need"].some((v) => key.includes(v))) return undefined;
  if (["list", "read", "delete", "remove", "check"].some((v) => key.includes(v))) return undefined;
  if (key.includes("envvar") || key.includes("environmentvariable")) return "env_vars";
  return key.includes("integration") ? "integration" : undefined;
}

/** Signals `{key, provider, kind, status, envVars}` of structural sources, as the package reads them. */
export function signalReader(catalog) {
  const signal = (source, position, provider, kind, status, envVars = []) =>
    ({ key: `${source}/${position}/${kind}:${provider}`, provider, kind, status, envVars });
  const request = (data, position, out) => {
    for (const [field, kind] of [["requestedIntegrations", "integration"], ["requestedMcpPresets", "mcp"]]) {
      for (const name of names(data?.[field])) {
        const id = catalog.resolve(name, kind);
        if (id) out.push(signal("part", position, id, kind, "requested"));
      }
    }
  };
  const part = (p, position, out) => {
    const type = str(p, "type");
    if (type === "agent-action") {
      const data = p.data ?? null;
      if (p.name === "get_or_request_integration") request(data, position, out);
      else if (p.name === "configure_vercel_connect") {
        const status = str(data, "status") && parseStatus(data.status);
        if (!status) return;
        const services = str(data, "service") !== undefined ? [data.service] : [];
        for (const c of Array.isArray(data.connectors) ? data.connectors : []) {
          const s = str(c, "service");
          if (s !== undefined && !services.includes(s)) services.push(s);
        }
        for (const s of services) {
          const id = catalog.resolve(s, "connector");
          if (id) out.push(signal("part", position, id, "connector", status));
        }
      }
    } else if (type === "tool-call") {
      const name = str(p, "toolName") ?? str(p, "name");
      const intent = name === undefined ? undefined : toolIntent(name);
      const input = p.input ?? p.args ?? null;
      if (intent === "integration") {
        request(input, position, out);
        const listed = names(input?.integrations);
        if (str(input, "integration") !== undefined) listed.push(input.integration);
        for (const n of listed) {
          const id = catalog.resolve(n, "integration");
          if (id) out.push(signal("part", position, id, "integration", "requested", envKeys(input.keys ?? input.envVars)));
        }
      } else if (intent) {
        const keys = envKeys(input?.keys ?? input?.envVars ?? input?.env_vars ?? input?.variables);
        if (!keys.length) return;
        const named = str(input, "provider") ?? str(input, "integration");
        const id = named === undefined ? catalog.owner(keys) : catalog.resolve(named, "env_vars");
        if (id) out.push(signal("part", position, id, "env_vars", "requested", keys));
      }
    }
  };
  return {
    /** The parts at index `from` and after. */
    parts(parts, from, out) {
      for (let i = from; i < parts.length; i++) part(parts[i], i, out);
    },
    /** v1 content: `task-request-…-v1` tasks with `add-integration` / `add-env-var` steps. */
    content(content, out) {
      let position = 0;
      for (const row of content) {
        if (!Array.isArray(row?.[1])) continue;
        for (const node of row[1]) {
          // Only `AssistantMessageContentPart` nodes at the top of a row carry parts.
          if (!Array.isArray(node) || node[0] !== "AssistantMessageContentPart") continue;
          const task = node[1]?.part;
          if (task === undefined) continue;
          {
            const at = position++;
            const type = str(task, "type");
            if (!type?.startsWith("task-request-") || !(type.includes("integration") || type.includes("env"))) continue;
            const integrations = [];
            const keys = [];
            for (const sub of Array.isArray(task.parts) ? task.parts : []) {
              for (const step of Array.isArray(sub?.steps) ? sub.steps : []) {
                const name = str(step, "stepName")?.trim();
                if (name === undefined) continue;
                if (step.type === "add-integration") {
                  const id = catalog.resolve(name, "integration");
                  if (id) integrations.push(id);
                } else if (step.type === "add-env-var" && ENV_KEY.test(name) && !keys.includes(name)) keys.push(name);
              }
            }
            if (!integrations.length) {
              if (keys.length) out.push(signal("content", at, catalog.owner(keys), "env_vars", "requested", keys));
            } else for (const id of integrations) out.push(signal("content", at, id, "integration", "requested", keys));
          }
        }
      }
    },
    /** The proxy's `integration` items. */
    items(items, out) {
      items.forEach((item, position) => {
        const status = str(item, "status") === undefined ? "requested" : parseStatus(item.status);
        const name = str(item, "provider")?.trim() ? item.provider : str(item, "name");
        if (!status || name === undefined) return;
        const intent = str(item, "intent");
        let kind;
        if (intent === undefined || intent === "install") kind = "integration";
        else if (intent === "connect") kind = catalog.lookup(name, "mcp")?.kind === "mcp" ? "mcp" : "connector";
        else if (intent === "env_vars" || intent === "env-vars") kind = "env_vars";
        else return;
        const id = catalog.resolve(name, kind);
        if (id) out.push(signal("item", position, id, kind, status, envKeys(item.envVars)));
      });
    },
  };
}

/** De-duplication: one card per (kind, provider); a status never moves back (an error may be
 *  followed by anything); env-var keys are the union, then the catalog's. A signal seen before
 *  (same source, position and card) changes nothing. */
export function cardBook(catalog) {
  const cards = new Map();
  const seen = new Map();
  let changed = false;
  return {
    observe(signals) {
      for (const s of signals) {
        const before = seen.get(s.key);
        if (before && before.status === s.status && before.envVars.join() === s.envVars.join()) continue;
        seen.set(s.key, s);
        const id = `${s.kind}:${s.provider}`;
        let card = cards.get(id);
        if (!card) cards.set(id, (card = { id, provider: s.provider, kind: s.kind, status: s.status, keys: [] }));
        if (RANK[s.status] >= RANK[card.status] || card.status === "error") card.status = s.status;
        for (const k of s.envVars) if (!card.keys.includes(k)) card.keys.push(k);
        changed = true;
      }
    },
    /** The cards, if any changed since the last call. */
    takeChanged() {
      if (!changed) return undefined;
      changed = false;
      return [...cards.values()].map((c) => {
        const envVars = [...c.keys];
        for (const k of catalog.byId(c.provider, c.kind)?.envVars ?? []) if (!envVars.includes(k)) envVars.push(k);
        return { id: c.id, provider: c.provider, kind: c.kind, status: c.status, envVars };
      });
    },
  };
}
