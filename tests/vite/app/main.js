// A consumer app: imports the npm package the way a bundler user does (no init call).
import { StreamSession, CardRenderer } from "@sajtmaskin/integrations";

const stream = [
  'event: chatId\ndata: {"id":"vite1"}\n\n',
  'event: content\ndata: "Hej från Vite"\n\n',
  'event: integration\ndata: {"items":[{"provider":"neon","status":"requested","intent":"install"}]}\n\n',
  'event: done\ndata: {}\n\n',
].join("");
const session = new StreamSession({ locale: "en" });
const updates = session.feed(new TextEncoder().encode(stream));
new CardRenderer(document.getElementById("cards")).render(session.cards());
window.result = { text: session.snapshot().text, done: session.snapshot().done, types: updates.map((u) => u.type), cards: session.cards().map((c) => c.id) };
document.getElementById("out").textContent = JSON.stringify(window.result);
