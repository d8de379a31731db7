import type { CanonicalListing } from "../listing";

/** Listing fields a column can be mapped to (`ignore` drops the column on purpose). */
export const CANONICAL_FIELDS = [
  "id",
  "title",
  "price",
  "currency",
  "condition",
  "description",
  "category",
  "offerShipping",
  "sku",
  "quantity",
  "imageUrls",
  "status",
  "marketplaceFields",
] as const satisfies ReadonlyArray<keyof CanonicalListing>;

/** A field of {@link CANONICAL_FIELDS}. */
export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/** Header → canonical field (or "ignore"); headers not named are ignored. */
export type ColumnMapping = Record<string, CanonicalField | "ignore">;

/** Lower-cases, drops a leading `*` and collapses punctuation so "Item  Name", "item_name" match. */
export function normalizeHeader(h: string): string {
  return h
    .replace(/^\uFEFF/, "")
    .trim()
    .replace(/^\*/, "")
    .toLowerCase()
    .replace(/[^a-z0-9()]+/g, " ")
    .trim();
}

const SYNONYMS: Record<Exclude<CanonicalField, "marketplaceFields">, string[]> = {
  id: ["id", "listing id", "item id", "itemid", "product id"],
  title: [
    "title",
    "item name",
    "name",
    "product name",
    "product title",
    "listing title",
    "item title",
    "item",
    "product",
  ],
  price: [
    "price",
    "cost",
    "amount",
    "sale price",
    "unit price",
    "startprice",
    "start price",
    "variant price",
    "list price",
    "selling price",
    "asking price",
    "buy it now price",
  ],
  currency: ["currency", "currency code"],
  condition: ["condition", "item condition", "product condition"],
  description: [
    "description",
    "body (html)",
    "body html",
    "body",
    "details",
    "item description",
    "product description",
    "desc",
  ],
  category: ["category", "product category", "categories", "category path", "type"],
  offerShipping: ["offer shipping", "shipping", "ships", "shipping available", "offers shipping"],
  sku: [
    "sku",
    "variant sku",
    "customlabel",
    "custom label",
    "item sku",
    "product code",
    "part number",
    "mpn",
    "stock code",
  ],
  quantity: [
    "quantity",
    "qty",
    "stock",
    "inventory",
    "variant inventory qty",
    "available",
    "quantity available",
    "units",
  ],
  imageUrls: [
    "image",
    "images",
    "image url",
    "image urls",
    "imageurls",
    "picurl",
    "pic url",
    "photo",
    "photos",
    "photo url",
    "photo urls",
    "pictures",
    "picture urls",
    "image links",
    "picture url",
    "image src",
    "image link",
  ],
  status: ["status", "listing status"],
};

const LOOKUP = new Map<string, CanonicalField>();
for (const [field, names] of Object.entries(SYNONYMS)) {
  for (const n of names) LOOKUP.set(normalizeHeader(n), field as CanonicalField);
}
for (const f of CANONICAL_FIELDS) LOOKUP.set(normalizeHeader(f), f);
LOOKUP.set("marketplace fields", "marketplaceFields");
LOOKUP.set("offer shipping", "offerShipping");
LOOKUP.set("image urls", "imageUrls");

/** The canonical field a header most likely means, or null ("Price (USD)" → price). */
export function fieldForHeader(header: string): CanonicalField | null {
  const n = normalizeHeader(header);
  if (!n) return null;
  const direct = LOOKUP.get(n) ?? LOOKUP.get(n.replace(/[()]/g, "").trim());
  if (direct) return direct;
  const noParen = n
    .replace(/\([^)]*\)/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (noParen && noParen !== n) return LOOKUP.get(noParen) ?? null;
  return null;
}

/** Where a name stands among its field's synonyms: 0 for the field's own name, then list order. */
const RANK = new Map<string, number>();
for (const [field, names] of Object.entries(SYNONYMS))
  names.forEach((n, i) => {
    const k = normalizeHeader(n);
    if (!RANK.has(k)) RANK.set(k, k === normalizeHeader(field) ? 0 : i + 1);
  });

/** How plainly a header names its field (lower is plainer): "Price" before "Cost". */
function headerRank(header: string): number {
  const n = normalizeHeader(header);
  const bare = n.replace(/[()]/g, "").trim();
  const noParen = n
    .replace(/\([^)]*\)/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return RANK.get(n) ?? RANK.get(bare) ?? RANK.get(noParen) ?? 0;
}

/**
 * Suggests a mapping for a generic file: each header to the field its name means. When two
 * columns mean the same field, the one that names it most plainly wins ("Price" over "Cost",
 * "SKU" over "Variant SKU"), the first column on a tie.
 */
export function suggestMapping(headers: readonly string[]): ColumnMapping {
  const best = new Map<CanonicalField, { header: string; rank: number }>();
  for (const h of headers) {
    const f = fieldForHeader(h);
    if (!f) continue;
    const rank = headerRank(h);
    const held = best.get(f);
    if (!held || rank < held.rank) best.set(f, { header: h, rank });
  }
  const out: ColumnMapping = {};
  for (const h of headers) {
    const f = fieldForHeader(h);
    out[h] = f && best.get(f)?.header === h ? f : "ignore";
  }
  return out;
}

/**
 * {@link suggestMapping} for `headers` that grew past those `prior` maps (a JSON import learns its
 * keys while reading): the columns `prior` names keep their choice, so rows already mapped stay
 * mapped the same way, and a new column takes only a field no column holds yet.
 */
export function extendMapping(prior: ColumnMapping, headers: readonly string[]): ColumnMapping {
  const used = new Set(Object.values(prior).filter((f) => f !== "ignore"));
  const fresh = suggestMapping(headers.filter((h) => !Object.hasOwn(prior, h)));
  const out: ColumnMapping = {};
  for (const h of headers) {
    const f = Object.hasOwn(prior, h) ? prior[h] : fresh[h];
    if (Object.hasOwn(prior, h) || !f || f === "ignore" || !used.has(f)) {
      out[h] = f ?? "ignore";
      if (f && f !== "ignore") used.add(f);
    } else out[h] = "ignore";
  }
  return out;
}
