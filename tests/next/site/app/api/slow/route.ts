// A v0 stream that starts and then waits: a read of it ends only when the client aborts it.
// Its text ends with a space: the package shows a word once it has ended.
export const dynamic = "force-dynamic";

export async function GET() {
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode('event: chatId\ndata: {"id":"slow1"}\n\nevent: content\ndata: "Väntar "\n\n'));
      timer = setTimeout(() => controller.close(), 120_000);
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } });
}
