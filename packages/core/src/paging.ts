import { type AnyColumn, desc, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { CoreError } from "./errors";

/**
 * Keyset pages over a collection, newest (or most used) first: the rows after the last one a
 * client has seen, by the sort keys and then the id, so rows created in the same microsecond are
 * neither skipped nor repeated, whatever is inserted meanwhile.
 */

/** `limit` and `cursor` of a collection query. */
export function pageInput(defaultLimit: number, maxLimit: number) {
  return z.object({
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
    /** `nextCursor` of the page before. */
    cursor: z.string().min(1).max(400).optional(),
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(\d{3})?Z$/;
const INT = /^-?\d{1,10}$/;

/**
 * A timestamp as UTC ISO-8601 text with PostgreSQL's full microseconds: a JavaScript Date keeps
 * only milliseconds, and a cursor cut to them would skip (descending) or repeat (ascending) every
 * row sharing the last row's millisecond, such as all rows of one bulk edit.
 */
export const timestampKey = (col: AnyColumn) =>
  sql<string>`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Whether `value` is a timestamp as {@link timestampKey} writes it (milliseconds or microseconds,
 * years 1-9999). Anything else would reach PostgreSQL's casts and fail there (an offset of +25:00,
 * an unknown time zone, a year beyond its range).
 */
export function isTimestampKey(value: string): boolean {
  if (!ISO_UTC.test(value) || value.startsWith("0000")) return false;
  const millis = `${value.slice(0, 23)}Z`;
  const time = Date.parse(millis);
  return !Number.isNaN(time) && new Date(time).toISOString() === millis;
}

export function encodeCursor(values: readonly string[], id: string): string {
  return Buffer.from(JSON.stringify([...values, id])).toString("base64url");
}

/** The values and id in a cursor, each checked against `fits`, or a coded 400. */
export function decodeCursor(
  cursor: string,
  fits: readonly ((value: string) => boolean)[],
): [string[], string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(v) &&
      v.length === fits.length + 1 &&
      v.every((x): x is string => typeof x === "string")
    ) {
      const id = v[fits.length] as string;
      const values = v.slice(0, fits.length);
      if (UUID.test(id) && fits.every((fit, i) => fit(values[i] as string))) return [values, id];
    }
  } catch {
    // fall through to the coded error
  }
  throw new CoreError("VALIDATION_FAILED", "Invalid cursor");
}

type Key = { col: AnyColumn; kind: "timestamp" | "int" };

/**
 * A page in descending order of `keys` then `id`: the condition for the rows after `cursor`, the
 * order, the keys to select (as text, as the cursor holds them), and the page and next cursor of
 * the rows a query returned with `limit + 1`.
 */
export function descendingPage(keys: readonly Key[], id: AnyColumn, cursor: string | undefined) {
  let after: SQL | undefined;
  if (cursor) {
    const [values, lastId] = decodeCursor(
      cursor,
      keys.map((k) => (k.kind === "timestamp" ? isTimestampKey : (v: string) => INT.test(v))),
    );
    const cast = values.map((v, i) =>
      keys[i]?.kind === "timestamp" ? sql`${v}::timestamptz` : sql`${v}::int`,
    );
    after = sql`(${sql.join(
      keys.map((k) => sql`${k.col}`),
      sql`, `,
    )}, ${id}) < (${sql.join(cast, sql`, `)}, ${lastId}::uuid)`;
  }
  const keyText = sql<string[]>`array[${sql.join(
    keys.map((k) => (k.kind === "timestamp" ? timestampKey(k.col) : sql`${k.col}::text`)),
    sql`, `,
  )}]`;
  return {
    after,
    orderBy: [...keys.map((k) => desc(k.col)), desc(id)],
    /** Select this as `pageKey`. */
    keyText,
    /** The first `limit` rows and the cursor of the page after them (null on the last page). */
    page<R extends { id: string; pageKey: string[] }>(rows: R[], limit: number) {
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor(last.pageKey, last.id) : null,
      };
    },
  };
}
