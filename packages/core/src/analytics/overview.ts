import { changeSets, listings } from "@mbe/db";
import { EBAY_CONDITION_IDS, FACEBOOK_CATEGORIES, FACEBOOK_CONDITIONS } from "@mbe/formats";
import { and, desc, eq, gte, sql } from "drizzle-orm";
import { z } from "zod";
import { type CoreContext, requireActor } from "../context";

/** Options of the catalog overview charts. */
export const CatalogOverviewInput = z.object({
  /** How many days of change history to chart. */
  days: z.coerce.number().int().min(1).max(365).default(30),
  /** Price histogram buckets. */
  buckets: z.coerce.number().int().min(2).max(50).default(12),
});
export type CatalogOverviewInput = z.input<typeof CatalogOverviewInput>;

const n = sql<number>`count(*)::int`;

/**
 * Marketplace rules as SQL predicates, so validity is counted by PostgreSQL over the whole catalog
 * (mirrors validateForMarketplace in @mbe/formats; keep the two in step).
 */
const INVALID = {
  generic: sql`btrim(${listings.title}) = ''`,
  facebook: sql`(btrim(${listings.title}) = '' or char_length(${listings.title}) > 150 or ${listings.price} <> trunc(${listings.price})
    or ${listings.condition} is null or ${listings.condition} not in ${[...FACEBOOK_CONDITIONS]}
    or char_length(${listings.description}) > 5000
    or (coalesce(${listings.category}, '') <> '' and ${listings.category} not in ${[...FACEBOOK_CATEGORIES]}))`,
  ebay: sql`(btrim(${listings.title}) = '' or char_length(${listings.title}) > 80 or ${listings.price} <= 0 or ${listings.quantity} < 1
    or coalesce(${listings.marketplaceFields}->>'ebayCategoryId', ${listings.category}, '') !~ '^[0-9]+$'
    or (${listings.marketplaceFields} ? 'conditionId' and coalesce(${listings.marketplaceFields}->>'conditionId', '') not in ${Object.keys(EBAY_CONDITION_IDS)})
    or (${listings.marketplaceFields} ? 'format' and coalesce(${listings.marketplaceFields}->>'format', '') not in ('FixedPrice', 'Auction'))
    or (${listings.marketplaceFields} ? 'duration' and coalesce(${listings.marketplaceFields}->>'duration', '') !~ '^(GTC|Days_[0-9]+)$')
    or cardinality(${listings.imageUrls}) > 24)`,
  shopify: sql`(btrim(${listings.title}) = '' or (${listings.marketplaceFields} ? 'shopifyHandle'
    and coalesce(${listings.marketplaceFields}->>'shopifyHandle', '') !~* '^[a-z0-9-]+$')
    or (jsonb_typeof(${listings.marketplaceFields}->'variants') = 'array' and jsonb_array_length(${listings.marketplaceFields}->'variants') > 100))`,
} as const;

/** The price figures of the listings in one currency. */
interface CurrencyFigures {
  currency: string;
  listings: number;
  inventoryValue: number;
  minPrice: number | null;
  maxPrice: number | null;
  avgPrice: number | null;
}

const cents = (v: number) => Math.round(v * 100) / 100;

/**
 * Charts for the catalog overview, computed in PostgreSQL over the caller's own listings only:
 * counts by status and category, validity per marketplace, a price histogram (width_bucket) and
 * change sets per day (date_trunc). Prices are never added up across currencies: the figures are
 * given per currency (`byCurrency`), and `totals` and the histogram are those of the currency most
 * listings are priced in.
 */
