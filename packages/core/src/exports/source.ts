import { listings, rowsOf } from "@mbe/db";
import {
  type ExportFormat,
  type ExportListing,
  type ExportResult,
  exportListings,
  type Marketplace,
  zipExports,
} from "@mbe/formats";
import { and, asc, gt, type SQL, sql } from "drizzle-orm";
import type { CoreContext } from "../context";

/**
 * The selected listings, read in keyset pages so an export of a million rows holds one page in
 * memory at a time. Prices stay decimal strings.
 */
export async function* listingsForExport(
  ctx: CoreContext,
  where: SQL,
  onPage?: (n: number) => Promise<void>,
): AsyncGenerator<ExportListing> {
  let after: string | undefined;
  for (;;) {
    const page = await ctx.db
      .select()
      .from(listings)
      .where(after ? and(where, gt(listings.id, after)) : where)
      .orderBy(asc(listings.id))
      .limit(2000);
    for (const r of page)
      yield {
        id: r.id,
        title: r.title,
        price: r.price,
        currency: r.currency,
        condition: r.condition,
        description: r.description,
        category: r.category,
        offerShipping: r.offerShipping,
        sku: r.sku,
        quantity: r.quantity,
        imageUrls: r.imageUrls,
        marketplaceFields: r.marketplaceFields,
        status: r.status,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
      };
    await onPage?.(page.length);
    const last = page.at(-1);
    if (!last || page.length < 2000) return;
    after = last.id;
  }
}

/**
 * Where the eBay and Shopify layouts keep the columns of imported files they have no place for,
 * and the eBay layout its item specifics (`C:` columns).
 */
const NAMED_COLUMNS: Partial<
  Record<string, { extraColumns: string; itemSpecificColumns?: string }>
> = {
  ebay: { extraColumns: "ebayExtra", itemSpecificColumns: "itemSpecifics" },
  shopify: { extraColumns: "shopifyExtra" },
};

/**
 * Every extra column and item-specific name among the selected listings, for the layouts that
 * write them (eBay, Shopify; nothing for the others), sorted: the file's header has to name them
 * before its first row, and a listing read late may hold one no earlier listing does. One pass
 * over the selection's `marketplace_fields` for all the layout's fields, under the same `where`
 * (owner and selection) as {@link listingsForExport}, so no other seller's names can appear.
 */
export async function namedColumnsForExport(
  ctx: CoreContext,
  where: SQL,
  layout: string,
): Promise<{ extraColumns?: string[]; itemSpecificColumns?: string[] }> {
  const fields = NAMED_COLUMNS[layout];
  if (!fields) return {};
  const wanted = Object.entries(fields).map(([option, field]) => sql`(${option}, ${field})`);
  const value = sql`${listings.marketplaceFields} -> f.field`;
  const rows = rowsOf<{ option: keyof typeof fields; name: string }>(
    await ctx.db.execute(sql`
      select distinct f.option, k.name
      from ${listings}
      cross join (values ${sql.join(wanted, sql`, `)}) as f(option, field)
      -- jsonb_object_keys fails on anything but an object; the writers read nothing else either.
      cross join lateral jsonb_object_keys(
        case when jsonb_typeof(${value}) = 'object' then ${value} else '{}'::jsonb end
      ) as k(name)
      where ${where}`),
  );
  const names: { extraColumns?: string[]; itemSpecificColumns?: string[] } = {};
  for (const option of Object.keys(fields) as (keyof typeof fields)[]) names[option] = [];
  for (const r of rows) names[r.option]?.push(r.name);
  for (const list of Object.values(names)) list.sort();
  return names;
}

/**
 * The selected listings in a format and layout, with the named columns of the whole selection.
 * An eBay File Exchange file states one currency (and site) for every price in it, in its
 * `*Action(…|Currency=…)` header, so a selection priced in several currencies becomes a zip of
 * one file per currency rather than one file whose minority prices eBay would read in the
 * majority's currency.
 */
export async function exportSelection(
  ctx: CoreContext,
  where: SQL,
  options: { format: ExportFormat; layout: Marketplace },
  onPage?: (n: number) => Promise<void>,
): Promise<ExportResult> {
  const one = async (w: SQL) =>
    exportListings(listingsForExport(ctx, w, onPage), {
      ...options,
      ...(await namedColumnsForExport(ctx, w, options.layout)),
    });
  if (options.layout !== "ebay") return one(where);
  const currency = sql<string>`upper(${listings.currency})`;
  const currencies = (
    await ctx.db
      .selectDistinct({ currency: currency.as("currency") })
      .from(listings)
      .where(where)
  )
    .map((r) => r.currency)
    .sort();
  if (currencies.length <= 1) return one(where);
  return zipExports(
    currencies.map((c) => ({
      suffix: `-${c}`,
      open: () => one(and(where, sql`${currency} = ${c}`) as SQL),
    })),
  );
}
