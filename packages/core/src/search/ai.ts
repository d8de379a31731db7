import { listings } from "@mbe/db";
import { FACEBOOK_CATEGORIES } from "@mbe/formats";
import { askCatalog, suggestListing } from "@mbe/search";
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { type CoreContext, requireActor } from "../context";
import { CoreError } from "../errors";
import { bulkUpsertListings } from "../listings/bulk-upsert";
import { requireSearch, searchCall } from "./errors";
import { searchListings } from "./search";

function requireOpenAI(ctx: CoreContext) {
  const client = ctx.search?.openai;
  if (!client)
    throw new CoreError("NOT_CONFIGURED", "AI assistance needs an OpenAI API key (OPENAI_API_KEY)");
  return client;
}

export const AiSuggestInput = z.object({
  listingIds: z.array(z.uuid()).min(1).max(20),
  marketplace: z.enum(["facebook", "ebay"]).default("facebook"),
});

/**
 * Proposes a title, description and category per listing (within the marketplace's limits) for
 * the seller to review; nothing is written until they apply it.
 */
export async function aiSuggest(ctx: CoreContext, raw: z.input<typeof AiSuggestInput>) {
  const input = AiSuggestInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const client = requireOpenAI(ctx);
  const rows = await ctx.db
    .select()
    .from(listings)
    .where(and(eq(listings.ownerId, actor.userId), inArray(listings.id, input.listingIds)));
  const categories = input.marketplace === "facebook" ? [...FACEBOOK_CATEGORIES] : undefined;
  const suggestions = [];
  for (const r of rows) {
    const s = await searchCall(ctx, () =>
      suggestListing(
        client,
        {
          title: r.title,
          description: r.description,
          category: r.category,
          condition: r.condition,
          price: r.price,
          currency: r.currency,
        },
        { marketplace: input.marketplace, categories },
      ),
    );
    suggestions.push({
      id: r.id,
      version: r.version,
      before: { title: r.title, description: r.description, category: r.category },
      after: { title: s.title, description: s.description, category: s.category ?? r.category },
      truncated: s.truncated,
    });
  }
  return { suggestions };
}

export const AiApplyInput = z.object({
  suggestions: z
    .array(
      z.object({
        id: z.uuid(),
        version: z.number().int().positive().optional(),
        title: z.string().min(1).max(500).optional(),
        description: z.string().max(20_000).optional(),
        category: z.string().max(500).nullable().optional(),
      }),
    )
    .min(1)
    .max(1000),
});

/** Applies reviewed suggestions as one change set (stale versions are reported per row). */
export async function aiApply(ctx: CoreContext, raw: z.input<typeof AiApplyInput>) {
  const input = AiApplyInput.parse(raw);
  return bulkUpsertListings(ctx, {
    rows: input.suggestions,
    matchBy: "id",
    kind: "ai-suggestions",
    summary: `Applied ${input.suggestions.length} AI suggestion(s)`,
  });
}

export const AiAskInput = z.object({ question: z.string().trim().min(3).max(1000) });

/** Answers a question about the catalog from the listings search retrieves, citing them. */
export async function aiAsk(ctx: CoreContext, raw: z.input<typeof AiAskInput>) {
  const input = AiAskInput.parse(raw);
  requireActor(ctx, "read");
  const client = requireOpenAI(ctx);
  requireSearch(ctx);
  const found = await searchListings(ctx, { q: input.question, limit: 20 });
  const retrieved = found.items.map((i) => i.listing);
  const answer = await searchCall(ctx, () =>
    askCatalog(
      client,
      input.question,
      retrieved.map((l) => ({
        id: l.id,
        title: l.title,
        price: l.price,
        currency: l.currency,
        category: l.category,
        condition: l.condition,
        status: l.status,
        sku: l.sku,
        description: l.description,
      })),
    ),
  );
  const cited = new Set(answer.citedIds);
  return {
    answer: answer.answer,
    citations: retrieved
      .filter((l) => cited.has(l.id))
      .map((l) => ({ id: l.id, title: l.title, price: l.price, sku: l.sku })),
  };
}
