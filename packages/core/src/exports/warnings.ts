import { listings, rowsOf } from "@mbe/db";
import { type SQL, sql } from "drizzle-orm";
import type { CoreContext } from "../context";

/** Listings of an export that break a rule of the marketplace the file is written for. */
export interface ExportWarning {
  /** Machine-readable rule, e.g. `TITLE_TOO_LONG`. */
  code: string;
  /** How many of the exported listings break it. */
  count: number;
  message: string;
  /** Ids of up to {@link WARNING_SAMPLE} of those listings, in id order. */
  sample: string[];
}

/** How many listing ids a warning names. */
export const WARNING_SAMPLE = 5;

interface Rule {
  code: string;
  /** The rows breaking the rule, as a condition on `listings`. */
  breaks: SQL;
  message: (n: number) => string;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
const titleLength = sql`char_length(${listings.title})`;
const noTitle = sql`btrim(${listings.title}) = ''`;

const titleMissing = (site: string): Rule => ({
  code: "TITLE_MISSING",
  breaks: noTitle,
  message: (n) =>
    `${n} ${plural(n, "listing has", "listings have")} no title; ${site} requires one and will refuse ${plural(n, "that row", "those rows")}`,
});

/**
 * The hard rules of each marketplace's file (FORMATS.md) that one row shows on its own. The file
 * still carries such listings exactly as they are: the seller is told, and decides.
 */
const RULES: Partial<Record<string, Rule[]>> = {
  ebay: [
    {
      code: "TITLE_TOO_LONG",
      breaks: sql`${titleLength} > 80`,
      message: (n) =>
        `${n} ${plural(n, "title is", "titles are")} longer than eBay's 80 characters; eBay will refuse ${plural(n, "that row", "those rows")}`,
    },
    titleMissing("eBay"),
    {
      code: "QUANTITY_BELOW_ONE",
      breaks: sql`${listings.quantity} < 1`,
      message: (n) =>
        `${n} ${plural(n, "listing has", "listings have")} a quantity below 1; eBay needs at least 1 and will refuse ${plural(n, "that row", "those rows")}`,
    },
    {
      code: "TOO_MANY_PICTURES",
      breaks: sql`cardinality(${listings.imageUrls}) > 24`,
      message: (n) =>
        `${n} ${plural(n, "listing has", "listings have")} more than eBay's 24 pictures; the file carries the first 24 of each`,
    },
    {
      code: "ITEM_ID_ON_ADD",
      // The writer takes an ItemID from the listing's own field or from an extra column of an
      // imported file named ItemID in any case (see ebayRow).
      breaks: sql`lower(coalesce(${listings.marketplaceFields} ->> 'action', '')) in ('add', 'verifyadd')
        and (coalesce(${listings.marketplaceFields} ->> 'itemId', '') <> ''
          or exists (
            select 1 from jsonb_each_text(case
              when jsonb_typeof(${listings.marketplaceFields} -> 'ebayExtra') = 'object'
              then ${listings.marketplaceFields} -> 'ebayExtra' else '{}'::jsonb end) as x(k, v)
            where lower(btrim(ltrim(btrim(x.k), '*'))) = 'itemid' and x.v <> ''))`,
      message: (n) =>
        `${n} ${plural(n, "listing is", "listings are")} set to Add but ${plural(n, "has an", "have an")} eBay ItemID; an Add row cannot name one, so the ItemID is left empty (set the action to Revise to update the eBay listing)`,
    },
  ],
  facebook: [
    {
      code: "TITLE_TOO_LONG",
      breaks: sql`${titleLength} > 150`,
      message: (n) =>
        `${n} ${plural(n, "title is", "titles are")} longer than Facebook's 150 characters; Facebook will refuse ${plural(n, "that row", "those rows")}`,
    },
    titleMissing("Facebook"),
    {
      code: "DESCRIPTION_TOO_LONG",
      breaks: sql`char_length(${listings.description}) > 5000`,
      message: (n) =>
        `${n} ${plural(n, "description is", "descriptions are")} longer than Facebook's 5,000 characters; Facebook will refuse ${plural(n, "that row", "those rows")}`,
    },
    {
      code: "PRICE_NOT_WHOLE",
      breaks: sql`${listings.price} <> trunc(${listings.price})`,
      message: (n) =>
        `${n} ${plural(n, "price has", "prices have")} cents; Facebook takes whole dollars, so the file rounds ${plural(n, "it", "them")}`,
    },
  ],
  shopify: [titleMissing("Shopify")],
};

/**
 * The marketplace rules the selected listings break, over the same `where` (owner and selection)
 * the export reads; none for the generic layout. The counts take one pass over the selection; a
 * second statement names the first ids of each rule some listing breaks, holding at most
 * {@link WARNING_SAMPLE} ids for a rule many listings break and at most 1 % of the selection for
 * the others.
 */
export async function exportWarnings(
  ctx: CoreContext,
  where: SQL,
  layout: string,
): Promise<ExportWarning[]> {
  const rules = RULES[layout];
  if (!rules?.length) return [];
  const counts = rules.map(
    (r, i) => sql`count(*) filter (where ${r.breaks})::int as ${sql.raw(`n${i}`)}`,
  );
  const [row] = rowsOf<Record<string, number>>(
    await ctx.db.execute(
      sql`select count(*)::int as total, ${sql.join(counts, sql`, `)} from ${listings} where ${where}`,
    ),
  );
  const total = Number(row?.total ?? 0);
  const broken = rules
    .map((rule, i) => ({ rule, i, count: Number(row?.[`n${i}`] ?? 0) }))
    .filter((b) => b.count > 0);
  if (!broken.length) return [];
  const limit = sql.raw(String(WARNING_SAMPLE));
  const common = (b: (typeof broken)[number]) => b.count * 100 >= total;
  // A rule many listings break: walking the primary key finds its first ids after a few rows.
  // The rules few listings break are gathered in one more pass over the selection, their ids
  // few by definition; walking the key for them could cross every seller's rows.
  const columns = broken.map((b) => {
    const name = sql.raw(`s${b.i}`);
    return common(b)
      ? sql`array(select ${listings.id}::text from ${listings} where (${where}) and (${b.rule.breaks})
          order by ${listings.id} limit ${limit}) as ${name}`
      : sql`(array_agg(${listings.id}::text order by ${listings.id}) filter (where ${b.rule.breaks}))[1:${limit}] as ${name}`;
  });
  const rare = broken.filter((b) => !common(b)).map((b) => sql`(${b.rule.breaks})`);
  const [sampled] = rowsOf<Record<string, string[] | null>>(
    await ctx.db.execute(
      // An aggregate query: one row, even when no rule is rare (and no row read).
      sql`select count(*) as n, ${sql.join(columns, sql`, `)} from ${listings}
        where (${where}) and (${rare.length ? sql.join(rare, sql` or `) : sql`false`})`,
    ),
  );
  return broken.map(({ rule, i, count }) => ({
    code: rule.code,
    count,
    message: rule.message(count),
    sample: sampled?.[`s${i}`] ?? [],
  }));
}
