// A recorded v0 stream (the Neon sample), sent in small chunks as v0 sends them.
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export const dynamic = "force-dynamic";

export async function GET() {
  const sample = await readFile(join(process.env.SAJTMASKIN_FIXTURES ?? "fixtures", "s02-v2-message-neon-guestbook.sse"));
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (at >= sample.length) return controller.close();
      await new Promise((r) => setTimeout(r, 2));
      controller.enqueue(sample.subarray(at, at + 97));
      at += 97;
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } });
}
