/** Marketplaces the grid can validate against (mirrors @mbe/formats without importing it). */
export const MARKETPLACES = ["generic", "facebook", "ebay", "shopify"] as const;
/** One of the marketplaces the grid validates against. */
export type Marketplace = (typeof MARKETPLACES)[number];

/** Display names of the marketplaces. */
export const MARKETPLACE_LABEL: Record<Marketplace, string> = {
  generic: "Generic",
  facebook: "Facebook",
  ebay: "eBay",
  shopify: "Shopify",
};

/** Title limits the console counts characters against. */
export const TITLE_LIMIT: Partial<Record<Marketplace, number>> = { facebook: 150, ebay: 80 };

/** A field warning as the API returns it. */
export interface FieldWarning {
  field: string;
  code: string;
  message: string;
}

/** A listing as the grid holds it (the API's listing view). */
export interface Row {
  id: string;
  title: string;
  price: number;
  currency: string;
  condition: string | null;
  description: string;
  category: string | null;
  offerShipping: boolean;
  sku: string | null;
  quantity: number;
  imageUrls: string[];
  marketplaceFields: Record<string, unknown>;
  status: "draft" | "active" | "archived";
  source: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  warnings?: FieldWarning[];
}

/** How a column parses and renders its value. */
export type ColumnKind = "text" | "longtext" | "price" | "int" | "status" | "bool" | "date" | "mf";

/** One grid column: which listing field it edits and how its text is parsed. */
export interface Column {
  key: string;
  label: string;
  kind: ColumnKind;
  width: number;
  /** For marketplace-specific columns stored in marketplaceFields. */
  mfKey?: string;
  readOnly?: boolean;
  /** Field name warnings refer to. */
  warnField: string;
  marketplaces?: Marketplace[];
  align?: "right";
}

/** Every column the grid knows; the marketplace decides which extra ones show. */
export const ALL_COLUMNS: Column[] = [
  { key: "title", label: "Title", kind: "text", width: 320, warnField: "title" },
  { key: "price", label: "Price", kind: "price", width: 96, warnField: "price", align: "right" },
  { key: "currency", label: "Cur.", kind: "text", width: 56, warnField: "currency" },
  { key: "quantity", label: "Qty", kind: "int", width: 64, warnField: "quantity", align: "right" },
  { key: "status", label: "Status", kind: "status", width: 96, warnField: "status" },
  { key: "condition", label: "Condition", kind: "text", width: 130, warnField: "condition" },
  { key: "category", label: "Category", kind: "text", width: 180, warnField: "category" },
  { key: "sku", label: "SKU", kind: "text", width: 120, warnField: "sku" },
  { key: "offerShipping", label: "Shipping", kind: "bool", width: 80, warnField: "offerShipping" },
  {
    key: "description",
    label: "Description",
    kind: "longtext",
    width: 260,
    warnField: "description",
  },
  {
    key: "ebayCategoryId",
    label: "eBay category ID",
    kind: "mf",
    mfKey: "ebayCategoryId",
    width: 130,
    warnField: "category",
    marketplaces: ["ebay"],
  },
  {
    key: "shopifyHandle",
    label: "Handle",
    kind: "mf",
    mfKey: "shopifyHandle",
    width: 150,
    warnField: "marketplaceFields",
    marketplaces: ["shopify"],
  },
  {
    key: "updatedAt",
    label: "Updated",
    kind: "date",
    width: 140,
    readOnly: true,
    warnField: "updatedAt",
  },
];

/** Columns available for a marketplace, in default order. */
export function columnsFor(m: Marketplace): Column[] {
  return ALL_COLUMNS.filter((c) => !c.marketplaces || c.marketplaces.includes(m));
}

/** Saved per-seller column layout (lives in the user's `preferences`). */
export interface ColumnPrefs {
  order: string[];
  hidden: string[];
  widths: Record<string, number>;
}