export async function catalogOverview(ctx: CoreContext, raw: CatalogOverviewInput = {}) {
  const input = CatalogOverviewInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const mine = eq(listings.ownerId, actor.userId);

  // One pass over the seller's listings for every figure that is not per category or price band.
  const groups = await ctx.db
    .select({
      currency: listings.currency,
      status: listings.status,
      listings: n,
      value: sql<number>`coalesce(sum(${listings.price} * ${listings.quantity}), 0)::float8`,
      sumPrice: sql<number>`coalesce(sum(${listings.price}), 0)::float8`,
      minPrice: sql<number | null>`min(${listings.price})::float8`,
      maxPrice: sql<number | null>`max(${listings.price})::float8`,
      invalidGeneric: sql<number>`(count(*) filter (where ${INVALID.generic}))::int`,
      invalidFacebook: sql<number>`(count(*) filter (where ${INVALID.facebook}))::int`,
      invalidEbay: sql<number>`(count(*) filter (where ${INVALID.ebay}))::int`,
      invalidShopify: sql<number>`(count(*) filter (where ${INVALID.shopify}))::int`,
    })
    .from(listings)
    .where(mine)
    .groupBy(listings.currency, listings.status);

  const statusCounts = new Map<string, number>();
  const currencies = new Map<string, CurrencyFigures & { sumPrice: number }>();
  const invalid = { generic: 0, facebook: 0, ebay: 0, shopify: 0 };
  let total = 0;
  for (const g of groups) {
    const count = Number(g.listings);
    total += count;
    statusCounts.set(g.status, (statusCounts.get(g.status) ?? 0) + count);
    invalid.generic += Number(g.invalidGeneric);
    invalid.facebook += Number(g.invalidFacebook);
    invalid.ebay += Number(g.invalidEbay);
    invalid.shopify += Number(g.invalidShopify);
    const c = currencies.get(g.currency) ?? {
      currency: g.currency,
      listings: 0,
      inventoryValue: 0,
      sumPrice: 0,
      minPrice: null,
      maxPrice: null,
      avgPrice: null,
    };
    c.listings += count;
    c.inventoryValue += Number(g.value);
    c.sumPrice += Number(g.sumPrice);
    const lo = g.minPrice === null ? null : Number(g.minPrice);
    const hi = g.maxPrice === null ? null : Number(g.maxPrice);
    if (lo !== null) c.minPrice = c.minPrice === null ? lo : Math.min(c.minPrice, lo);
    if (hi !== null) c.maxPrice = c.maxPrice === null ? hi : Math.max(c.maxPrice, hi);
    currencies.set(g.currency, c);
  }
  const byCurrency: CurrencyFigures[] = [...currencies.values()]
    .sort((a, b) => b.listings - a.listings || a.currency.localeCompare(b.currency))
    .map(({ sumPrice, ...c }) => ({
      ...c,
      inventoryValue: cents(c.inventoryValue),
      avgPrice: c.listings ? cents(sumPrice / c.listings) : null,
    }));
  const main = byCurrency[0];
  const byStatus = [...statusCounts]
    .map(([status, count]) => ({ status, count }))
    .sort((a, b) => b.count - a.count || a.status.localeCompare(b.status));

  const categoryExpr = sql<string>`coalesce(nullif(btrim(${listings.category}), ''), '(none)')`;
  const cats = await ctx.db
    .select({ category: categoryExpr, count: n })
    .from(listings)
    .where(mine)
    .groupBy(categoryExpr)
    .orderBy(desc(n), categoryExpr)
    .limit(11);
  const byCategory = cats
    .slice(0, 10)
    .map((c) => ({ category: c.category, count: Number(c.count) }));
  const shown = byCategory.reduce((s, c) => s + c.count, 0);
  if (cats.length > 10 && total - shown > 0)
    byCategory.push({ category: "(other)", count: total - shown });

  let priceHistogram: { from: number; to: number; count: number }[] = [];
  if (main && main.minPrice !== null && main.maxPrice !== null) {
    const lo = main.minPrice;
    const hi = main.maxPrice;
    const top = hi > lo ? hi : lo + 1;
    const width = (top - lo) / input.buckets;
    // width_bucket puts the maximum in bucket n+1; least() folds it into the last bucket.
    const bucket = sql<number>`least(width_bucket(${listings.price}::float8, ${lo}::float8, ${top}::float8, ${input.buckets}::int), ${input.buckets}::int)`;
    const rows = await ctx.db
      .select({ b: bucket, count: n })
      .from(listings)
      .where(and(mine, eq(listings.currency, main.currency)))
      // By position: the bucket expression carries bind parameters, so a repeated copy would not match.
      .groupBy(sql`1`);
    const counts = new Map(rows.map((r) => [Number(r.b), Number(r.count)]));
    priceHistogram = Array.from({ length: input.buckets }, (_, i) => ({
      from: cents(lo + i * width),
      to: cents(lo + (i + 1) * width),
      count: counts.get(i + 1) ?? 0,
    }));
  }

  const since = new Date(Date.now() - input.days * 86_400_000);
  const day = sql<string>`to_char(date_trunc('day', ${changeSets.createdAt} at time zone 'UTC'), 'YYYY-MM-DD')`;
  const changes = await ctx.db
    .select({
      day,
      changeSets: n,
      rows: sql<number>`coalesce(sum(${changeSets.rowCount}), 0)::int`,
    })
    .from(changeSets)
    .where(and(eq(changeSets.ownerId, actor.userId), gte(changeSets.createdAt, since)))
    .groupBy(day)
    .orderBy(day);
  const byDay = new Map(changes.map((c) => [c.day, c]));
  const changesOverTime = Array.from({ length: input.days }, (_, i) => {
    const d = new Date(since.getTime() + (i + 1) * 86_400_000).toISOString().slice(0, 10);
    const c = byDay.get(d);
    return { day: d, changeSets: Number(c?.changeSets ?? 0), rows: Number(c?.rows ?? 0) };
  });

  const validity = (["generic", "facebook", "ebay", "shopify"] as const).map((marketplace) => ({
    marketplace,
    valid: total - invalid[marketplace],
    invalid: invalid[marketplace],
  }));

  return {
    totals: {
      listings: total,
      /** The currency of `inventoryValue`, the prices and the histogram: the one most listings use. */
      currency: main?.currency ?? null,
      inventoryValue: main?.inventoryValue ?? 0,
      minPrice: main?.minPrice ?? null,
      maxPrice: main?.maxPrice ?? null,
      avgPrice: main?.avgPrice ?? null,
    },
    byCurrency,
    byStatus,
    byCategory,
    validity,
    priceHistogram,
    changesOverTime,
  };
}
/** The overview as the console and REST clients receive it. */
export type CatalogOverview = Awaited<ReturnType<typeof catalogOverview>>;
