// The two pipelines the comparison runs on the same bytes, in Node and in Chromium:
// the package's StreamSession, and the JS pipeline a user could write from npm packages
// (eventsource-parser + JSON.parse + jsondiffpatch + a structural extractor of the
// integrations asked for, de-duplicated into cards: benches/js/cards.mjs). Both end with the
// text and the cards.
import { cardBook, signalReader } from "./cards.mjs";

/** The package: bytes → updates → text and cards, as a streaming UI reads them: the text from
 *  the `content` updates (appended, or replaced on `reset`), the cards from `cards` updates (each
 *  the latest version of a card, by id). The whole state stays in the session; `snapshot()`
 *  would bring all of it across (parts and v1 content included), which the JS pipeline's text
 *  has no counterpart of. */
export function wasmPipeline(StreamSession, bytes, chunk) {
  const session = new StreamSession();
  const ui = updatesReader();
  for (let at = 0; at < bytes.length; at += chunk) ui.take(session.feed(bytes.subarray(at, at + chunk)));
  ui.take(session.finish());
  // Freed here, not left to the FinalizationRegistry: finalizers only run when the event loop
  // turns, which a synchronous benchmark loop never lets happen (wasm memory then grows by
  // every session, and growing it cost a fifth of the time).
  session.free();
  return ui.result();
}

/** What the package's pipeline does with the updates of each `feed`: the text and the cards. */
function updatesReader() {
  const cards = new Map();
  let text = "";
  return {
    take(updates) {
      for (const u of updates) {
        if (u.type === "content") text = u.reset ? u.delta : text + u.delta;
        else if (u.type === "cards") {
          for (const c of u.cards) {
            cards.set(c.id, { id: c.id, provider: c.provider, kind: c.kind, status: c.status.code, envVars: c.envVars.map((e) => e.key) });
          }
        }
      }
    },
    result: () => ({ text, cards: [...cards.values()] }),
  };
}

/** jsondiffpatch, plus v0's append shortcut `[[i0, …, iN, suffix], 9, 9]` it does not know. */
function applyDelta(patch, target, delta) {
  if (Array.isArray(delta) && delta.length === 3 && delta[1] === 9 && delta[2] === 9) {
    const route = delta[0];
    const steps = route.slice(0, -1);
    if (steps.length === 0) return target + route[route.length - 1];
    let at = target;
    for (const step of steps.slice(0, -1)) at = at[step];
    at[steps[steps.length - 1]] += route[route.length - 1];
    return target;
  }
  return patch(target, delta);
}

/** v1 text: every `["text", {…}, "…"]` node under the rows `[0, [node, …]]`, depth first. */
function v1Text(content) {
  let out = "";
  const walk = (node) => {
    if (!Array.isArray(node)) return;
    if (node[0] === "text") { for (const c of node.slice(2)) if (typeof c === "string") out += c; return; }
    for (const c of node.slice(2)) walk(c);
  };
  for (const row of content) if (Array.isArray(row?.[1])) row[1].forEach(walk);
  return out;
}

/** The JS pipeline, doing the package's work on cards: signals from every structural source
 *  (v2 and proxy parts, v1 tasks, proxy `integration` items; benches/js/cards.mjs), read after
 *  each chunk from what the chunk changed (the parts from the first one a delta touched; all of
 *  the v1 content; all proxy items), de-duplicated into cards, and the changed cards taken after
 *  each chunk, as the package's `feed` returns them. Its text is derived once, at the end (the
 *  package keeps it current after every chunk: less work on this side). `js` holds
 *  eventsource-parser's `createParser`, jsondiffpatch's `patch` and `catalog`, the catalog's
 *  index (`catalogIndex`). */
export function jsPipeline({ createParser, patch, catalog }, bytes, chunk) {
  let parts = [];
  let content = [];
  let proxyText = "";
  const items = [];
  const read = signalReader(catalog);
  const book = cardBook(catalog);
  const cards = new Map();
  // What the events of the current chunk changed.
  let partsFrom = Infinity;
  let contentChanged = false;
  let itemsChanged = false;
  const parser = createParser({
    onEvent(event) {
      if (event.data === "[DONE]") return;
      const data = JSON.parse(event.data);
      if (event.event === "content") proxyText += data;
      else if (event.event === "parts") { parts = data; partsFrom = 0; }
      else if (event.event === "integration") { items.push(...data.items); itemsChanged = true; }
      else if (data.object === "message.parts.chunk") {
        parts = applyDelta(patch, parts, data.delta);
        for (const key of Object.keys(data.delta)) if (key[0] !== "_") partsFrom = Math.min(partsFrom, Number(key));
      } else if (data.object === "message.experimental_content.chunk") {
        content = applyDelta(patch, content, data.delta);
        contentChanged = true;
      } else if (data.object === "message" && Array.isArray(data.parts)) { parts = data.parts; partsFrom = 0; }
    },
  });
  const takeCards = () => {
    const found = [];
    if (partsFrom !== Infinity) read.parts(parts, partsFrom, found);
    if (contentChanged) read.content(content, found);
    if (itemsChanged) read.items(items, found);
    partsFrom = Infinity;
    contentChanged = itemsChanged = false;
    book.observe(found);
    for (const card of book.takeChanged() ?? []) cards.set(card.id, card);
  };
  const decoder = new TextDecoder();
  for (let at = 0; at < bytes.length; at += chunk) {
    parser.feed(decoder.decode(bytes.subarray(at, at + chunk), { stream: true }));
    takeCards();
  }
  parser.feed(decoder.decode());
  takeCards();
  const text = proxyText || (content.length ? v1Text(content) : parts.filter((p) => p.type === "text").map((p) => p.text).join("\n\n"));
  return { text, cards: [...cards.values()] };
}

