// Streams for the comparison benchmark, generated in the shapes of the in-tree samples:
// a long v2 chat (chat, titles, then `message.parts.chunk` deltas that resend a part's whole
// text as v0 does, a new part every 40 events, an integration request now and then), and
// a stream that adds one part per event (for the cost per event as the parts grow).
const enc = new TextEncoder();
const line = (value) => `data: ${JSON.stringify(value)}\n\n`;

/** A v2 chat stream of at least `minBytes`. */
export function longV2(minBytes = 1 << 20) {
  const out = [line({ object: "chat", id: "benchChat01", privacy: "private", vercelProjectId: "prj_bench" }),
    line({ object: "chat.title", id: "benchChat01", delta: "Keramikstudio" })];
  let size = out.join("").length;
  let part = -1;
  let text = "";
  for (let event = 0; size < minBytes; event++) {
    let delta;
    if (event % 40 === 0) {
      part += 1;
      text = `Stycke ${part}: `;
      const kind = part % 5 === 4 ? "thinking" : "text";
      delta = { [part]: [{ type: kind, text, startedAt: "2026-02-12T08:00:54.245Z" }], _t: "a" };
    } else if (event % 97 === 0) {
      part += 1;
      delta = { [part]: [{ type: "agent-action", name: "get_or_request_integration",
        data: { requestedIntegrations: ["Neon"], requestedMcpPresets: [] } }], _t: "a" };
      text = null;
    } else {
      if (text === null) continue;
      const next = `${text}ord ${event} `;
      delta = { [part]: { text: [text, next] }, _t: "a" };
      text = next;
    }
    const l = line({ object: "message.parts.chunk", id: "benchMsg01", delta });
    out.push(l);
    size += l.length;
  }
  out.push(line({ object: "message.finish", id: "benchMsg01", finishReason: "stop" }));
  return enc.encode(out.join(""));
}

/** A v2 stream that adds `n` parts, one per event. */
export function growing(n) {
  const out = [line({ object: "message", id: "m", chatId: "c", parts: [] })];
  for (let i = 0; i < n; i++) {
    const part = i % 10 === 0 ? { type: "text", text: `Stycke ${i}.` }
      : { type: "tool-call", toolName: "read_file", input: { path: `src/${i}.ts` } };
    out.push(line({ object: "message.parts.chunk", delta: { [i]: [part], _t: "a" } }));
  }
  return enc.encode(out.join(""));
}
