// The JS pipeline on a page (bundled with Vite into js.js): eventsource-parser + JSON.parse +
// jsondiffpatch + the structural extractor of benches/js/pipelines.mjs, reading the stream as
// it arrives; the first integration asked for is rendered as a card and its time recorded.
import { createParser } from "eventsource-parser";
import { patch } from "jsondiffpatch";

function render(name) {
  const card = document.createElement("article");
  const title = document.createElement("h3");
  title.textContent = name;
  card.append(title);
  document.getElementById("cards").append(card);
  window.firstCard = performance.now();
}

let parts = [];
const extract = (part) => {
  if (part?.type === "agent-action" && part.name === "get_or_request_integration" && window.firstCard === undefined) {
    const name = part.data?.requestedIntegrations?.[0] ?? part.data?.requestedMcpPresets?.[0];
    if (name) render(name);
  }
};
const parser = createParser({
  onEvent(event) {
    if (event.data === "[DONE]") return;
    const data = JSON.parse(event.data);
    if (data.object === "message.parts.chunk") {
      parts = patch(parts, data.delta);
      for (const key of Object.keys(data.delta)) if (key[0] !== "_") extract(parts[Number(key)]);
    } else if (data.object === "message" && Array.isArray(data.parts)) {
      parts = data.parts;
      parts.forEach(extract);
    }
  },
});
const response = await fetch("./stream.sse");
const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
for (;;) {
  const { done, value } = await reader.read();
  if (done) break;
  parser.feed(value);
}
