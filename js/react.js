"use client";
// `@sajtmaskin/integrations/react`: React bindings over the package (React is a peer
// dependency, not bundled). Plain JavaScript with `createElement`, so it needs no JSX step in
// the consumer's build. Types: react.d.ts next to this file.
//
// The wasm module is loaded with a dynamic import from effects only, so importing this file on
// the server (a Next.js server component that renders <IntegrationCard>, or server-side
// rendering of a client component) never instantiates it.
import { createElement, useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";

let loading = null;
let loaded = null;
const moduleListeners = new Set();

/** The package's main module, imported once, in the browser, on first use. */
function loadPackage() {
  loading ??= import("./sajtmaskin_integrations.js").then((mod) => {
    loaded = mod;
    moduleListeners.forEach((listener) => listener());
    return mod;
  });
  return loading;
}

/** The loaded module or null; null while rendering on the server and during hydration. */
function usePackage() {
  const mod = useSyncExternalStore(
    (listener) => {
      moduleListeners.add(listener);
      return () => moduleListeners.delete(listener);
    },
    () => loaded,
    () => null,
  );
  useEffect(() => {
    loadPackage().catch(() => {});
  }, []);
  return mod;
}

/** A `BackendClient` for `options`, or null until the module has loaded (and on the server).
 *  A new client when `baseUrl` or `timeoutMs` change; `token` is read when the client is made. */
export function useBackendClient(options) {
  const mod = usePackage();
  const baseUrl = options?.baseUrl;
  const timeoutMs = options?.timeoutMs;
  const token = useRef(options?.token);
  token.current = options?.token;
  const [client, setClient] = useState(null);
  useEffect(() => {
    if (!mod) return undefined;
    const made = new mod.BackendClient({ baseUrl, timeoutMs, token: token.current });
    setClient(made);
    return () => {
      setClient(null);
      made.free();
    };
  }, [mod, baseUrl, timeoutMs]);
  return client;
}

// ---------------------------------------------------------------------------------------------
// useStreamSession

const IDLE = Object.freeze({ text: "", cards: [], status: "idle", error: null });

/** One read of one response, shared by every component that renders it. */
const runs = new WeakMap();

function startRun(response, options) {
  const run = {
    state: { text: "", cards: [], status: "streaming", error: null },
    listeners: new Set(),
    users: 0,
    controller: new AbortController(),
  };
  const set = (patch) => {
    run.state = { ...run.state, ...patch };
    run.listeners.forEach((listener) => listener(run.state));
  };
  (async () => {
    let session = null;
    try {
      const { StreamSession } = await loadPackage();
      run.controller.signal.throwIfAborted();
      const body = response instanceof ReadableStream ? response : response?.body;
      if (!body) throw Object.assign(new Error("the response has no body"), { code: "invalid_argument" });
      session = new StreamSession(options);
      let text = "";
      const snapshot = await session.consume(
        body,
        (update) => {
          if (update.type === "content") {
            text = update.reset ? update.delta : text + update.delta;
            set({ text });
          } else if (update.type === "cards") {
            set({ cards: session.cards() });
          }
        },
        run.controller.signal,
      );
      set({ text: snapshot.text, cards: session.cards(), status: snapshot.error ? "error" : "done", error: snapshot.error });
    } catch (err) {
      const aborted = run.controller.signal.aborted || err?.code === "aborted";
      set({
        status: aborted ? "aborted" : "error",
        error: aborted ? null : { code: typeof err?.code === "string" ? err.code : "error", message: String(err?.message ?? err) },
      });
    } finally {
      session?.free();
    }
  })();
  return run;
}

/**
 * Reads a v0 stream (`fetch` response or its body) into `{ text, cards, status, error }`.
 * One read per response however often the component mounts (StrictMode's double effects
 * included); the read is aborted when no mounted component uses the response any more (unmount,
 * or a new response). `options` are the `StreamSession` options, read when a response starts.
 */
export function useStreamSession(response, options) {
  const [state, setState] = useState(IDLE);
  const optionsRef = useRef(options);
  optionsRef.current = options;
  useEffect(() => {
    if (!response) {
      setState(IDLE);
      return undefined;
    }
    let run = runs.get(response);
    if (!run) {
      run = startRun(response, optionsRef.current);
      runs.set(response, run);
    }
    run.users += 1;
    run.listeners.add(setState);
    setState(run.state);
    return () => {
      run.listeners.delete(setState);
      run.users -= 1;
      // StrictMode runs an effect's clean-up and the effect again at once: stop the read only
      // if no component has taken the response back by then.
      queueMicrotask(() => {
        if (run.users === 0) run.controller.abort();
      });
    };
  }, [response]);
  return state;
}

// ---------------------------------------------------------------------------------------------
// useEnvVars, useMcpServers: a list from the backend, loaded again after every mutation.

function useBackendList(load, deps) {
  const [state, setState] = useState({ data: [], loading: false, error: null });
  const latest = useRef(0);
  const refresh = useCallback(async () => {
    const request = ++latest.current;
    if (!load) {
      setState({ data: [], loading: false, error: null });
      return [];
    }
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await load();
      if (request === latest.current) setState({ data, loading: false, error: null });
      return data;
    } catch (error) {
      if (request === latest.current) setState((s) => ({ ...s, loading: false, error }));
      throw error;
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    refresh().catch(() => {});
    return () => {
      latest.current += 1; // answers that arrive after this are not shown
    };
  }, [refresh]);
  /** `call` then a refresh; resolves with what `call` resolved with. */
  const mutate = useCallback(
    async (call) => {
      try {
        return await call();
      } finally {
        await refresh().catch(() => {});
      }
    },
    [refresh],
  );
  return { ...state, refresh, mutate };
}

/** A project's env vars, `{ envVars, loading, error, refresh, upsert, update, remove }`;
 *  every mutation loads the list again. Idle while `backend` or `projectId` is missing. */
export function useEnvVars(backend, projectId) {
  const ready = backend && projectId;
  const list = useBackendList(ready ? () => backend.listEnvVars(projectId) : null, [backend, projectId]);
  const { mutate } = list;
  return {
    envVars: list.data,
    loading: list.loading,
    error: list.error,
    refresh: list.refresh,
    upsert: useCallback((vars, options) => mutate(() => backend.upsertEnvVars(projectId, vars, options)), [mutate, backend, projectId]),
    update: useCallback((vars) => mutate(() => backend.updateEnvVars(projectId, vars)), [mutate, backend, projectId]),
    remove: useCallback((selector) => mutate(() => backend.deleteEnvVars(projectId, selector)), [mutate, backend, projectId]),
  };
}

/** The user's MCP servers, `{ servers, loading, error, refresh, create, update, remove }`;
 *  every mutation loads the list again. Idle while `backend` is missing. */
export function useMcpServers(backend) {
  const list = useBackendList(backend ? () => backend.listMcpServers() : null, [backend]);
  const { mutate } = list;
  return {
    servers: list.data,
    loading: list.loading,
    error: list.error,
    refresh: list.refresh,
    create: useCallback((server) => mutate(() => backend.createMcpServer(server)), [mutate, backend]),
    update: useCallback((id, patch) => mutate(() => backend.updateMcpServer(id, patch)), [mutate, backend]),
    remove: useCallback((id) => mutate(() => backend.deleteMcpServer(id)), [mutate, backend]),
  };
}

// ---------------------------------------------------------------------------------------------
// <IntegrationCard>

/**
 * One card, unstyled, with `CardRenderer`'s markup and rules: text only (React escapes it),
 * links only for URLs the package's allow-list permits (`isAllowedActionUrl`; until the module
 * has loaded, and on the server, a link shows as its label without a link), buttons call
 * `onAction(cardId, action)`.
 */
export function IntegrationCard({ card, onAction, allowedActionHosts }) {
  const mod = usePackage();
  const h = createElement;
  const permitted = (url) => {
    try {
      return Boolean(mod?.isAllowedActionUrl(url, allowedActionHosts));
    } catch {
      return false;
    }
  };
  const actions = card.actions.map((action, i) => {
    if (action.url !== undefined && action.url !== null) {
      if (!mod) return h("span", { key: i, className: "sm-action sm-link", "data-action": action.kind }, action.label);
      if (!permitted(action.url)) return null;
      return h("a", { key: i, className: "sm-action sm-link", href: action.url, target: "_blank", rel: "noopener noreferrer", "data-action": action.kind }, action.label);
    }
    return h(
      "button",
      { key: i, type: "button", className: "sm-action", "data-action": action.kind, "data-card-id": card.id, onClick: () => onAction?.(card.id, action) },
      action.label,
    );
  });
  return h(
    "article",
    { className: "sm-card", "data-card-id": card.id, "data-kind": card.kind, "data-status": card.status.code },
    h(
      "header",
      { className: "sm-card-head" },
      h("h3", { className: "sm-card-title" }, card.title),
      h("span", { className: "sm-card-status" }, card.status.label),
      card.verification
        ? h("span", { className: "sm-card-verification", "data-verification": card.verification.status }, card.verification.label)
        : null,
    ),
    h("p", { className: "sm-card-description" }, card.description),
    card.envVars.length > 0
      ? h(
          "ul",
          { className: "sm-card-env" },
          card.envVars.map((v) =>
            h("li", { key: v.key, className: v.set ? "sm-env sm-env-set" : "sm-env", "data-key": v.key, "data-set": String(v.set) }, h("code", { className: "sm-env-key" }, v.key), h("span", { className: "sm-env-mark" }, v.set ? "✓" : "—")),
          ),
        )
      : null,
    h("div", { className: "sm-card-actions" }, actions),
  );
}
