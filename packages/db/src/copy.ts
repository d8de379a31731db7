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
    const writable = await client
      .unsafe(`copy ${quote(table)} (${columns.map(quote).join(", ")}) from stdin`)
      .writable();
    await pipeline(
      Readable.from(
        (async function* () {
          for await (const line of lines) yield `${line}\n`;
        })(),
      ),
      writable,
    );
  };
}
