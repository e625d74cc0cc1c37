// What the jsondiffpatch vector generators share: a seeded PRNG (mulberry32, so the vectors
// are reproducible) and writing the vectors, or with --check failing if the committed file is
// stale.
import { readFileSync, writeFileSync } from "node:fs";

/** `rand()` in [0, 1), `int(n)` in [0, n), `pick(xs)`, all from `seed`. */
export function seeded(seed) {
  const rand = () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(rand() * n);
  return { rand, int, pick: (xs) => xs[int(xs.length)] };
}

/** Writes `vectors` as JSON to `out`, or (with --check) fails unless the file holds exactly that. */
export function writeOrCheck(out, vectors, script) {
  const text = JSON.stringify(vectors) + "\n";
  const name = new URL(out).pathname.split("/").slice(-3).join("/");
  if (process.argv.includes("--check")) {
    if (readFileSync(out, "utf8") !== text) {
      console.error(`${name} is stale: run node ${script}`);
      process.exit(1);
    }
    console.log(`${name}: ${vectors.length} vectors, current`);
  } else {
    writeFileSync(out, text);
    console.log(`wrote ${vectors.length} vectors to ${name}`);
  }
}