/** Applies saved order, visibility and widths; unknown keys are ignored, new columns appended. */
export function layoutColumns(
  available: Column[],
  prefs: Partial<ColumnPrefs> | undefined,
): Column[] {
  const order = prefs?.order ?? [];
  const hidden = new Set(prefs?.hidden ?? []);
  const rank = (k: string) => {
    const i = order.indexOf(k);
    return i === -1 ? 1000 + available.findIndex((c) => c.key === k) : i;
  };
  return [...available]
    .filter((c) => !hidden.has(c.key))
    .sort((a, b) => rank(a.key) - rank(b.key))
    .map((c) => {
      const w = prefs?.widths?.[c.key];
      return typeof w === "number" && w >= 40 && w <= 1200 ? { ...c, width: w } : c;
    });
}

/**
 * ISO 4217 currencies with no minor unit (a yen has no cents); the same list the server rounds
 * price changes by (packages/core/src/bulk-edits/price-change.ts), copied because the console
 * imports no runtime code from the server's packages.
 */
export const ZERO_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set([
  "BIF",
  "CLP",
  "DJF",
  "GNF",
  "ISK",
  "JPY",
  "KMF",
  "KRW",
  "PYG",
  "RWF",
  "UGX",
  "UYI",
  "VND",
  "VUV",
  "XAF",
  "XOF",
  "XPF",
]);

/**
 * A price as the console shows it: in whole units for a currency with no minor unit ("1200" yen),
 * else with two decimals ("12.50"). A fractional amount in such a currency (left by a currency
 * change) keeps its decimals, so the cell never shows a value the listing does not have.
 */
export function priceText(price: number, currency: string | null | undefined): string {
  const whole = ZERO_DECIMAL_CURRENCIES.has((currency ?? "").toUpperCase());
  return whole && Number.isInteger(price) ? String(price) : price.toFixed(2);
}

