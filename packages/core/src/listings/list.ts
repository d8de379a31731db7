import { listings } from "@mbe/db";
import { and, asc, desc, getTableColumns, type SQL, sql } from "drizzle-orm";
import { type CoreContext, requireActor } from "../context";
import { decodeCursor, encodeCursor, isTimestampKey, timestampKey } from "../paging";
import { countListings, listingWhere } from "./filter";
import { ListListingsInput } from "./schema";
import { listingView } from "./view";

const SORT_COLUMNS = {
  updatedAt: listings.updatedAt,
  createdAt: listings.createdAt,
  price: listings.price,
  title: listings.title,
} as const;

type SortField = keyof typeof SORT_COLUMNS;

const DECIMAL = /^-?\d{1,20}(\.\d{1,20})?$/;

/** What a cursor's value must look like for the sort field (see `paging.ts`). */
const CURSOR_VALUE: Record<SortField, (value: string) => boolean> = {
  updatedAt: isTimestampKey,
  createdAt: isTimestampKey,
  price: (v) => DECIMAL.test(v),
  title: () => true,
};

/** A page of the caller's listings: keyset cursor (or offset), sort, filters, optional total. */
export async function listListings(ctx: CoreContext, raw: ListListingsInput) {
  const input = ListListingsInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const [field, dir] = input.sort.split(":") as [SortField, "asc" | "desc"];
  const col = SORT_COLUMNS[field];
  const where: SQL[] = [listingWhere(actor.userId, input)];
  if (input.cursor) {
    const [[value], id] = decodeCursor(input.cursor, [CURSOR_VALUE[field]]);
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
    nextCursor = encodeCursor([last.sortKey ?? String(last[field])], last.id);
  }
  let total: number | undefined;
  if (input.includeTotal) total = await countListings(ctx.db, actor.userId, input);
  return {
    items: page.map((r) => listingView(r, input.marketplace)),
    nextCursor,
    ...(total !== undefined ? { total } : {}),
  };
}
