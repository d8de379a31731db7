import { createHash } from "node:crypto";
import { PassThrough, pipeline, Readable, Transform } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import { CoreError, newStorageKey, type Storage } from "@mbe/core";
import busboy from "busboy";
import type { Context } from "hono";
import type { AppEnv } from "./env";

export interface ReceivedUpload {
  fileName: string;
  /** What the client claimed; callers sniff the bytes themselves. */
  declaredType: string;
  size: number;
  sha256: string;
  storageKey: string;
  /** Other multipart fields (small strings). */
  fields: Record<string, string>;
}

export interface UploadOptions {
  storage: Storage;
  ownerId: string;
  kind: string;
  maxBytes: number;
  /** Multipart field that carries the file. */
  field?: string;
}

/**
 * Counts and hashes the bytes of `source` on their way to storage. The returned stream is what
 * storage reads: it fails past the limit, and also when `source` fails (a client that went away),
 * so a storage write never waits for an end that will not come. `error` is the limit's, if hit.
 */
function meter(source: Readable, maxBytes: number) {
  const hash = createHash("sha256");
  let size = 0;
  let error: CoreError | undefined;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > maxBytes) {
        error = new CoreError(
          "PAYLOAD_TOO_LARGE",
          `Files are limited to ${Math.round(maxBytes / 1024 / 1024)} MB`,
        );
        return cb(error);
      }
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const out = new PassThrough();
  // Unlike pipe(), pipeline() destroys every stream when one fails, `out` with the error.
  pipeline(source, t, out, () => {});
  return {
    out,
    error: () => error,
    done: () => ({ size, sha256: hash.digest("hex") }),
  };
}

/** The error to answer with when storing an upload failed: the limit's, an interrupted upload's, or storage's own. */
function uploadError(m: ReturnType<typeof meter>, err: unknown): unknown {
  if (m.error()) return m.error();
  if (err instanceof CoreError) return err;
  const code = (err as { code?: string } | null)?.code;
  if (code === "ERR_STREAM_PREMATURE_CLOSE" || code === "ECONNRESET" || code === "ABORT_ERR")
    return new CoreError("BAD_REQUEST", "The upload was interrupted");
  return err;
}

const cleanName = (n: string) =>
  n
    .replace(/[\\/]/g, "_")
    // Control characters (code points below 32) never belong in a file name.
    .replace(/[\s\S]/gu, (ch) => ((ch.codePointAt(0) ?? 32) < 32 ? "" : ch))
    .slice(0, 255) || "upload";

/**
 * Streams an upload to storage without holding it in memory: multipart/form-data (file in
 * `field`, other fields kept) or a raw body with `?fileName=`. Size is capped while streaming.
 */
export async function receiveUpload(
  c: Context<AppEnv>,
  opts: UploadOptions,
): Promise<ReceivedUpload> {
  const declared = Number(c.req.header("content-length") ?? "0");
  // Multipart framing adds a little; anything far beyond the limit is refused before reading.
  if (declared > opts.maxBytes + 64 * 1024)
    throw new CoreError(
      "PAYLOAD_TOO_LARGE",
      `Files are limited to ${Math.round(opts.maxBytes / 1024 / 1024)} MB`,
    );
  const body = c.req.raw.body;
  if (!body) throw new CoreError("BAD_REQUEST", "The request has no file");
  const input = Readable.fromWeb(body as unknown as NodeWebReadableStream);
  const contentType = c.req.header("content-type") ?? "application/octet-stream";
  const key = newStorageKey(opts.ownerId, opts.kind);

  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    const m = meter(input, opts.maxBytes);
    try {
      await opts.storage.put(key, m.out);
    } catch (err) {
      await opts.storage.delete(key);
      throw uploadError(m, err);
    }
    const { size, sha256 } = m.done();
    if (size === 0) throw new CoreError("BAD_REQUEST", "The uploaded file is empty");
    return {
      fileName: cleanName(c.req.query("fileName") ?? "upload"),
      declaredType: contentType,
      size,
      sha256,
      storageKey: key,
      fields: {},
    };
  }

  return new Promise<ReceivedUpload>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: { "content-type": contentType },
        limits: { files: 1, fields: 20, fieldSize: 64 * 1024, parts: 30 },
      });
    } catch {
      reject(new CoreError("BAD_REQUEST", "Malformed multipart body"));
      return;
    }
    const fields: Record<string, string> = {};
    let filePromise:
      | Promise<{ fileName: string; declaredType: string; size: number; sha256: string }>
      | undefined;
    let file: ReturnType<typeof meter> | undefined;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      input.unpipe(bb);
      input.resume();
      const answer = file ? uploadError(file, err) : err;
      // Ends the storage write (which removes its partial file), then removes anything stored.
      file?.out.destroy(answer instanceof Error ? answer : undefined);
      void (filePromise ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => opts.storage.delete(key))
        .catch(() => undefined)
        .finally(() =>
          reject(
            answer instanceof CoreError
              ? answer
              : new CoreError("BAD_REQUEST", "Malformed multipart body"),
          ),
        );
    };
    bb.on("field", (name, value) => {
      fields[name] = value;
    });
    bb.on("file", (name, stream, info) => {
      if (name !== (opts.field ?? "file") || filePromise) {
        stream.resume();
        return;
      }
      const m = meter(stream, opts.maxBytes);
      file = m;
      filePromise = opts.storage.put(key, m.out).then(() => ({
        fileName: cleanName(info.filename ?? "upload"),
        declaredType: info.mimeType,
        ...m.done(),
      }));
      filePromise.catch(fail);
    });
    bb.on("error", fail);
    bb.on("close", async () => {
      if (failed) return;
      if (!filePromise)
        return fail(
          new CoreError(
            "BAD_REQUEST",
            `Send the file in the multipart field '${opts.field ?? "file"}'`,
          ),
        );
      try {
        const f = await filePromise;
        if (f.size === 0) return fail(new CoreError("BAD_REQUEST", "The uploaded file is empty"));
        resolve({ ...f, storageKey: key, fields });
      } catch (err) {
        fail(err);
      }
    });
    input.on("error", fail);
    input.pipe(bb);
  });
}
