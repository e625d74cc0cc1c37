// The JS pipeline on a page (bundled with Vite into js.js): eventsource-parser + JSON.parse +
// jsondiffpatch + the equal-work card extraction of benches/js/cards.mjs (every structural
// source, the catalog, de-duplication), reading the stream as it arrives; the first card is
// rendered and its time recorded.
import { createParser } from "eventsource-parser";
import { patch } from "jsondiffpatch";
import { cardBook, catalogIndex, signalReader } from "../cards.mjs";
import catalogJson from "../catalog.json";

const catalog = catalogIndex(catalogJson);
const read = signalReader(catalog);
const book = cardBook(catalog);

function render(card) {
  const article = document.createElement("article");
  const title = document.createElement("h3");
  title.textContent = card.provider;
  article.append(title);
  document.getElementById("cards").append(article);
  window.firstCard = performance.now();
}

let parts = [];
let from = Infinity;
const parser = createParser({
  onEvent(event) {
    if (event.data === "[DONE]") return;
    const data = JSON.parse(event.data);
    if (data.object === "message.parts.chunk") {
      parts = patch(parts, data.delta);
      for (const key of Object.keys(data.delta)) if (key[0] !== "_") from = Math.min(from, Number(key));
    } else if (data.object === "message" && Array.isArray(data.parts)) {
      parts = data.parts;
      from = 0;
    }
  },
});
const response = await fetch("./stream.sse");
const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
for (;;) {
  const { done, value } = await reader.read();
  if (done) break;
  parser.feed(value);
  if (from !== Infinity) {
    const found = [];
    read.parts(parts, from, found);
    from = Infinity;
    book.observe(found);
    const cards = book.takeChanged();
    if (cards?.length && window.firstCard === undefined) render(cards[0]);
  }
}
