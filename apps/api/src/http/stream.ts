import type { Readable } from "node:stream";
import type { Context } from "hono";
import { stream } from "hono/streaming";

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** Streams a Node readable as a download without buffering it. */
export function streamFile(c: Context, body: Readable, fileName: string, contentType: string) {
  c.header("Content-Type", contentType);
  c.header("Content-Disposition", contentDisposition(fileName));
  c.header("Cache-Control", "no-store");
  return stream(c, async (s) => {
    s.onAbort(() => {
      body.destroy();
    });
    for await (const chunk of body) await s.write(chunk as Uint8Array);
  });
}
