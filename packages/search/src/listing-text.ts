/** The listing fields that feed the search text; everything is optional except the title. */
export interface ListingTextInput {
  title: string;
  category?: string | null;
  condition?: string | null;
  description?: string | null;
  sku?: string | null;
}

/** Upper bound on the text embedded per listing: long descriptions add cost, not meaning. */
export const MAX_LISTING_TEXT_CHARS = 4000;

function clean(value: string | null | undefined): string {
  if (!value) return "";
  // Collapse whitespace so the title stays on the first line (the local embedder weights it).
  return value.replace(/\s+/g, " ").trim();
}

/**
 * Builds the text indexed for a listing: title first (its own line), then category, condition,
 * SKU and description. Bounded to MAX_LISTING_TEXT_CHARS.
 */
export function listingText(listing: ListingTextInput): string {
  const lines = [clean(listing.title)];
  const category = clean(listing.category);
  if (category) lines.push(category);
  const condition = clean(listing.condition);
  if (condition) lines.push(condition);
  // SKU before the description so truncating a long description never drops it.
  const sku = clean(listing.sku);
  if (sku) lines.push(`sku ${sku}`);
  const description = clean(listing.description);
  if (description) lines.push(description);
  const text = lines.join("\n");
  return text.length > MAX_LISTING_TEXT_CHARS ? text.slice(0, MAX_LISTING_TEXT_CHARS) : text;
}
