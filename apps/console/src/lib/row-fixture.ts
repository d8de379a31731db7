import type { Row } from "./columns";

/** A listing with sensible defaults, id `id-<i>` and title `Listing <i>`. */
export function listing(i: number, over: Partial<Row> = {}): Row {
  return {
    id: `id-${i}`,
    title: `Listing ${i}`,
    price: 10 + i,
    currency: "USD",
    condition: "New",
    description: "",
    category: null,
    offerShipping: false,
    sku: null,
    quantity: 1,
    imageUrls: [],
    marketplaceFields: {},
    status: "active",
    source: "manual",
    version: 1,
    createdAt: "2026-01-01T00:00:00Z",
    updatedAt: "2026-01-01T00:00:00Z",
    ...over,
  };
}
