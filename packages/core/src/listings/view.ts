import type { Listing } from "@mbe/db";
import { type Marketplace, validateForMarketplace } from "@mbe/formats";

/** The API shape of a listing (price as a number, dates as ISO strings). */
export function listingView(row: Listing, marketplace?: Marketplace) {
  const view = {
    id: row.id,
    title: row.title,
    price: Number(row.price),
    currency: row.currency,
    condition: row.condition,
    description: row.description,
    category: row.category,
    offerShipping: row.offerShipping,
    sku: row.sku,
    quantity: row.quantity,
    imageUrls: row.imageUrls,
    marketplaceFields: row.marketplaceFields,
    status: row.status,
    source: row.source,
    sourceRef: row.sourceRef,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
  if (!marketplace) return view;
  return { ...view, warnings: validateForMarketplace({ ...view, price: row.price }, marketplace) };
}
export type ListingView = ReturnType<typeof listingView>;
