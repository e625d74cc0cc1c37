// Generates test vectors for the Rust jsondiffpatch applier with the npm `jsondiffpatch`
// package: random JSON pairs (a, b), b made from a by inserts, deletes, moves and nested edits,
// and the delta jsondiffpatch computes between them. `src/v0/patch.rs` must turn a into b.
//
//   node tests/js/jsondiffpatch-vectors.mjs           # write tests/data/jsondiffpatch-vectors.json
//   node tests/js/jsondiffpatch-vectors.mjs --check   # fail if the committed file is stale
import { create } from "jsondiffpatch";
import { seeded, writeOrCheck } from "./vectors.mjs";
import { isDeepStrictEqual } from "node:util";

const COUNT = 600;
const OUT = new URL("../data/jsondiffpatch-vectors.json", import.meta.url);

const { rand, int, pick } = seeded(20261124);
let ids = 0;

function scalar() {
  return pick([() => int(100), () => pick(["a", "b", "neon", "Hej då", "x".repeat(int(80))]), () => rand() < 0.5, () => null])();
}
function value(depth) {
  if (depth <= 0 || rand() < 0.35) return scalar();
  if (rand() < 0.5) return Array.from({ length: int(6) }, () => (rand() < 0.6 ? item(depth - 1) : value(depth - 1)));
  return Object.fromEntries(Array.from({ length: int(5) }, (_, i) => [`k${i}${pick(["", "x"])}`, value(depth - 1)]));
}
// Array items with ids, so jsondiffpatch recognises moves.
function item(depth) {
  return { id: `i${ids++}`, type: pick(["text", "thinking", "agent-action"]), text: String(scalar()), data: value(depth - 1) };
}
function mutate(v, depth) {
  if (Array.isArray(v)) {
    const out = v.map((x) => (rand() < 0.3 ? mutate(x, depth - 1) : structuredClone(x)));
    for (let n = int(3); n > 0; n--) {
      const op = int(3);
      if (op === 0) out.splice(int(out.length + 1), 0, rand() < 0.6 ? item(depth) : value(depth));
      else if (op === 1 && out.length) out.splice(int(out.length), 1);
      else if (out.length > 1) { const [x] = out.splice(int(out.length), 1); out.splice(int(out.length + 1), 0, x); }
    }
    return out;
  }
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      const r = rand();
      if (r < 0.1) continue; // deleted
      out[k] = r < 0.5 ? mutate(x, depth - 1) : structuredClone(x);
    }
    if (rand() < 0.3) out[`n${int(9)}`] = value(depth);
    return out;
  }
  return rand() < 0.5 ? scalar() : v;
}

const differ = create({
  objectHash: (o, i) => (o && o.id) ?? `$$index:${i}`,
  arrays: { detectMove: true, includeValueOnMove: false },
});
const vectors = [];
while (vectors.length < COUNT) {
  const a = rand() < 0.5 ? Array.from({ length: 1 + int(6) }, () => item(3)) : value(4);
  const b = mutate(a, 4);
  const delta = differ.diff(a, b);
  if (delta === undefined) continue;
  // Sanity: jsondiffpatch itself turns a into b with this delta.
  if (!isDeepStrictEqual(differ.patch(structuredClone(a), structuredClone(delta)), b)) continue;
  vectors.push({ a, b, delta });
}
writeOrCheck(OUT, vectors, "tests/js/jsondiffpatch-vectors.mjs");
