import type { Readable } from "node:stream";
import type { Context } from "hono";
import type { AppEnv } from "./env";

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

const encoder = new TextEncoder();
const bytesOf = (chunk: unknown): Uint8Array =>
  typeof chunk === "string" ? encoder.encode(chunk) : (chunk as Uint8Array);

/**
 * Streams a Node readable as a download without buffering it, only as fast as the client reads.
 *
 * The first chunk is read before answering, so a file that fails before its first byte gets the
 * usual error body and status. A failure once the headers are out is logged and errors the
 * response body: the server then drops the connection instead of ending the chunked body, so the
 * client sees a failed transfer rather than a truncated file that looks complete.
 */
export async function streamFile(
  c: Context<AppEnv>,
  body: Readable,
  fileName: string,
  contentType: string,
  cacheControl = "no-store",
): Promise<Response> {
  const chunks = body[Symbol.asyncIterator]();
  let pending: IteratorResult<unknown> | undefined;
  try {
    pending = await chunks.next();
  } catch (err) {
    body.destroy();
    throw err;
  }
  const log = c.env?.log;
  const file = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = pending ?? (await chunks.next());
          pending = undefined;
          if (next.done) controller.close();
          else controller.enqueue(bytesOf(next.value));
        } catch (err) {
          log?.error(
            { err: err instanceof Error ? (err.stack ?? err.message) : String(err), fileName },
            "download failed after its headers were sent; the connection is dropped",
          );
          body.destroy();
          controller.error(err);
        }
      },
      cancel() {
        body.destroy();
      },
    },
    // Nothing is read ahead of the client, so a failure always meets a pending read and the
    // server aborts the response rather than finishing it.
    { highWaterMark: 0 },
  );
  c.header("Content-Type", contentType);
  c.header("Content-Disposition", contentDisposition(fileName));
  c.header("Cache-Control", cacheControl);
  return c.body(file, 200);
}
