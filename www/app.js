// The demo: replays a recorded v0 stream through the wasm SseParser as it arrives.
import init, { SseParser } from "/pkg/sajtmaskin_integrations.js";

const select = document.getElementById("stream");
const status = document.getElementById("status");
const list = document.getElementById("events");

async function replay(name) {
  list.replaceChildren();
  const parser = new SseParser();
  const response = await fetch(`/fixtures/${encodeURIComponent(name)}`);
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
  const reader = response.body.getReader();
  let count = 0;
  for (;;) {
    const { done, value } = await reader.read();
    const events = done ? parser.finish() : parser.feed(value);
    for (const event of events) {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.className = "name";
      label.textContent = event.event;
      item.append(label, document.createTextNode(event.data.slice(0, 160)));
      list.append(item);
      count += 1;
    }
    if (done) break;
  }
  status.textContent = `${count} events parsed from ${name}`;
  document.body.dataset.events = String(count);
}

await init();
const streams = await (await fetch("/api/demo/streams")).json();
for (const name of streams.streams) select.append(new Option(name, name));
status.textContent = "Ready.";
await replay(streams.streams[0]).catch((err) => { status.textContent = `Failed: ${err.message}`; });
document.getElementById("play").addEventListener("click", () => {
  replay(select.value).catch((err) => { status.textContent = `Failed: ${err.message}`; });
});
