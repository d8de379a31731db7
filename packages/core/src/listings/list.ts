import { listings } from "@mbe/db";
import { and, asc, desc, type SQL, sql } from "drizzle-orm";
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

function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string")
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
  const [field, dir] = input.sort.split(":") as [keyof typeof SORT_COLUMNS, "asc" | "desc"];
  const col = SORT_COLUMNS[field];
  const where: SQL[] = [listingWhere(actor.userId, input)];
  if (input.cursor) {
    const [value, id] = decodeCursor(input.cursor);
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
    .select()
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
    const v = last[field];
    nextCursor = encodeCursor(v instanceof Date ? v.toISOString() : String(v), last.id);
  }
  let total: number | undefined;
  if (input.includeTotal) total = await countListings(ctx.db, actor.userId, input);
  return {
    items: page.map((r) => listingView(r, input.marketplace)),
    nextCursor,
    ...(total !== undefined ? { total } : {}),
  };
}
