import { slugify } from "../map/text";
import {
  EBAY_DEFAULT_ACTION_PARAMS,
  EBAY_INFO_LINE,
  type EbayActionParams,
  ebayConditionIdFor,
  formatEbayActionHeader,
} from "../marketplaces/ebay";
import {
  FACEBOOK_CATEGORIES,
  FACEBOOK_TEMPLATE,
  facebookCategoryPath,
  suggestFacebookCondition,
} from "../marketplaces/facebook";
import { EBAY_CONDITION_IDS } from "../marketplaces/rules";
import {
  SHOPIFY_COLUMNS,
  SHOPIFY_VARIANT_KEYS,
  type ShopifyImage,
  type ShopifyKey,
  type ShopifyVariant,
  shopifyKeyForHeader,
} from "../marketplaces/shopify";
import type { ExportListing } from "./common";
import type { XlsxCell, XlsxSheetSpec } from "./xlsx";

// ---------- Facebook ----------

const FB_FILL = {
  type: "pattern" as const,
  pattern: "solid" as const,
  fgColor: { argb: "FFF3F3F3" },
  bgColor: { argb: "FFF3F3F3" },
};

function columnLetter(n: number): string {
  let s = "";
  let x = n;
  while (x > 0) {
    const m = (x - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    x = Math.floor((x - 1) / 26);
  }
  return s;
}

/** Whole dollars for Facebook's PRICE column (null when the price is not a number). */
export function facebookPrice(price: string | undefined): number | null {
  const n = Number(price);
  return price === undefined || price === "" || !Number.isFinite(n) ? null : Math.round(n);
}

/** A listing as Facebook's six columns. */
export function facebookRow(l: ExportListing): XlsxCell[] {
  // Listings kept in another marketplace's words (eBay's "Used", "A > B" paths) are written as
  // Facebook's template spells them where the meaning is plain; anything else goes as it is.
  const condition = l.condition ? (suggestFacebookCondition(l.condition) ?? l.condition) : "";
  const category = l.category ? (facebookCategoryPath(l.category) ?? l.category) : "";
  return [
    l.title ?? "",
    facebookPrice(l.price),
    condition,
    l.description ?? "",
    category,
    l.offerShipping === undefined ? "" : l.offerShipping ? "Yes" : "No",
  ];
}

/**
 * The sheets of one Facebook bulk-upload file: the template's title, instructions and hints
 * (rows 1-3), headers on row 4, listings from row 5, and the hidden VALIDATION sheet with the
 * condition and category lists the dropdowns point at.
 */
export function facebookSheets(rows: AsyncIterable<XlsxCell[]>, maxRows = 50): XlsxSheetSpec[] {
  const t = FACEBOOK_TEMPLATE;
  const bold = (size: number, color = "FF000000") => ({
    font: { bold: true, size, name: "Calibri", color: { argb: color } },
    fill: FB_FILL,
  });
  const lastCat = columnLetter(FACEBOOK_CATEGORIES.length);
  return [
    {
      name: t.sheetName,
      columnWidths: t.headers.map(() => 40),
      leadRows: [
        { values: [t.title], style: bold(14) },
        {
          values: [t.instructions],
          height: 42,
          style: { ...bold(11, "FF666666"), alignment: { vertical: "middle" } },
        },
        {
          values: t.hints,
          height: 33,
          style: { ...bold(11), alignment: { vertical: "top", wrapText: true } },
        },
        { values: t.headers, height: 26, style: bold(12) },
      ],
      rows,
      listValidations: [
        {
          range: `C5:C${4 + maxRows}`,
          formula: `${t.validationSheetName}!$A$3:$${columnLetter(t.conditions.length)}$3`,
        },
        { range: `E5:E${4 + maxRows}`, formula: `${t.validationSheetName}!$A$5:$${lastCat}$5` },
      ],
    },
    {
      name: t.validationSheetName,
      state: "hidden",
      leadRows: [
        { values: [] },
        { values: [] },
        { values: t.conditions },
        { values: [] },
        { values: [...FACEBOOK_CATEGORIES] },
      ],
    },
  ];
}

// ---------- eBay ----------

/** Options of the eBay File Exchange layout. */
export interface EbayLayoutOptions {
  /** Write the `Info,Version=…` first line (default true). */
  infoLine?: boolean;
  actionParams?: EbayActionParams;
  /** Item-specific names for `C:` columns; default those found in the first 1,000 listings. */
  itemSpecificNames?: string[];
}

const EBAY_BASE = [
  "ItemID",
  "CustomLabel",
  "*Category",
  "*Title",
  "Subtitle",
  "*Description",
  "*ConditionID",
  "ConditionDescription",
  "*Format",
  "*Duration",
  "*StartPrice",
  "BuyItNowPrice",
  "*Quantity",
  "PicURL",
  "Location",
  "PostalCode",
];

function str(v: unknown): string {
  return v === undefined || v === null ? "" : String(v);
}

function record(v: unknown): Record<string, string> {
  if (!v || typeof v !== "object" || Array.isArray(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = str(x);
  return out;
}

/**
 * Which column of an eBay file a header names, as eBay reads it: without the `*` that marks a
 * required column, any case, `C:` item specifics by their trimmed name, every `Action(…)` the
 * action column. Two headers with the same id are one column written twice.
 */
export function ebayColumnId(header: string): string {
  const t = header.trim().replace(/^\*/, "").trim();
  if (/^action\s*(\(|$)/i.test(t)) return "action";
  if (/^c:/i.test(t)) return `c:${t.slice(2).trim().toLowerCase()}`;
  return t.toLowerCase();
}

const specificId = (name: string) => `c:${name.trim().toLowerCase()}`;

/** Ids of the action column and {@link EBAY_BASE}, in the order ebayRow writes them. */
const EBAY_BASE_IDS = ["action", ...EBAY_BASE.map(ebayColumnId)];

/** The item-specific (`C:`) and extra columns of an eBay file, each header written once. */
export interface EbayColumns {
  specifics: string[];
  extras: string[];
}

/**
 * The added columns of an eBay file, so that no header appears twice: the built-in columns come
 * first, then item specifics, then the extra columns kept from imports. A name that means a
 * column already taken (an extra called `Title` or `C:Brand` beside the item specific `Brand`,
 * or `brand` beside `Brand`) adds no column; its value goes into that column where a listing
 * leaves it empty (see {@link ebayRow}). Blank names add nothing.
 */
export function ebayColumns(specifics: readonly string[], extras: readonly string[]): EbayColumns {
  const taken = new Set(EBAY_BASE_IDS);
  const out: EbayColumns = { specifics: [], extras: [] };
  for (const s of specifics) {
    const id = specificId(s);
    if (s.trim() === "" || taken.has(id)) continue;
    taken.add(id);
    out.specifics.push(s);
  }
  for (const x of extras) {
    const id = ebayColumnId(x);
    if (x.trim() === "" || taken.has(id)) continue;
    taken.add(id);
    out.extras.push(x);
  }
  return out;
}

/**
 * Header row of an eBay File Exchange CSV: base columns, other columns kept from imports, `C:`
 * specifics (as {@link ebayColumns} plans them).
 */
export function ebayHeaders(
  params: EbayActionParams,
  specifics: string[],
  extras: readonly string[] = [],
): string[] {
  return [
    formatEbayActionHeader(params),
    ...EBAY_BASE,
    ...extras,
    ...specifics.map((s) => `C:${s}`),
  ];
}

/** eBay sites by the one currency they list in, for listings that name no site of their own. */
const EBAY_SITE_BY_CURRENCY: Record<string, EbayActionParams> = {
  USD: { SiteID: "US", Country: "US" },
  GBP: { SiteID: "UK", Country: "GB" },
  CAD: { SiteID: "Canada", Country: "CA" },
  AUD: { SiteID: "Australia", Country: "AU" },
};

/**
 * The `*Action(...)` parameters for a file of these listings. A file has one site and currency,
 * and `*StartPrice` is in that currency, so the header follows the listings: their most common
 * currency, with the site of a listing imported from eBay in that currency (`ebaySite`, the
 * header it came with), else the site that lists in it. A currency no site is known for is still
 * written as it is, so eBay refuses the file rather than reading the prices as US dollars.
 */
export function ebayActionParamsFor(listings: readonly ExportListing[]): EbayActionParams {
  const counts = new Map<string, number>();
  for (const l of listings) {
    const c = (l.currency ?? "USD").toUpperCase();
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let currency = "USD";
  let most = 0;
  for (const [c, n] of counts)
    if (n > most) {
      currency = c;
      most = n;
    }
  for (const l of listings) {
    const site = record(l.marketplaceFields?.ebaySite);
    if (!site.SiteID || (site.Currency ?? currency).toUpperCase() !== currency) continue;
    return { ...EBAY_DEFAULT_ACTION_PARAMS, ...site, Currency: currency };
  }
  return { ...EBAY_DEFAULT_ACTION_PARAMS, ...EBAY_SITE_BY_CURRENCY[currency], Currency: currency };
}

/**
 * The keys some listings hold under one record of their marketplace fields, in first-seen order
 * (item-specific names, or the columns of imported files the export has no place of its own for).
 */
function fieldKeys(listings: readonly ExportListing[], field: string): string[] {
  const names = new Set<string>();
  for (const l of listings)
    for (const k of Object.keys(record(l.marketplaceFields?.[field]))) names.add(k);
  return [...names];
}

/** Columns of eBay files the listings were imported from that the export has no place for. */
export const collectEbayExtras = (listings: readonly ExportListing[]) =>
  fieldKeys(listings, "ebayExtra");

/**
 * The ConditionID for a listing. The seller edits `condition`; `marketplaceFields.conditionId`
 * is what the listing was imported with, so it is kept only while it still means the same
 * condition (it can be more precise than the text, e.g. 1500 "New other"), or when the listing
 * has no condition that could contradict it.
 */
function ebayConditionId(condition: string | null | undefined, imported: string): string {
  const text = (condition ?? "").trim();
  const derived = ebayConditionIdFor(text);
  const name = EBAY_CONDITION_IDS[imported];
  if (name === undefined) return derived ?? imported;
  if (text === "" || imported === derived || name.toLowerCase() === text.toLowerCase())
    return imported;
  return derived ?? "";
}

/**
 * The numeric category id for a listing. A numeric `category` is the seller's own (possibly
 * edited) eBay category and wins; the imported `ebayCategoryId` is used when the listing has no
 * numeric category, since a category text cannot name an eBay category.
 */
function ebayCategoryId(category: string | null | undefined, imported: string): string {
  const c = (category ?? "").trim();
  return /^\d+$/.test(c) ? c : imported;
}

/** Picture URLs eBay takes per listing. */
export const EBAY_MAX_PICTURES = 24;

/**
 * The `PicURL` cell: eBay's first 24 URLs, `|` between them. A `|` inside a URL is written as
 * `%7C` (what it means in a URL), so the URL is not read as two; blank URLs are left out.
 */
export function ebayPicUrls(urls: readonly string[] | undefined): string {
  return (urls ?? [])
    .map((u) => u.trim().replaceAll("|", "%7C"))
    .filter((u) => u !== "")
    .slice(0, EBAY_MAX_PICTURES)
    .join("|");
}

/**
 * A listing as one File Exchange row (eBay-only values come from marketplaceFields), for the
 * columns {@link ebayColumns} planned. A column takes the listing's value under its own name,
 * else under another name for the same column (another case, an extra named `C:Brand` or
 * `Title`); a built-in column's own value always comes first.
 */
export function ebayRow(
  l: ExportListing,
  specifics: string[],
  extras: readonly string[] = [],
): string[] {
  const mf = l.marketplaceFields ?? {};
  const extra = record(mf.ebayExtra);
  const format = str(mf.format) || "FixedPrice";
  const category = ebayCategoryId(l.category, str(mf.ebayCategoryId));
  const isd = record(mf.itemSpecifics);
  const byId = new Map<string, string>();
  const offer = (id: string, v: string | undefined) => {
    if (v !== undefined && v !== "" && !byId.has(id)) byId.set(id, v);
  };
  for (const s of specifics) offer(specificId(s), isd[s]);
  for (const x of extras) offer(ebayColumnId(x), extra[x]);
  for (const [k, v] of Object.entries(isd)) offer(specificId(k), v);
  for (const [k, v] of Object.entries(extra)) offer(ebayColumnId(k), v);
  // The ItemID may come from an extra column of an imported file as well as from the listing's
  // own field. A listing eBay already knows is revised unless its action says otherwise, and an
  // Add (or its dry run) names no ItemID: eBay refuses an Add that carries one.
  const itemId = str(mf.itemId) || (byId.get("itemid") ?? "");
  const action = str(mf.action) || (itemId ? "Revise" : "Add");
  byId.delete("itemid");
  const base = [
    action,
    /^(verify)?add$/i.test(action) ? "" : itemId,
    l.sku ?? "",
    category,
    l.title ?? "",
    str(mf.subtitle),
    l.description ?? "",
    ebayConditionId(l.condition, str(mf.conditionId)),
    str(mf.conditionDescription),
    format,
    str(mf.duration) || (format === "Auction" ? "Days_7" : "GTC"),
    l.price ?? "",
    str(mf.buyItNowPrice),
    l.quantity === undefined || l.quantity === null ? "1" : String(l.quantity),
    ebayPicUrls(l.imageUrls),
    str(mf.location),
    str(mf.postalCode),
  ];
  return [
    ...base.map((v, i) => (v === "" ? (byId.get(EBAY_BASE_IDS[i] as string) ?? "") : v)),
    ...extras.map((x) => byId.get(ebayColumnId(x)) ?? ""),
    ...specifics.map((s) => byId.get(specificId(s)) ?? ""),
  ];
}

/**
 * The code eBay's category templates name a site by, for each `SiteID` a header may carry (its
 * name, or eBay's numeric site id).
 */
const EBAY_TEMPLATE_SITE: Record<string, string> = {
  "0": "US",
  "2": "CA",
  "3": "UK",
  "15": "AU",
  "16": "AT",
  "23": "FRBE",
  "71": "FR",
  "77": "DE",
  "100": "MOTORS",
  "101": "IT",
  "123": "NLBE",
  "146": "NL",
  "186": "ES",
  "193": "CH",
  "205": "IE",
  "210": "FRCA",
  "212": "PL",
  us: "US",
  ebaymotors: "MOTORS",
  uk: "UK",
  canada: "CA",
  canadafrench: "FRCA",
  australia: "AU",
  germany: "DE",
  austria: "AT",
  switzerland: "CH",
  france: "FR",
  belgium_french: "FRBE",
  belgium_dutch: "NLBE",
  netherlands: "NL",
  italy: "IT",
  spain: "ES",
  ireland: "IE",
  poland: "PL",
};

/**
 * The `Info,Version=1.0.0,Template=fx_category_template_EBAY_<site>` first line for the site the
 * `*Action(SiteID=…)` header names, so the two lines of a file never speak of different sites.
 * A site with no known template code is named by its `Country` (or its SiteID as written).
 */
export function ebayInfoLine(params: EbayActionParams): string[] {
  const site = (params.SiteID ?? "").trim();
  const code =
    EBAY_TEMPLATE_SITE[site.toLowerCase()] ||
    (params.Country ?? "").trim().toUpperCase() ||
    site.toUpperCase() ||
    "US";
  return [...EBAY_INFO_LINE.slice(0, 2), `Template=fx_category_template_EBAY_${code}`];
}

/** The `Info,…` first line and the action parameters (given, or as the listings need them). */
export function ebayPreamble(
  options: EbayLayoutOptions,
  listings: readonly ExportListing[],
): {
  info: string[] | null;
  params: EbayActionParams;
} {
  const params = options.actionParams ?? ebayActionParamsFor(listings);
  return { info: options.infoLine === false ? null : ebayInfoLine(params), params };
}

/** Item-specific names used by some listings, in first-seen order. */
export const collectItemSpecifics = (listings: readonly ExportListing[]) =>
  fieldKeys(listings, "itemSpecifics");

// ---------- Shopify ----------

/** Header row of a Shopify product CSV (classic spellings), plus extra columns to carry. */
export function shopifyHeaders(extra: readonly string[] = []): string[] {
  return [...SHOPIFY_COLUMNS.map((c) => c.header), ...extra];
}

const extraId = (name: string) => name.trim().toLowerCase();

/**
 * The extra columns of a Shopify file, so that no header appears twice: a name Shopify (and the
 * import) reads as one of its own columns in either spelling (`title`, `Price`, `URL handle`)
 * adds no column, nor does another case or spacing of an extra already written, nor a blank
 * one; {@link shopifyRows} puts such a value into the column it names where that is empty.
 */
export function shopifyExtraColumns(extra: readonly string[]): string[] {
  const taken = new Set<string>();
  const out: string[] = [];
  for (const x of extra) {
    const id = extraId(x);
    if (id === "" || taken.has(id) || shopifyKeyForHeader(x) !== null) continue;
    taken.add(id);
    out.push(x);
  }
  return out;
}

/** Extra Shopify columns (Google Shopping, metafields…) used by some listings, first-seen order. */
export const collectShopifyExtras = (listings: readonly ExportListing[]) =>
  fieldKeys(listings, "shopifyExtra");

function variantsOf(l: ExportListing, mf: Record<string, unknown>): ShopifyVariant[] {
  const raw = Array.isArray(mf.variants) ? (mf.variants as unknown[]) : [];
  const variants: ShopifyVariant[] = raw.map((v) => {
    const r = record(v);
    const out: ShopifyVariant = {};
    for (const k of SHOPIFY_VARIANT_KEYS) if (r[k] !== undefined && r[k] !== "") out[k] = r[k];
    return out;
  });
  if (variants.length === 0) {
    variants.push({
      option1Value: "Default Title",
      inventoryPolicy: "deny",
      fulfillmentService: "manual",
    });
  }
  const first = variants[0] as ShopifyVariant;
  // One variant and no options is a product without options, which Shopify writes (and needs) as
  // `Option1 Name=Title`, `Option1 Value=Default Title`.
  const hasOptions = Array.isArray(mf.options) && mf.options.length > 0;
  if (variants.length === 1 && !hasOptions && !first.option1Value && !first.option2Value)
    first.option1Value = "Default Title";
  // Canonical fields are what the seller edits; they override the first variant's copy.
  if (l.price) first.price = l.price;
  if (l.sku) first.sku = l.sku;
  if (l.quantity !== undefined && variants.length === 1) first.inventoryQty = String(l.quantity);
  return variants;
}

function imagesOf(l: ExportListing, mf: Record<string, unknown>): ShopifyImage[] {
  const stored = (Array.isArray(mf.images) ? (mf.images as unknown[]) : []).map((i) => {
    const r = record(i);
    return {
      src: r.src ?? "",
      ...(r.position ? { position: r.position } : {}),
      ...(r.alt ? { alt: r.alt } : {}),
    };
  });
  const urls = l.imageUrls ?? [];
  return urls.map((src, i) => {
    const known = stored.find((s) => s.src === src);
    return {
      src,
      position: known?.position ?? String(i + 1),
      ...(known?.alt ? { alt: known.alt } : {}),
    };
  });
}

/**
 * A listing as Shopify product rows: the first row carries the product, further rows carry the
 * other variants and images, all with the same Handle. `usedHandles` holds the handles written so
 * far, lower-cased; `extra` the columns {@link shopifyExtraColumns} planned.
 */
export function shopifyRows(
  l: ExportListing,
  usedHandles: Set<string>,
  extra: readonly string[] = [],
): string[][] {
  const mf = l.marketplaceFields ?? {};
  // A handle is letters, digits and dashes, and names one product whatever its case: a stored
  // handle that is not one is written as its slug, and one a product earlier in the file has
  // (in any case) gets a number, or both products' rows would import as one product.
  const stored = str(mf.shopifyHandle);
  let handle =
    (/^[a-z0-9-]+$/i.test(stored) ? stored : slugify(stored)) ||
    slugify(l.title ?? "") ||
    "product";
  if (usedHandles.has(handle.toLowerCase())) {
    let i = 2;
    while (usedHandles.has(`${handle}-${i}`.toLowerCase())) i++;
    handle = `${handle}-${i}`;
  }
  usedHandles.add(handle.toLowerCase());
  const variants = variantsOf(l, mf);
  const images = imagesOf(l, mf);
  const options = Array.isArray(mf.options) ? (mf.options as unknown[]).map((o) => record(o)) : [];
  const hasCategoryField = mf.productCategory !== undefined;
  const status = l.status ?? "active";
  const product: Partial<Record<ShopifyKey, string>> = {
    handle,
    title: l.title ?? "",
    body: l.description ?? "",
    vendor: str(mf.vendor),
    productCategory: hasCategoryField ? (l.category ?? "") : "",
    type: hasCategoryField ? str(mf.productType) : (l.category ?? str(mf.productType)),
    tags: str(mf.tags),
    // Keep the seller's own spelling (true/TRUE) when it still says the same thing.
    published:
      /^(true|false)$/i.test(str(mf.published)) &&
      str(mf.published).toLowerCase() === String(status === "active")
        ? str(mf.published)
        : status === "active"
          ? "TRUE"
          : "FALSE",
    option1Name:
      options[0]?.name ??
      (variants.length === 1 && variants[0]?.option1Value === "Default Title" ? "Title" : ""),
    option2Name: options[1]?.name ?? "",
    option3Name: options[2]?.name ?? "",
    giftCard: str(mf.giftCard) || "FALSE",
    seoTitle: str(mf.seoTitle),
    seoDescription: str(mf.seoDescription),
    status,
  };
  const count = Math.max(1, variants.length, images.length);
  const rows: string[][] = [];
  for (let i = 0; i < count; i++) {
    const cells: Partial<Record<ShopifyKey, string>> = { handle };
    if (i === 0) Object.assign(cells, product);
    const v = variants[i];
    if (v) Object.assign(cells, v);
    const img = images[i];
    if (img) {
      cells.imageSrc = img.src;
      cells.imagePosition = img.position ?? "";
      cells.imageAlt = img.alt ?? "";
    }
    if (i > 0) {
      rows.push([...SHOPIFY_COLUMNS.map((c) => cells[c.key] ?? ""), ...extra.map(() => "")]);
      continue;
    }
    // The product's extra values by the column they name: their own first, then other spellings.
    const own = record(mf.shopifyExtra);
    const byId = new Map<string, string>();
    const named = new Map<ShopifyKey, string>();
    for (const [k, v] of [...extra.map((x) => [x, own[x]] as const), ...Object.entries(own)]) {
      if (v === undefined || v === "") continue;
      const key = shopifyKeyForHeader(k);
      if (key) {
        if (!named.has(key)) named.set(key, v);
      } else if (!byId.has(extraId(k))) byId.set(extraId(k), v);
    }
    rows.push([
      ...SHOPIFY_COLUMNS.map((c) => cells[c.key] || named.get(c.key) || ""),
      ...extra.map((k) => byId.get(extraId(k)) ?? ""),
    ]);
  }
  return rows;
}
