/** The listing fields every format reads into and writes from (prices as decimal strings). */
export interface CanonicalListing {
  id?: string;
  title: string;
  price: string;
  currency?: string;
  condition?: string | null;
  description?: string;
  category?: string | null;
  offerShipping?: boolean;
  sku?: string | null;
  quantity?: number;
  imageUrls?: string[];
  marketplaceFields?: Record<string, unknown>;
  status?: "draft" | "active" | "archived";
}

/** Marketplace layouts the formats package reads and writes (`generic` = any table). */
export const MARKETPLACES = ["facebook", "ebay", "shopify", "generic"] as const;
/** One of {@link MARKETPLACES}. */
export type Marketplace = (typeof MARKETPLACES)[number];

/** A rule a listing breaks for one marketplace; shown as a warning, never a hard error. */
export interface FieldWarning {
  field: keyof CanonicalListing | string;
  code: string;
  message: string;
}
