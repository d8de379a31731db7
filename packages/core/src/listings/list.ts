import { listings } from "@mbe/db";
import { and, asc, desc, getTableColumns, type SQL, sql } from "drizzle-orm";
import { type CoreContext, requireActor } from "../context";
import { CoreError } from "../errors";
import { countListings, listingWhere } from "./filter";
import { ListListingsInput } from "./schema";
import { listingView } from "./view";

const SORT_COLUMNS = {
  updatedAt: listings.updatedAt,
  createdAt: listings.createdAt,
  price: listings.price,
  title: listings.title,
} as const;

function encodeCursor(value: unknown, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString("base64url");
}

type SortField = keyof typeof SORT_COLUMNS;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DECIMAL = /^-?\d{1,20}(\.\d{1,20})?$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(\d{3})?Z$/;

/**
 * A timestamp sort key as UTC ISO-8601 text with PostgreSQL's full microseconds: a JavaScript
 * Date keeps only milliseconds, and a cursor cut to them would skip (descending) or repeat
 * (ascending) every row sharing the last row's millisecond, such as all rows of one bulk edit.
 */
const timestampKey = (col: typeof listings.updatedAt | typeof listings.createdAt) =>
  sql<string>`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Whether `value` is what {@link encodeCursor} writes for the sort field: UTC ISO-8601 with
 * milliseconds or microseconds in years 1-9999 for timestamps, a plain decimal for price, any
 * text for title. Anything else would reach PostgreSQL's casts and fail there (an offset of
 * +25:00, an unknown time zone, a year beyond its range).
 */
function cursorValueFits(field: SortField, value: string): boolean {
  if (field === "title") return true;
  if (field === "price") return DECIMAL.test(value);
  if (!ISO_UTC.test(value) || value.startsWith("0000")) return false;
  const millis = `${value.slice(0, 23)}Z`;
  const time = Date.parse(millis);
  return !Number.isNaN(time) && new Date(time).toISOString() === millis;
}

function decodeCursor(cursor: string, field: SortField): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === "string" &&
      typeof v[1] === "string" &&
      UUID.test(v[1]) &&
      cursorValueFits(field, v[0])
    )
      return [v[0], v[1]];
  } catch {
    // fall through to the coded error
  }
  throw new CoreError("VALIDATION_FAILED", "Invalid cursor");
}

/** A page of the caller's listings: keyset cursor (or offset), sort, filters, optional total. */
export async function listListings(ctx: CoreContext, raw: ListListingsInput) {
  const input = ListListingsInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const [field, dir] = input.sort.split(":") as [SortField, "asc" | "desc"];
  const col = SORT_COLUMNS[field];
  const where: SQL[] = [listingWhere(actor.userId, input)];
  if (input.cursor) {
    const [value, id] = decodeCursor(input.cursor, field);
    const castValue =
      field === "price"
        ? sql`${value}::numeric`
        : field === "title"
          ? sql`${value}`
          : sql`${value}::timestamptz`;
    where.push(
      dir === "asc"
        ? sql`(${col}, ${listings.id}) > (${castValue}, ${id}::uuid)`
        : sql`(${col}, ${listings.id}) < (${castValue}, ${id}::uuid)`,
    );
  }
  const order = dir === "asc" ? [asc(col), asc(listings.id)] : [desc(col), desc(listings.id)];
  let q = ctx.db
    .select({
      ...getTableColumns(listings),
      sortKey:
        field === "updatedAt" || field === "createdAt"
          ? timestampKey(SORT_COLUMNS[field])
          : sql<null>`null`,
    })
    .from(listings)
    .where(and(...where))
    .orderBy(...order)
    .limit(input.limit + 1)
    .$dynamic();
  if (!input.cursor && input.offset) q = q.offset(input.offset);
  const rows = await q;
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  let nextCursor: string | null = null;
  if (rows.length > input.limit && last) {
    nextCursor = encodeCursor(last.sortKey ?? String(last[field]), last.id);
  }
  let total: number | undefined;
  if (input.includeTotal) total = await countListings(ctx.db, actor.userId, input);
  return {
    items: page.map((r) => listingView(r, input.marketplace)),
    nextCursor,
    ...(total !== undefined ? { total } : {}),
  };
}
