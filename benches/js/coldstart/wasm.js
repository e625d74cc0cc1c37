// The package on a page: the module compiles while it downloads (instantiateStreaming, served
// as application/wasm) and the stream is requested at the same time; the first card is
// rendered with CardRenderer and its time since navigation recorded. wasm-stream.html loads the
// stream-only entry (no BackendClient), as a page that only renders streams would.
const entry = document.documentElement.dataset.entry === "stream" ? "/pkg/stream/sajtmaskin_integrations.js" : "/pkg/sajtmaskin_integrations.js";
const { default: init, StreamSession, CardRenderer } = await import(entry);

const [response] = await Promise.all([fetch("./stream.sse"), init()]);
const session = new StreamSession();
const renderer = new CardRenderer(document.getElementById("cards"));
await session.consume(response.body, (update) => {
  if (update.type === "cards" && window.firstCard === undefined) {
    renderer.render(session.cards());
    window.firstCard = performance.now();
  }
});
