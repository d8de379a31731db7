import type { CanonicalListing } from "../listing";

/** A listing as exported: the canonical fields plus what the database adds. */
export interface ExportListing extends CanonicalListing {
  createdAt?: string | Date | null;
  updatedAt?: string | Date | null;
}

/** Listings to export, sync or async; iterated once, never collected. */
export type ListingSource = AsyncIterable<ExportListing> | Iterable<ExportListing>;

/** Iterates either kind of source. */
export async function* iterate(source: ListingSource): AsyncGenerator<ExportListing> {
  if (Symbol.asyncIterator in source) {
    for await (const l of source as AsyncIterable<ExportListing>) yield l;
  } else {
    for (const l of source as Iterable<ExportListing>) yield l;
  }
}

const FLUSH_AT = 64 * 1024;

/** Joins small strings into ~64 KiB buffers so streams are not flooded with tiny chunks. */
export class Chunker {
  private parts: string[] = [];
  private size = 0;
  push(s: string): Buffer | null {
    this.parts.push(s);
    this.size += s.length;
    return this.size >= FLUSH_AT ? this.flush() : null;
  }
  flush(): Buffer | null {
    if (this.parts.length === 0) return null;
    const b = Buffer.from(this.parts.join(""), "utf8");
    this.parts = [];
    this.size = 0;
    return b;
  }
}

/** ISO-8601 text of a date-ish value, or "" when absent/invalid. */
export function isoDate(v: string | Date | null | undefined): string {
  if (v === null || v === undefined || v === "") return "";
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString();
}

/** Yes / No / "" for an optional boolean. */
export function yesNo(b: boolean | undefined): string {
  return b === undefined ? "" : b ? "Yes" : "No";
}

/** Image URLs in one cell: `|`-separated, or a JSON array when a URL itself holds `|`. */
export function joinUrls(urls: readonly string[] | undefined): string {
  if (!urls || urls.length === 0) return "";
  return urls.some((u) => /[|\n]/.test(u) || u.startsWith("["))
    ? JSON.stringify(urls)
    : urls.join("|");
}

/** The generic column set shared by the csv and xlsx exports (readable headers, re-importable). */
export const GENERIC_COLUMNS = [
  "Id",
  "Title",
  "Price",
  "Currency",
  "Condition",
  "Description",
  "Category",
  "Offer Shipping",
  "SKU",
  "Quantity",
  "Image URLs",
  "Status",
  "Marketplace Fields",
  "Created At",
  "Updated At",
] as const;

/** One listing as the generic row (text cells, before formula guarding). */
export function genericRow(l: ExportListing): string[] {
  return [
    l.id ?? "",
    l.title ?? "",
    l.price ?? "",
    l.currency ?? "",
    l.condition ?? "",
    l.description ?? "",
    l.category ?? "",
    yesNo(l.offerShipping),
    l.sku ?? "",
    l.quantity === undefined || l.quantity === null ? "" : String(l.quantity),
    joinUrls(l.imageUrls),
    l.status ?? "",
    l.marketplaceFields && Object.keys(l.marketplaceFields).length > 0
      ? JSON.stringify(l.marketplaceFields)
      : "",
    isoDate(l.createdAt),
    isoDate(l.updatedAt),
  ];
}
