import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { DbHandle } from "./client";

/** Streams COPY text-format lines into a table. */
export type CopyInto = (
  table: string,
  columns: string[],
  lines: AsyncIterable<string>,
) => Promise<void>;

/**
 * COPY … FROM STDIN through postgres.js, the fastest way in; undefined on PGlite (its COPY
 * from stdin hangs), where callers fall back to batched inserts.
 */
export function copyIntoFor(handle: DbHandle): CopyInto | undefined {
  const client = handle.sql;
  if (!client) return undefined;
  const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;
  return async (table, columns, lines) => {
    const query = client.unsafe(
      `copy ${quote(table)} (${columns.map(quote).join(", ")}) from stdin`,
    );
    const writable = await query.writable();
    // A connection lost after the last line was written (a database restart while the COPY
    // completes) destroys the stream with the error once `pipeline` has stopped listening; the
    // query's own promise reports it, so the stream's copy of it must not crash the process.
    writable.on("error", () => {});
    // The query settles too: when the connection is lost mid-COPY (a database restart) it fails
    // even where the writable stream is left neither finished nor errored.
    await Promise.all([
      pipeline(
        Readable.from(
          (async function* () {
            for await (const line of lines) yield `${line}\n`;
          })(),
        ),
        writable,
      ),
      query,
    ]);
  };
}

/** Streams the output of a `COPY … TO STDOUT` statement. */
export type CopyOut = (statement: string) => Promise<AsyncIterable<Buffer>>;

/**
 * COPY … TO STDOUT through postgres.js: PostgreSQL formats the rows itself, far faster than
 * reading them as objects. Undefined on PGlite, where callers read rows the ordinary way.
 */
export function copyOutFor(handle: DbHandle): CopyOut | undefined {
  const client = handle.sql;
  if (!client) return undefined;
  return async (statement) => {
    const query = client.unsafe(statement);
    const stream = (await query.readable()) as Readable;
    // The query must settle before its connection serves anything else: a reader that stopped
    // early cancels it and lets the rest drain away.
    let cancelled: Promise<void> | undefined;
    const cancel = () => {
      cancelled ??= (async () => {
        const settled = new Promise<void>((resolve) => {
          if (stream.readableEnded || stream.destroyed) return resolve();
          stream
            .once("end", resolve)
            .once("close", resolve)
            .once("error", () => resolve());
        });
        query.cancel();
        stream.resume();
        await settled;
        await query.catch(() => undefined);
      })();
      return cancelled;
    };
    const rows = (async function* () {
      let done = false;
      try {
        // Pulled by hand rather than with for-await, which destroys the stream when the reader
        // stops early and leaves the connection stuck inside the COPY.
        for (;;) {
          const chunk = stream.read() as Buffer | null;
          if (chunk !== null) {
            yield chunk;
            continue;
          }
          if (stream.readableEnded) break;
          if (stream.errored) throw stream.errored;
          await new Promise<void>((resolve) => {
            const wake = () => {
              stream.off("readable", wake).off("end", wake).off("error", wake);
              resolve();
            };
            stream.on("readable", wake).on("end", wake).on("error", wake);
          });
        }
        done = true;
      } finally {
        if (done) await query;
        else await cancel();
      }
    })();
    // A generator closed before its first pull never enters its `try`, so its `finally` would not
    // run: a download dropped before the first byte would keep the COPY, and its connection, for
    // good. Closing the iterator cancels the query in that case too.
    let started = false;
    const iterator: AsyncIterableIterator<Buffer> = {
      next: () => {
        started = true;
        return rows.next();
      },
      return: async (value?: unknown) => {
        if (!started) await cancel();
        started = true;
        return rows.return(value as never);
      },
      throw: async (err?: unknown) => {
        if (!started) await cancel();
        started = true;
        return rows.throw(err);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return iterator;
  };
}
