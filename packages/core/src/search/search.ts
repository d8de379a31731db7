import { listingSearch, listings, rowsOf } from "@mbe/db";
import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { type CoreContext, requireActor } from "../context";
import { notFound } from "../errors";
import { likeEscape, searchText } from "../listings/filter";
import { PriceBound } from "../listings/schema";
import { listingView } from "../listings/view";
import { requireSearch, searchCall } from "./errors";
import { ownListingsById } from "./own-hits";

export const SearchListingsInput = z.object({
  q: z
    .string()
    // Tabs and line breaks are spacing; other control characters (NUL among them) mean nothing
    // to either search and PostgreSQL refuses NUL.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
    .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, "control characters")
    .trim()
    .min(1)
    .max(500),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: z
    .preprocess(
      (v) => (typeof v === "string" ? v.split(",").filter(Boolean) : v),
      z.array(z.enum(["draft", "active", "archived"])).max(3),
    )
    .optional(),
  category: z.string().max(500).optional(),
  priceMin: PriceBound,
  priceMax: PriceBound,
});
export type SearchListingsInput = z.input<typeof SearchListingsInput>;

/** Semantic similarity counts most; exact text matches still lift a hit. */
const SEMANTIC_WEIGHT = 0.7;

/**
 * Filters matching at most this many of the seller's listings are searched among those listings'
 * ids: the database lists them in a few ms, while Chroma's `where` costs time per matching record
 * of the whole collection (340 ms p95 for a 500-row filter at 100k listings).
 */
const EXACT_SEARCH_MAX = 1000;

/**
 * Semantic search over the caller's catalog, blended with PostgreSQL trigram text match. Each
 * result carries the blended score and both parts.
 */
export async function searchListings(ctx: CoreContext, raw: SearchListingsInput) {
  const input = SearchListingsInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const search = requireSearch(ctx);
  const filters = {
    status: input.status,
    category: input.category,
    priceMin: input.priceMin,
    priceMax: input.priceMax,
  };
  const conds = [sql`${listings.ownerId} = ${actor.userId}::uuid`];
  if (input.status?.length)
    conds.push(
      sql`${listings.status}::text in (${sql.join(
        input.status.map((s) => sql`${s}`),
        sql`, `,
      )})`,
    );
  if (input.category) conds.push(sql`${listings.category} = ${input.category}`);
  if (input.priceMin !== undefined) conds.push(sql`${listings.price} >= ${input.priceMin}`);
  if (input.priceMax !== undefined) conds.push(sql`${listings.price} <= ${input.priceMax}`);
  // The seller's filters as they stand now, applied again when hits are loaded: the index's copy of
  // a listing's fields can lag a save, and a field cleared since it was indexed may linger there.
  const filtered = [...conds];
  let candidates: string[] | undefined;
  if (conds.length > 1) {
    const matching = rowsOf<{ id: string }>(
      await ctx.db.execute(
        sql`select ${listings.id} from ${listings} where ${sql.join(conds, sql` and `)} limit ${EXACT_SEARCH_MAX + 1}`,
      ),
    );
    if (matching.length <= EXACT_SEARCH_MAX) candidates = matching.map((r) => String(r.id));
  }
  const semantic =
    candidates?.length === 0
      ? []
      : await searchCall(ctx, () =>
          search.index.query(actor.userId, input.q, {
            k: Math.min(100, input.limit * 2),
            filters,
            candidates,
          }),
        );
  conds.push(
    sql`${listingSearch.ownerId} = ${actor.userId}::uuid`,
    sql`(${searchText} ilike ${`%${likeEscape(input.q)}%`} or ${input.q} <% ${searchText})`,
  );
  const text = rowsOf<{ id: string; s: number }>(
    await ctx.db.execute(
      sql`select ${listings.id} as id, word_similarity(${input.q}, ${searchText}) as s from ${listings} join ${listingSearch} on ${listingSearch.listingId} = ${listings.id} where ${sql.join(conds, sql` and `)} order by s desc limit ${input.limit * 2}`,
    ),
  );
  const scores = new Map<string, { semantic: number; text: number }>();
  for (const h of semantic) scores.set(h.id, { semantic: h.score, text: 0 });
  for (const t of text)
    scores.set(t.id, { semantic: scores.get(t.id)?.semantic ?? 0, text: Number(t.s) });
  const ranked = [...scores.entries()]
    .map(([id, s]) => ({
      id,
      ...s,
      score: SEMANTIC_WEIGHT * s.semantic + (1 - SEMANTIC_WEIGHT) * s.text,
    }))
    .sort((a, b) => b.score - a.score);
  // Hits are candidates: load them by owner and filters, so a deleted or foreign id, or one that
  // no longer matches, can never come back; the next candidates in rank fill a place one leaves.
  const items: {
    listing: ReturnType<typeof listingView>;
    score: number;
    semanticScore: number;
    textScore: number;
  }[] = [];
  for (let from = 0; items.length < input.limit && from < ranked.length; ) {
    const batch = ranked.slice(from, from + input.limit - items.length);
    from += batch.length;
    const rows = await ctx.db
      .select()
      .from(listings)
      .where(
        and(
          ...filtered,
          inArray(
            listings.id,
            batch.map((r) => r.id),
          ),
        ),
      );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const r of batch) {
      const row = byId.get(r.id);
      if (row)
        items.push({
          listing: listingView(row),
          score: r.score,
          semanticScore: r.semantic,
          textScore: r.text,
        });
    }
  }
  return { items, embedder: search.embedder };
}

/** Listings most like one of the caller's listings. */
export async function similarListings(ctx: CoreContext, id: string, limit = 10) {
  const actor = requireActor(ctx, "read");
  const search = requireSearch(ctx);
  if (!z.uuid().safeParse(id).success) throw notFound("Listing");
  const [own] = await ctx.db
    .select({ id: listings.id })
    .from(listings)
    .where(and(eq(listings.id, id), eq(listings.ownerId, actor.userId)));
  if (!own) throw notFound("Listing");
  const hits = await searchCall(ctx, () =>
    search.index.similar(actor.userId, id, { k: Math.min(50, limit) }),
  );
  if (!hits.length) return { items: [] };
  const byId = await ownListingsById(
    ctx,
    actor.userId,
    hits.map((h) => h.id),
  );
  return {
    items: hits.flatMap((h) => {
      const row = byId.get(h.id);
      return row ? [{ listing: listingView(row), score: h.score }] : [];
    }),
  };
}
