// Writes pkg/package.json for the npm name `@sajtmaskin/integrations` (wasm-pack would name
// the package after the crate), with version and description taken from Cargo.toml, and adds
// the React bindings (js/react.js, js/react.d.ts) as the `./react` subpath.
import { readFileSync, writeFileSync, existsSync, copyFileSync } from "node:fs";

const root = new URL("../", import.meta.url);
const cargo = readFileSync(new URL("Cargo.toml", root), "utf8");
const field = (name) => cargo.match(new RegExp(`^${name} = "([^"]*)"`, "m"))?.[1];
const files = [
  "sajtmaskin_integrations_bg.wasm",
  "sajtmaskin_integrations_bg.wasm.d.ts",
  "sajtmaskin_integrations_bg.js",
  "sajtmaskin_integrations.js",
  "sajtmaskin_integrations.d.ts",
].filter((f) => existsSync(new URL(`pkg/${f}`, root)));
for (const f of ["react.js", "react.d.ts"]) {
  copyFileSync(new URL(`js/${f}`, root), new URL(`pkg/${f}`, root));
  files.push(f);
}
if (existsSync(new URL("pkg/snippets", root))) files.push("snippets/");
if (existsSync(new URL("pkg/stream", root))) files.push("stream/");
const pkg = {
  name: "@sajtmaskin/integrations",
  version: field("version"),
  description: field("description"),
  license: "MIT",
  type: "module",
  main: "sajtmaskin_integrations.js",
  module: "sajtmaskin_integrations.js",
  types: "sajtmaskin_integrations.d.ts",
  exports: {
    ".": { types: "./sajtmaskin_integrations.d.ts", default: "./sajtmaskin_integrations.js" },
    // React bindings; they load the wasm module in the browser only.
    "./react": { types: "./react.d.ts", default: "./react.js" },
    // Streams and cards only (no BackendClient): a smaller module before the first card.
    "./stream": { types: "./stream/sajtmaskin_integrations.d.ts", default: "./stream/sajtmaskin_integrations.js" },
    "./package.json": "./package.json",
  },
  files,
  // Only the `./react` subpath needs React.
  peerDependencies: { react: ">=18.0.0" },
  peerDependenciesMeta: { react: { optional: true } },
  // The entry instantiates the wasm module on import: bundlers must keep it.
  sideEffects: ["./sajtmaskin_integrations.js", "./snippets/*", "./stream/sajtmaskin_integrations.js", "./stream/snippets/*"],
};
writeFileSync(new URL("pkg/package.json", root), JSON.stringify(pkg, null, 2) + "\n");
