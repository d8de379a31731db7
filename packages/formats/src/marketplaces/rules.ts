import type { CanonicalListing, FieldWarning, Marketplace } from "../listing";
import { FACEBOOK_CATEGORIES } from "./facebook";

/** The only CONDITION values Facebook's bulk-upload template accepts. */
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

let facebookCategorySet: Set<string> | null = null;

function isFacebookCategory(path: string): boolean {
  facebookCategorySet ??= new Set(FACEBOOK_CATEGORIES);
  return facebookCategorySet.has(path);
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
  const hasPrice = listing.price !== undefined && listing.price !== "" && Number.isFinite(price);
  const mf = listing.marketplaceFields ?? {};
  if (marketplace === "facebook") {
    if (!title.trim()) warn(out, "title", "REQUIRED", "Facebook requires a title");
    if (title.length > 150)
      warn(out, "title", "TOO_LONG", `Title is ${title.length}/150 characters`);
    if (!hasPrice) warn(out, "price", "REQUIRED", "Price is missing: Facebook requires a price");
    else if (price < 0) warn(out, "price", "INVALID_PRICE", "Price cannot be negative");
    else if (!Number.isInteger(price))
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
    if (listing.category && !isFacebookCategory(listing.category))
      warn(
        out,
        "category",
        "UNKNOWN_CATEGORY",
        "Category is not one of the bulk-upload template's paths",
      );
  } else if (marketplace === "ebay") {
    if (!title.trim()) warn(out, "title", "REQUIRED", "eBay requires a title");
    if (title.length > 80) warn(out, "title", "TOO_LONG", `Title is ${title.length}/80 characters`);
    if (!(price > 0)) warn(out, "price", "INVALID_PRICE", "StartPrice must be greater than 0");
    if ((listing.quantity ?? 1) < 1 || !Number.isInteger(listing.quantity ?? 1))
      warn(out, "quantity", "INVALID_QUANTITY", "Quantity must be a whole number of at least 1");
    const cat = mf.ebayCategoryId ?? listing.category;
    if (!cat || !/^\d+$/.test(String(cat)))
      warn(
        out,
        "category",
        "CATEGORY_ID",
        "eBay needs a numeric leaf category id (marketplaceFields.ebayCategoryId)",
      );
    if (mf.conditionId !== undefined && !EBAY_CONDITION_IDS[String(mf.conditionId)])
      warn(out, "condition", "INVALID_CONDITION", "ConditionID is not one of eBay's codes");
    if (mf.format !== undefined && mf.format !== "FixedPrice" && mf.format !== "Auction")
      warn(out, "marketplaceFields", "INVALID_FORMAT", "Format must be FixedPrice or Auction");
    if (mf.duration !== undefined && !/^(GTC|Days_\d+)$/.test(String(mf.duration)))
      warn(out, "marketplaceFields", "INVALID_DURATION", "Duration must be GTC or Days_N");
    if (listing.imageUrls && listing.imageUrls.length > 24)
      warn(out, "imageUrls", "TOO_MANY_IMAGES", "eBay accepts at most 24 picture URLs");
  } else if (marketplace === "shopify") {
    if (!title.trim()) warn(out, "title", "REQUIRED", "Shopify requires a title for new products");
    if (!hasPrice || price < 0)
      warn(out, "price", "INVALID_PRICE", "Variant Price must be a number");
    const handle = mf.shopifyHandle;
    if (handle !== undefined && !/^[a-z0-9-]+$/i.test(String(handle)))
      warn(
        out,
        "marketplaceFields",
        "INVALID_HANDLE",
        "Handle may contain only letters, digits and dashes",
      );
    if (Array.isArray(mf.variants) && mf.variants.length > 100)
      warn(
        out,
        "marketplaceFields",
        "TOO_MANY_VARIANTS",
        "Shopify allows 100 variants per product",
      );
  } else {
    if (!title.trim()) warn(out, "title", "REQUIRED", "A title is required");
  }
  return out;
}