/** Whether two pipelines' results are the same: text and cards. */
export const sameResult = (a, b) => a.text === b.text && JSON.stringify(a.cards) === JSON.stringify(b.cards);

/** Runs `fn` for `ms`: V8 first compiles wasm with its baseline compiler and JS with its lower
 *  tiers, and moves hot functions up in the background; a few runs were not enough for the
 *  first rows (the package's `SseParser` measured at 0.5-0.6x in Node after 3 runs, 1.6x after
 *  this). */
function warmUp(fn, ms = 400) {
  const start = performance.now();
  while (performance.now() - start < ms) fn();
}

/** MB/s of `fn` on `bytes`: warm-up, then as many runs as fit in `ms`. */
export function throughput(fn, bytes, ms = 1500) {
  warmUp(fn);
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < ms) { fn(); runs++; }
  return (bytes.length * runs) / ((performance.now() - start) / 1000) / 1e6;
}

/** Microseconds per event of `fn` over a stream of `events` events: the best of 5 batches,
 *  each repeating the stream for at least 50 ms (a browser's `performance.now()` is coarse:
 *  a single run of 100 events is below its resolution). */
export function perEvent(fn, events) {
  warmUp(fn);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    let runs = 0;
    const start = performance.now();
    while (performance.now() - start < 50) { fn(); runs++; }
    best = Math.min(best, (performance.now() - start) / runs);
  }
  return (best * 1000) / events;
}

/** Events delivered to JS by the package's `SseParser` and by eventsource-parser: count and data. */
export function sseRows(SseParser, createParser, bytes) {
  const out = [];
  for (const chunk of [16 * 1024, 512]) {
    const wasm = () => {
      const parser = new SseParser();
      let n = 0;
      let chars = 0;
      for (let at = 0; at < bytes.length; at += chunk) {
        for (const event of parser.feed(bytes.subarray(at, at + chunk))) { n++; chars += event.data.length; }
      }
      parser.free();
      return `${n}/${chars}`;
    };
    const js = () => {
      let n = 0;
      let chars = 0;
      const parser = createParser({ onEvent(event) { n++; chars += event.data.length; } });
      const decoder = new TextDecoder();
      for (let at = 0; at < bytes.length; at += chunk) parser.feed(decoder.decode(bytes.subarray(at, at + chunk), { stream: true }));
      return `${n}/${chars}`;
    };
    const same = wasm() === js();
    const wasmMBs = throughput(wasm, bytes);
    const jsMBs = throughput(js, bytes);
    out.push({ row: `SseParser vs eventsource-parser, long v2 chat, ${chunk} B chunks`, same, wasmMBs, jsMBs, ratio: wasmMBs / jsMBs });
  }
  return out;
}

/** The in-tree samples the comparison reads, by row name: the v1 and proxy samples with the most
 *  events, one of each with integration cards. */
export const SAMPLES = {
  "v1 sample s06": "s06-v1-countdown-thinking-code.sse",
  "v1 sample s07 (Clerk card)": "s07-v1-clerk-install-task.sse",
  "proxy sample s08 (Upstash card)": "s08-proxy-upstash-dedupe.sse",
  "proxy sample s09 (Blob card)": "s09-proxy-crlf-blob-keepalive.sse",
};

/** What the package cannot go below on a stream, whatever its parsing costs, replayed without
 *  any parsing: a session made and freed; per `feed`, the chunk copied (as into wasm memory) and
 *  one call into the session that reads nothing; the updates that `feed` returned handed to JS
 *  as the package hands them (the text of its updates decoded from UTF-8 and cut into objects by
 *  the package's own `stream_updates`, `streamUpdates` here), and read as `wasmPipeline` reads
 *  them. Writing the updates' text in wasm is left out, so the floor is a little low. Returns
 *  the run and the number of SSE events in `bytes`. */
