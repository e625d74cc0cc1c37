// Generates text-diff vectors for the Rust jsondiffpatch applier with the npm `jsondiffpatch`
// package and its diff-match-patch: pairs of long strings (ASCII, Swedish, CJK, emoji outside
// the BMP), the second made from the first by random edits at code-point boundaries, inside
// an object and an array, and the delta jsondiffpatch computes with text diffs on
// (`[patch, 0, 2]`, offsets in UTF-16 code units). `src/v0/textdiff.rs` must turn a into b.
//
//   node tests/js/jsondiffpatch-text-vectors.mjs           # write tests/data/jsondiffpatch-text-vectors.json
//   node tests/js/jsondiffpatch-text-vectors.mjs --check   # fail if the committed file is stale
import { create } from "jsondiffpatch/with-text-diffs";
import { seeded, writeOrCheck } from "./vectors.mjs";
import { isDeepStrictEqual } from "node:util";

const COUNT = 200;
const OUT = new URL("../data/jsondiffpatch-text-vectors.json", import.meta.url);

const { rand, int, pick } = seeded(20261130);

const WORDS = ["Hej", "gästbok", "Neon", "databas", "å", "ä", "ö", "Ω", "数据库", "连接", "😀", "🚀", "👩‍💻", "🇸🇪",
  "const", "{", "}", "\n", " ", "%", "%20", "+", "#", "?", "&", "é", "\u00a0", "tab\t", "\"quoted\"", "100%"];
function text(words) {
  return Array.from({ length: words }, () => pick(WORDS)).join(pick(["", " ", " "]));
}
/** b from a: a few inserts, deletes and replacements, on code points (never inside a pair). */
function edit(a) {
  const points = [...a];
  for (let n = 1 + int(4); n > 0; n--) {
    const at = int(points.length + 1);
    const op = int(3);
    if (op === 0) points.splice(at, 0, ...text(1 + int(4)));
    else if (op === 1) points.splice(at, 1 + int(6));
    else points.splice(at, 1 + int(3), ...text(1 + int(2)));
  }
  return points.join("");
}

const differ = create({ textDiff: { minLength: 12 } });
const vectors = [];
while (vectors.length < COUNT) {
  const before = text(8 + int(60));
  const after = edit(before);
  const [a, b] = rand() < 0.5
    ? [{ title: "t", text: before }, { title: "t", text: after }]
    : [[{ type: "text", text: before }], [{ type: "text", text: after }]];
  const delta = differ.diff(a, b);
  if (delta === undefined || !JSON.stringify(delta).includes(",0,2]")) continue;
  // Sanity: jsondiffpatch itself turns a into b with this delta.
  if (!isDeepStrictEqual(differ.patch(structuredClone(a), structuredClone(delta)), b)) continue;
  vectors.push({ a, b, delta });
}
writeOrCheck(OUT, vectors, "tests/js/jsondiffpatch-text-vectors.mjs");
