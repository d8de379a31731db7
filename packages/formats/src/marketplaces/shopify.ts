import { normalizeHeader } from "../map/fields";

/** Shopify product CSV columns: our key, the classic header, and newer spellings. */
export const SHOPIFY_COLUMNS = [
  { key: "handle", header: "Handle", aliases: ["URL handle"] },
  { key: "title", header: "Title", aliases: [] },
  { key: "body", header: "Body (HTML)", aliases: ["Description", "Body HTML"] },
  { key: "vendor", header: "Vendor", aliases: [] },
  { key: "productCategory", header: "Product Category", aliases: ["Product category"] },
  { key: "type", header: "Type", aliases: ["Product type"] },
  { key: "tags", header: "Tags", aliases: [] },
  { key: "published", header: "Published", aliases: ["Published on online store"] },
  { key: "option1Name", header: "Option1 Name", aliases: ["Option1 name"] },
  { key: "option1Value", header: "Option1 Value", aliases: ["Option1 value"] },
  { key: "option2Name", header: "Option2 Name", aliases: ["Option2 name"] },
  { key: "option2Value", header: "Option2 Value", aliases: ["Option2 value"] },
  { key: "option3Name", header: "Option3 Name", aliases: ["Option3 name"] },
  { key: "option3Value", header: "Option3 Value", aliases: ["Option3 value"] },
  { key: "sku", header: "Variant SKU", aliases: ["SKU"] },
  { key: "grams", header: "Variant Grams", aliases: ["Weight value (grams)"] },
  { key: "inventoryTracker", header: "Variant Inventory Tracker", aliases: ["Inventory tracker"] },
  { key: "inventoryQty", header: "Variant Inventory Qty", aliases: ["Inventory quantity"] },
  {
    key: "inventoryPolicy",
    header: "Variant Inventory Policy",
    aliases: ["Continue selling when out of stock"],
  },
  {
    key: "fulfillmentService",
    header: "Variant Fulfillment Service",
    aliases: ["Fulfillment service"],
  },
  { key: "price", header: "Variant Price", aliases: ["Price"] },
  { key: "compareAtPrice", header: "Variant Compare At Price", aliases: ["Compare-at price"] },
  { key: "requiresShipping", header: "Variant Requires Shipping", aliases: ["Requires shipping"] },
  { key: "taxable", header: "Variant Taxable", aliases: ["Charge tax"] },
  { key: "barcode", header: "Variant Barcode", aliases: ["Barcode"] },
  { key: "imageSrc", header: "Image Src", aliases: ["Product image URL"] },
  { key: "imagePosition", header: "Image Position", aliases: ["Image position"] },
  { key: "imageAlt", header: "Image Alt Text", aliases: ["Image alt text"] },
  { key: "giftCard", header: "Gift Card", aliases: ["Gift card"] },
  { key: "seoTitle", header: "SEO Title", aliases: [] },
  { key: "seoDescription", header: "SEO Description", aliases: [] },
  { key: "variantImage", header: "Variant Image", aliases: ["Variant image URL"] },
  { key: "weightUnit", header: "Variant Weight Unit", aliases: ["Weight unit for display"] },
  { key: "status", header: "Status", aliases: [] },
] as const;

/** Key of a {@link SHOPIFY_COLUMNS} entry. */
export type ShopifyKey = (typeof SHOPIFY_COLUMNS)[number]["key"];

const BY_HEADER = new Map<string, ShopifyKey>();
for (const c of SHOPIFY_COLUMNS) {
  for (const h of [c.header, ...c.aliases]) BY_HEADER.set(normalizeHeader(h), c.key);
}

/** The Shopify column a header names in either spelling, or null. */
export function shopifyKeyForHeader(header: string): ShopifyKey | null {
  return BY_HEADER.get(normalizeHeader(header)) ?? null;
}

/** Variant fields kept per variant in `marketplaceFields.variants`. */
export const SHOPIFY_VARIANT_KEYS = [
  "option1Value",
  "option2Value",
  "option3Value",
  "sku",
  "grams",
  "inventoryTracker",
  "inventoryQty",
  "inventoryPolicy",
  "fulfillmentService",
  "price",
  "compareAtPrice",
  "requiresShipping",
  "taxable",
  "barcode",
  "variantImage",
  "weightUnit",
] as const satisfies readonly ShopifyKey[];

/** A Shopify variant as stored in `marketplaceFields.variants`. */
export type ShopifyVariant = Partial<Record<(typeof SHOPIFY_VARIANT_KEYS)[number], string>>;

/** A Shopify product image as stored in `marketplaceFields.images`. */
export interface ShopifyImage {
  src: string;
  position?: string;
  alt?: string;
}
