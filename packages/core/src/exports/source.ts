import { listings } from "@mbe/db";
import type { ExportListing } from "@mbe/formats";
import { and, asc, gt, type SQL } from "drizzle-orm";
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
