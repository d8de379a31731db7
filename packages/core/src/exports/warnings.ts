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
 * the export reads; none for the generic layout. The counts take one pass over the selection;
 * then one query names the first ids of each rule that some listing breaks, holding at most
 * {@link WARNING_SAMPLE} of them however many listings break it.
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
  const samples = broken.map(({ rule, i, count }) => {
    const breaking = sql`select ${listings.id} from ${listings} where (${where}) and (${rule.breaks})`;
    // Where many rows break the rule, walking the primary key finds the first ids after a few
    // rows. Where few do, that walk could cross the whole table (every seller's rows) to find
    // them; `offset 0` keeps the planner off it, so it reads the selection and keeps the first
    // ids in a top-N sort.
    const from = count * 100 >= total ? breaking : sql`${breaking} offset 0`;
    return sql`(select ${sql.raw(String(i))} as rule,
      array(select id::text from (${from}) as b order by id limit ${limit}) as ids)`;
  });
  const sampled = rowsOf<{ rule: number; ids: string[] }>(
    await ctx.db.execute(sql.join(samples, sql` union all `)),
  );
  const ids = new Map(sampled.map((s) => [Number(s.rule), s.ids]));
  return broken.map(({ rule, i, count }) => ({
    code: rule.code,
    count,
    message: rule.message(count),
    sample: ids.get(i) ?? [],
  }));
}