/** The text a cell shows and copies. */
export function cellText(row: Row, col: Column): string {
  switch (col.kind) {
    case "price":
      return priceText(row.price, row.currency);
    case "bool":
      return row.offerShipping ? "Yes" : "No";
    case "mf": {
      const v = row.marketplaceFields?.[col.mfKey ?? ""];
      return v === undefined || v === null ? "" : String(v);
    }
    case "date":
      return formatDate(String(row[col.key as keyof Row] ?? ""));
    default: {
      const v = row[col.key as keyof Row];
      return v === null || v === undefined ? "" : String(v);
    }
  }
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)}`;
}

/** Result of turning typed or pasted text into a field value. */
export type Parsed = { ok: true; patch: Record<string, unknown> } | { ok: false; message: string };

const TRUE = new Set(["yes", "y", "true", "1", "x", "✓"]);
const FALSE = new Set(["no", "n", "false", "0", ""]);

/**
 * Reads a price as sellers type it and spreadsheets copy it, in either convention: "$1,299.00",
 * "1,299", and with a decimal comma "12,99", "1.299,00 €" or "1 299,50". A comma followed by one or
 * two digits can only be a decimal comma; followed by three it groups thousands ("1,299" is 1299).
 * Anything else (".5", "0,500", "1,2,3", three decimals) is refused rather than guessed.
 */
export function parsePrice(text: string): number | null {
  const s = text
    .trim()
    .replace(/^[A-Z]{3}\s*/i, "")
    .replace(/\s*[A-Z]{3}$/i, "")
    .replace(/[$€£\s]/g, "");
  let plain: string;
  if (/^\d+(\.\d{1,2})?$/.test(s)) plain = s;
  // Decimal point, thousands commas.
  else if (/^[1-9]\d{0,2}(,\d{3})+(\.\d{1,2})?$/.test(s)) plain = s.replace(/,/g, "");
  // Decimal comma, thousands points (or none).
  else if (/^(\d+|[1-9]\d{0,2}(\.\d{3})+),\d{1,2}$/.test(s))
    plain = s.replace(/\./g, "").replace(",", ".");
  else return null;
  if (!/^\d{1,10}(\.\d{1,2})?$/.test(plain)) return null;
  return Number(plain);
}

/**
 * Parses text for a column into a listing patch. Accepts what spreadsheets produce: prices in
 * either decimal convention (see `parsePrice`), "Yes"/"TRUE" for booleans, status names in any case.
 */
export function parseCell(col: Column, text: string, row?: Row): Parsed {
  const t = text.trim();
  switch (col.kind) {
    case "readonly" as ColumnKind:
    case "date":
      return { ok: false, message: `${col.label} is read-only` };
    case "price": {
      const price = parsePrice(t);
      if (price === null) return { ok: false, message: `"${t}" is not a price (e.g. 19.99)` };
      return { ok: true, patch: { price } };
    }
    case "int": {
      // Only thousands separators go ("1,000"); "1,5" is a decimal comma and stays, so it is
      // refused instead of becoming 15.
      const cleaned = t.replace(/(?<=\d),(?=\d{3}(\D|$))/g, "");
      if (!/^\d{1,7}$/.test(cleaned) || Number(cleaned) > 1_000_000)
        return { ok: false, message: `"${t}" is not a whole number 0–1,000,000` };
      return { ok: true, patch: { [col.key]: Number(cleaned) } };
    }
    case "status": {
      const s = t.toLowerCase();
      if (s !== "draft" && s !== "active" && s !== "archived")
        return { ok: false, message: "Status is draft, active or archived" };
      return { ok: true, patch: { status: s } };
    }
    case "bool": {
      const s = t.toLowerCase();
      if (TRUE.has(s)) return { ok: true, patch: { offerShipping: true } };
      if (FALSE.has(s)) return { ok: true, patch: { offerShipping: false } };
      return { ok: false, message: "Use Yes or No" };
    }
    case "mf": {
      const key = col.mfKey ?? col.key;
      const mf = { ...(row?.marketplaceFields ?? {}) };
      if (t === "") delete mf[key];
      else mf[key] = t;
      return { ok: true, patch: { marketplaceFields: mf } };
    }
    default: {
      if (col.key === "title") {
        if (!t) return { ok: false, message: "Title is required" };
        if (t.length > 500) return { ok: false, message: "Title is limited to 500 characters" };
        return { ok: true, patch: { title: t } };
      }
      if (col.key === "currency") {
        const c = t.toUpperCase();
        if (!/^[A-Z]{3}$/.test(c)) return { ok: false, message: "Currency is a 3-letter code" };
        return { ok: true, patch: { currency: c } };
      }
      if (col.key === "description")
        return { ok: true, patch: { description: text.slice(0, 20_000) } };
      // Optional text fields: an empty cell clears them.
      const limit = col.key === "sku" || col.key === "condition" ? 100 : 500;
      if (t.length > limit)
        return { ok: false, message: `${col.label} is limited to ${limit} characters` };
      return { ok: true, patch: { [col.key]: t === "" ? null : t } };
    }
  }
}

/** The value Delete writes: optional fields clear; required ones refuse. */
export function clearValue(col: Column, row: Row): Parsed {
  if (col.readOnly) return { ok: false, message: `${col.label} is read-only` };
  if (col.key === "title" || col.key === "price" || col.key === "currency" || col.key === "status")
    return { ok: false, message: `${col.label} cannot be empty` };
  if (col.kind === "int") return { ok: true, patch: { [col.key]: 0 } };
  if (col.kind === "bool") return { ok: true, patch: { offerShipping: false } };
  return parseCell(col, "", row);
}

/** Warnings that concern one column of a row. */
export function cellWarnings(row: Row, col: Column): FieldWarning[] {
  if (!row.warnings?.length) return [];
  return row.warnings.filter(
    (w) =>
      w.field === col.warnField &&
      (col.kind !== "mf" || col.key !== "ebayCategoryId" || w.code === "CATEGORY_ID"),
  );
}