export function floorRun(StreamSession, streamUpdates, createParser, bytes, chunk) {
  const session = new StreamSession();
  const encoder = new TextEncoder();
  // Each feed's updates as they cross: the UTF-8 of their text and the numbers that cut it
  // (src/wasm/stream_session.rs, `updates_to_js`).
  const handOver = (updates) => {
    let text = "";
    const codes = [];
    for (const u of updates) {
      if (u.type === "content" || u.type === "thinking") {
        text += u.delta;
        codes.push(u.type === "content" ? 0 : 1, u.delta.length, u.reset ? 1 : 0);
      } else if (u.type === "parts") codes.push(2, u.from, u.length);
      else {
        const json = JSON.stringify(u);
        text += json;
        codes.push(3, json.length);
      }
    }
    return { utf8: encoder.encode(text), codes: new Uint32Array(codes) };
  };
  const chunks = [];
  const handed = [];
  for (let at = 0; at < bytes.length; at += chunk) {
    chunks.push(bytes.subarray(at, at + chunk));
    handed.push(handOver(session.feed(chunks[chunks.length - 1])));
  }
  const last = handOver(session.finish());
  session.free();
  let events = 0;
  const parser = createParser({ onEvent() { events++; } });
  parser.feed(new TextDecoder().decode(bytes));
  const decoder = new TextDecoder();
  const nothing = new Uint8Array(0);
  // The chunk goes into wasm memory by `set` on a view of it (wasm-bindgen's glue); a new typed
  // array per chunk (`slice`) would cost far more than that copy.
  const memory = new Uint8Array(chunk);
  const run = () => {
    const session = new StreamSession();
    const ui = updatesReader();
    let copied = 0;
    for (let i = 0; i < chunks.length; i++) {
      memory.set(chunks[i]);
      copied += memory[0];
      session.feed(nothing);
      ui.take(streamUpdates(decoder.decode(handed[i].utf8), handed[i].codes));
    }
    ui.take(streamUpdates(decoder.decode(last.utf8), last.codes));
    session.free();
    return copied + ui.result().text.length;
  };
  return { run, events };
}

/** Where the package's `stream_updates` (src/wasm/stream_session.rs) is, relative to its
 *  wasm-bindgen glue module, read from the glue's text. */
export function streamUpdatesPath(glue) {
  const found = glue.match(/import \{ stream_updates \} from '\.\/(snippets\/[^']+)'/);
  if (!found) throw new Error("the glue imports no stream_updates");
  return found[1];
}

/** Every row of the comparison. `samples` maps names to the in-tree v1 and proxy streams. A
 *  sample's rows also carry the floor (`floorRun`): `floorMBs`, and `roomNs`, the time per event
 *  left for everything else (reading, cards, the leak guard) if the package is to be 1.5× the JS
 *  pipeline; negative when 1.5× is below the floor. */
export function rows({ StreamSession, SseParser, streamUpdates, js, longV2, growing, samples }) {
  const long = longV2();
  const out = sseRows(SseParser, js.createParser, long);
  const inputs = [["long v2 chat", long], ...Object.entries(samples)];
  for (const [name, bytes] of inputs) {
    for (const chunk of [16 * 1024, 512]) {
      const wasm = () => wasmPipeline(StreamSession, bytes, chunk);
      const base = () => jsPipeline(js, bytes, chunk);
      const same = sameResult(wasm(), base());
      const wasmMBs = throughput(wasm, bytes);
      const jsMBs = throughput(base, bytes);
      const row = { row: `${name} (${bytes.length} B), ${chunk} B chunks`, same, wasmMBs, jsMBs, ratio: wasmMBs / jsMBs };
      if (bytes !== long) {
        const floor = floorRun(StreamSession, streamUpdates, js.createParser, bytes, chunk);
        row.floorMBs = throughput(floor.run, bytes);
        const us = (mbs) => bytes.length / mbs;
        row.roomNs = ((us(1.5 * jsMBs) - us(row.floorMBs)) * 1000) / floor.events;
      }
      out.push(row);
    }
  }
  for (const n of [100, 1000, 10000]) {
    const bytes = growing(n);
    const same = sameResult(wasmPipeline(StreamSession, bytes, 16 * 1024), jsPipeline(js, bytes, 16 * 1024));
    const wasmUs = perEvent(() => wasmPipeline(StreamSession, bytes, 16 * 1024), n);
    const jsUs = perEvent(() => jsPipeline(js, bytes, 16 * 1024), n);
    out.push({ row: `${n} parts added one per event, 16 KiB chunks: µs per event`, same, wasmUs, jsUs, ratio: jsUs / wasmUs });
  }
  return out;
}
