import type { CanonicalListing, FieldWarning, Marketplace } from "../listing";

export const FACEBOOK_CONDITIONS = [
  "New",
  "Used - Like New",
  "Used - Good",
  "Used - Fair",
] as const;

/** eBay ConditionID values and their names (File Exchange). */
export const EBAY_CONDITION_IDS: Record<string, string> = {
  "1000": "New",
  "1500": "New other",
  "1750": "New with defects",
  "2500": "Seller refurbished",
  "2750": "Like New",
  "3000": "Used",
  "7000": "For parts or not working",
};

function warn(out: FieldWarning[], field: string, code: string, message: string) {
  out.push({ field, code, message });
}

/**
 * Checks a listing against one marketplace's rules (../../FORMATS facts: Facebook bulk template,
 * eBay File Exchange, Shopify product CSV) and returns per-field warnings.
 */
export function validateForMarketplace(
  listing: CanonicalListing,
  marketplace: Marketplace,
): FieldWarning[] {
  const out: FieldWarning[] = [];
  const title = listing.title ?? "";
  const price = Number(listing.price);
  if (marketplace === "facebook") {
    if (!title.trim()) warn(out, "title", "REQUIRED", "Facebook requires a title");
    if (title.length > 150)
      warn(out, "title", "TOO_LONG", `Title is ${title.length}/150 characters`);
    if (!Number.isInteger(price))
      warn(out, "price", "WHOLE_DOLLARS", "Facebook prices are whole dollars; it will be rounded");
    if (
      !listing.condition ||
      !(FACEBOOK_CONDITIONS as readonly string[]).includes(listing.condition)
    )
      warn(
        out,
        "condition",
        "INVALID_CONDITION",
        `Condition must be one of: ${FACEBOOK_CONDITIONS.join(", ")}`,
      );
    if ((listing.description ?? "").length > 5000)
      warn(out, "description", "TOO_LONG", "Description exceeds 5,000 characters");
  } else if (marketplace === "ebay") {
    if (!title.trim()) warn(out, "title", "REQUIRED", "eBay requires a title");
    if (title.length > 80) warn(out, "title", "TOO_LONG", `Title is ${title.length}/80 characters`);
    if (!(price > 0)) warn(out, "price", "INVALID_PRICE", "StartPrice must be greater than 0");
    if ((listing.quantity ?? 1) < 1)
      warn(out, "quantity", "INVALID_QUANTITY", "Quantity must be at least 1");
    const cat = listing.marketplaceFields?.ebayCategoryId ?? listing.category;
    if (!cat || !/^\d+$/.test(String(cat)))
      warn(
        out,
        "category",
        "CATEGORY_ID",
        "eBay needs a numeric leaf category id (marketplaceFields.ebayCategoryId)",
      );
    if (listing.imageUrls && listing.imageUrls.length > 24)
      warn(out, "imageUrls", "TOO_MANY_IMAGES", "eBay accepts at most 24 picture URLs");
  } else if (marketplace === "shopify") {
    if (!title.trim()) warn(out, "title", "REQUIRED", "Shopify requires a title for new products");
    if (!(price >= 0) || Number.isNaN(price))
      warn(out, "price", "INVALID_PRICE", "Variant Price must be a number");
    const handle = listing.marketplaceFields?.shopifyHandle;
    if (handle !== undefined && !/^[a-z0-9-]+$/i.test(String(handle)))
      warn(
        out,
        "marketplaceFields",
        "INVALID_HANDLE",
        "Handle may contain only letters, digits and dashes",
      );
  } else {
    if (!title.trim()) warn(out, "title", "REQUIRED", "A title is required");
  }
  return out;
}
