// The configuration a Next.js app needs for @sajtmaskin/integrations (copied into README's
// usage section): webpack with async WebAssembly. `next build --webpack` / `next dev --webpack`.
/** @type {import("next").NextConfig} */
const nextConfig = {
  webpack(config, { isServer }) {
    config.experiments = { ...config.experiments, asyncWebAssembly: true };
    // The server build emits the module too (a client component's chunk graph names it) even
    // though it is only instantiated in the browser: keep both builds' files in one place.
    config.output.webassemblyModuleFilename = isServer ? "../static/wasm/[modulehash].wasm" : "static/wasm/[modulehash].wasm";
    return config;
  },
};
export default nextConfig;
