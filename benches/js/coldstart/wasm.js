// The package on a page: the module compiles while it downloads (instantiateStreaming, served
// as application/wasm) and the stream is requested at the same time; the first card is
// rendered with CardRenderer and its time since navigation recorded.
import init, { StreamSession, CardRenderer } from "/pkg/sajtmaskin_integrations.js";

const [response] = await Promise.all([fetch("./stream.sse"), init()]);
const session = new StreamSession();
const renderer = new CardRenderer(document.getElementById("cards"));
await session.consume(response.body, (update) => {
  if (update.type === "cards" && window.firstCard === undefined) {
    renderer.render(session.cards());
    window.firstCard = performance.now();
  }
});
