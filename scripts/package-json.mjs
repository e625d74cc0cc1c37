// Writes pkg/package.json for the npm name `@sajtmaskin/integrations` (wasm-pack would name
// the package after the crate), with the version and license taken from Cargo.toml.
import { readFileSync, writeFileSync } from "node:fs";

const cargo = readFileSync(new URL("../Cargo.toml", import.meta.url), "utf8");
const field = (name) => cargo.match(new RegExp(`^${name} = "([^"]*)"`, "m"))?.[1];
const pkg = {
  name: "@sajtmaskin/integrations",
  version: field("version"),
  description: field("description"),
  license: "MIT",
  type: "module",
  main: "sajtmaskin_integrations.js",
  module: "sajtmaskin_integrations.js",
  types: "sajtmaskin_integrations.d.ts",
  files: [
    "sajtmaskin_integrations_bg.wasm",
    "sajtmaskin_integrations.js",
    "sajtmaskin_integrations.d.ts",
    "sajtmaskin_integrations_bg.wasm.d.ts",
  ],
  sideEffects: false,
};
writeFileSync(new URL("../pkg/package.json", import.meta.url), JSON.stringify(pkg, null, 2) + "\n");
