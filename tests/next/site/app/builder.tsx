"use client";
// The builder's client side: a v0 stream from a route handler read with useStreamSession, the
// cards shown with <IntegrationCard>, and the backend's env vars and MCP servers through
// useEnvVars and useMcpServers. The test reads what happened from `window.builderLog`.
import { useEffect, useState } from "react";
import type { CardAction } from "@sajtmaskin/integrations";
import { IntegrationCard, useBackendClient, useEnvVars, useMcpServers, useStreamSession } from "@sajtmaskin/integrations/react";

type Log = { actions: string[]; cancelled: number; fetches: number };
type TestSettings = { backendUrl: string; token: string; projectId: string };
declare global {
  interface Window {
    builderLog: Log;
    SAJTMASKIN_TEST?: TestSettings;
  }
}

function log(): Log {
  window.builderLog ??= { actions: [], cancelled: 0, fetches: 0 };
  return window.builderLog;
}

/** A body that counts its cancellation, so the test sees the hook abort a read. */
function counted(body: ReadableStream<Uint8Array>): Response {
  const reader = body.getReader();
  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        log().cancelled += 1;
        return reader.cancel(reason);
      },
    }),
  );
}

function Stream({ response }: { response: Response }) {
  const { text, cards, status, error } = useStreamSession(response, { locale: "sv" });
  const onAction = (cardId: string, action: CardAction) => log().actions.push(`${cardId}:${action.kind}`);
  return (
    <section id="stream">
      <p id="status">{status}</p>
      {error ? <p id="error">{error.code}</p> : null}
      <p id="text">{text}</p>
      <div id="cards">
        {cards.map((card) => (
          <IntegrationCard key={card.id} card={card} onAction={onAction} />
        ))}
      </div>
    </section>
  );
}

function Backend({ settings }: { settings: TestSettings }) {
  const backend = useBackendClient({ baseUrl: settings.backendUrl, token: settings.token });
  const env = useEnvVars(backend, settings.projectId);
  const mcp = useMcpServers(backend);
  const [value, setValue] = useState("");
  return (
    <section id="backend" data-ready={String(backend !== null)}>
      <input id="env-value" value={value} onChange={(e) => setValue(e.target.value)} />
      <button id="env-save" onClick={() => void env.upsert([{ key: "DATABASE_URL", value, sensitive: true }])}>Spara</button>
      <button id="env-delete" onClick={() => void env.remove({ keys: ["DATABASE_URL"] })}>Ta bort</button>
      <ul id="env">
        {env.envVars.map((v) => (
          <li key={v.id} data-key={v.key} data-value={v.value ?? "null"} data-sensitive={String(v.sensitive)}>{v.key}</li>
        ))}
      </ul>
      <button id="mcp-add" onClick={() => void mcp.create({ name: "docs", url: "https://mcp.example.com/mcp" })}>MCP</button>
      <button id="mcp-disable" onClick={() => void mcp.update(mcp.servers[0].id, { enabled: false })}>Av</button>
      <ul id="mcp">
        {mcp.servers.map((s) => (
          <li key={s.id} data-name={s.name} data-enabled={String(s.enabled)}>{s.name}</li>
        ))}
      </ul>
      {env.error ? <p id="env-error">{env.error.code}</p> : null}
    </section>
  );
}

/** The stream-only entry (no BackendClient), loaded in the browser: a proxy stream's cards. */
function StreamOnly() {
  const [cards, setCards] = useState<string[] | null>(null);
  useEffect(() => {
    void import("@sajtmaskin/integrations/stream").then(({ StreamSession }) => {
      const session = new StreamSession({ locale: "en" });
      session.feed(new TextEncoder().encode('event: integration\ndata: {"items":[{"provider":"upstash","status":"requested"}]}\n\nevent: done\ndata: {}\n\n'));
      setCards(session.cards().map((c) => c.id));
      session.free();
    });
  }, []);
  return <p id="stream-only">{cards ? cards.join(",") : ""}</p>;
}

export default function Builder() {
  const [response, setResponse] = useState<Response | null>(null);
  const [shown, setShown] = useState(true);
  const [settings, setSettings] = useState<TestSettings | null>(null);
  useEffect(() => setSettings(window.SAJTMASKIN_TEST ?? null), []);
  async function start(path: string) {
    log().fetches += 1;
    const res = await fetch(path);
    setResponse(counted(res.body!));
  }
  return (
    <div>
      <button id="start" onClick={() => void start("/api/stream")}>Starta</button>
      <button id="slow" onClick={() => void start("/api/slow")}>Långsam</button>
      <button id="toggle" onClick={() => setShown((s) => !s)}>Visa/dölj</button>
      {/* Mounted with its first response (so StrictMode runs its effect twice in development);
          a later response reaches the mounted hook as a new argument. */}
      {shown && response ? <Stream response={response} /> : null}
      {settings ? <Backend settings={settings} /> : null}
      <StreamOnly />
    </div>
  );
}
