// The leak-guard corpus (tests/data/leaks.json) through `StreamSession.consume`, for Node and
// for a page in Chromium (the same function runs in both). Streams are built in the three
// formats as tests/leaks.rs builds them, and fed in chunks of several sizes.

const joined = (pieces) => pieces.join("");

/** `text` as a stream of each format (three text pieces, so a key may also span events). */
export function streams(text) {
  const chars = [...text];
  const third = Math.floor(chars.length / 3);
  const pieces = [chars.slice(0, third).join(""), chars.slice(third, 2 * third).join(""), chars.slice(2 * third).join("")];
  const data = (value) => `data: ${JSON.stringify(value)}\n\n`;
  let v2 = data({ object: "chat", id: "c1" });
  let v1 = data({ object: "chat", id: "c1" });
  let proxy = `event: chatId\ndata: ${JSON.stringify({ id: "c1" })}\n\n`;
  let sofar = "";
  pieces.forEach((piece, i) => {
    const now = sofar + piece;
    v2 += data({ object: "message.parts.chunk", id: "m1", delta: i === 0
      ? { 0: [{ type: "text", text: piece }], _t: "a" }
      : { 0: { text: [sofar, now] }, _t: "a" } });
    v1 += data({ object: "message.experimental_content.chunk", delta: i === 0
      ? { 0: [[0, [["p", {}, ["text", {}, piece]]]]], _t: "a" }
      : { 0: { 1: { 0: { 2: { 2: [sofar, now], _t: "a" }, _t: "a" }, _t: "a" }, _t: "a" }, _t: "a" } });
    proxy += `event: content\ndata: ${JSON.stringify(piece)}\n\n`;
    sofar = now;
  });
  v2 += data({ object: "message", id: "m1", chatId: "c1", parts: [{ type: "text", text }], finishReason: "stop" });
  v1 += data({ object: "message.experimental_content.done" });
  proxy += "event: done\ndata: {}\n\n";
  return { v2, v1, proxy };
}

/** Feeds `stream` through consume in chunks of `size`: what a UI shows, every delta, the cards. */
async function consume(StreamSession, stream, size) {
  const bytes = new TextEncoder().encode(stream);
  const body = new ReadableStream({
    start(controller) {
      for (let at = 0; at < bytes.length; at += size) controller.enqueue(bytes.slice(at, at + size));
      controller.close();
    },
  });
  const session = new StreamSession({ locale: "sv" });
  let text = "";
  const deltas = [];
  const snapshot = await session.consume(body, (u) => {
    if (u.type !== "content") return;
    if (u.reset) text = "";
    text += u.delta;
    deltas.push(u.delta);
  });
  const cards = session.cards().filter((c) => c.kind === "secret");
  session.free();
  return { text, deltas, cards, snapshot };
}

/** Runs the corpus; returns the problems found (empty when precision and recall are 100%). */
export async function checkLeaks(mod, corpus) {
  const problems = [];
  const sizes = [1, 7, 64, 1 << 20];
  for (const trap of corpus.traps) {
    for (const [format, stream] of Object.entries(streams(trap))) {
      for (const size of sizes) {
        const seen = await consume(mod.StreamSession, stream, size);
        if (seen.cards.length) problems.push(`trap ${format}@${size} made a card: ${trap}`);
        if (seen.text !== trap) problems.push(`trap ${format}@${size} changed: ${trap}`);
      }
    }
  }
  for (const leak of corpus.leaks) {
    const secret = joined(leak.secret);
    const core = joined(leak.core);
    const text = leak.before + secret + leak.after;
    for (const [format, stream] of Object.entries(streams(text))) {
      for (const size of sizes) {
        const seen = await consume(mod.StreamSession, stream, size);
        const what = `${leak.kind} ${format}@${size}`;
        const card = seen.cards.length === 1 ? seen.cards[0] : null;
        if (!card || card.provider !== leak.kind || card.envVars[0]?.key !== leak.envKey
            || !card.actions.some((a) => a.kind === "set_env_vars" && a.envKeys?.includes(leak.envKey))) {
          problems.push(`${what}: cards ${JSON.stringify(seen.cards.map((c) => [c.provider, c.envVars]))}`);
        }
        if (seen.text.includes(core) || seen.deltas.some((d) => d.includes(core))) problems.push(`${what}: the key was shown`);
        if (!seen.text.startsWith(leak.before) || !seen.text.endsWith(leak.after) || !seen.text.includes("…")) problems.push(`${what}: not masked in place`);
        if (JSON.stringify(seen.snapshot).includes(core)) problems.push(`${what}: the snapshot carries the key`);
      }
    }
  }
  return { problems, traps: corpus.traps.length, leaks: corpus.leaks.length };
}
