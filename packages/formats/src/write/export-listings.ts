import { PassThrough, Readable } from "node:stream";
import { finished } from "node:stream/promises";
import yazl from "yazl";
import { FormatError } from "../errors";
import type { Marketplace } from "../listing";
import { FACEBOOK_MAX_LISTINGS_PER_FILE } from "../marketplaces/facebook";
import {
  type ExportListing,
  GENERIC_COLUMNS,
  genericRow,
  iterate,
  type ListingSource,
} from "./common";
import { csvLine, writeCsvRows } from "./csv";
import { writeJson } from "./json";
import {
  collectEbayExtras,
  collectItemSpecifics,
  collectShopifyExtras,
  type EbayLayoutOptions,
  ebayColumns,
  ebayHeaders,
  ebayPreamble,
  ebayRow,
  facebookRow,
  facebookSheets,
  shopifyExtraColumns,
  shopifyHeaders,
  shopifyRows,
} from "./layouts";
import { type SqlWriteOptions, writeSql } from "./sql";
import { writeText } from "./text";
import { writeXlsx, type XlsxCell } from "./xlsx";
import { writeXlsxTable } from "./xlsx-table";

const PRICE_COL = GENERIC_COLUMNS.indexOf("Price");
const QTY_COL = GENERIC_COLUMNS.indexOf("Quantity");

/**
 * Writes rows already in the generic column layout ({@link GENERIC_COLUMNS}, text cells as
 * {@link genericRow} makes them) as CSV or XLSX. A caller that can produce those cells faster
 * than listing objects (a database's COPY output) feeds them here directly.
 */
export function exportGenericRows(
  rows: AsyncIterable<readonly string[]>,
  options: { format: "csv" | "xlsx"; now?: Date; bom?: boolean },
): ExportResult {
  const now = options.now ?? new Date();
  if (options.format === "csv") {
    const all = (async function* () {
      yield [...GENERIC_COLUMNS];
      yield* rows;
    })();
    return result(Readable.from(writeCsvRows(all, { bom: options.bom !== false })), "csv", now);
  }
  const cells = (async function* () {
    for await (const row of rows)
      yield row.map((v, i): XlsxCell => {
        // Numbers stay numbers so the sheet can sum them; only plain decimals qualify.
        if ((i === PRICE_COL || i === QTY_COL) && /^-?\d{1,15}(\.\d{1,6})?$/.test(v)) {
          const n = Number(v);
          if (String(n) === v.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "")) return n;
        }
        return v;
      });
  })();
  const all = (async function* () {
    yield [...GENERIC_COLUMNS];
    yield* cells;
  })();
  return result(writeXlsxTable(all, { sheetName: "Listings", now }), "xlsx", now);
}

/** Output formats of {@link exportListings}. */
export const EXPORT_FORMATS = ["csv", "json", "xlsx", "sql", "text"] as const;
/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** File extension → Content-Type of everything the writers produce. */
export const CONTENT_TYPES = {
  csv: "text/csv; charset=utf-8",
  json: "application/json; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  sql: "application/sql; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  zip: "application/zip",
} as const;

/** An extension of {@link CONTENT_TYPES}. */
export type ExportExtension = keyof typeof CONTENT_TYPES;

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** `marketplace-listings-YYYYMMDD-HHMMSS.<ext>` (UTC), the original editor's naming. */
export function exportFileName(extension: string, now: Date = new Date(), suffix = ""): string {
  const stamp = `${now.getUTCFullYear()}${two(now.getUTCMonth() + 1)}${two(now.getUTCDate())}-${two(now.getUTCHours())}${two(now.getUTCMinutes())}${two(now.getUTCSeconds())}`;
  return `marketplace-listings-${stamp}${suffix}.${extension}`;
}

/** What to export and how. */
export interface ExportOptions {
  /** Default csv (facebook layout: always xlsx). */
  format?: ExportFormat;
  /** Marketplace layout; `generic` (default) writes every canonical field. */
  layout?: Marketplace;
  /** Time used in the file name and the text header (default now). */
  now?: Date;
  sql?: SqlWriteOptions;
  ebay?: EbayLayoutOptions;
  /** Shopify: bytes per csv before the export becomes a zip of parts (default 15 MB). */
  shopify?: { maxFileBytes?: number };
  /** CSV: write a UTF-8 BOM (default true, for Excel). */
  bom?: boolean;
  /**
   * eBay and Shopify layouts: the names of every extra column (`marketplaceFields.ebayExtra` or
   * `shopifyExtra` keys) the listings hold, when the caller knows them for the whole selection
   * (a database asked before the listings are read). Without it the header knows only the first
   * 1,000 listings' names, and a later listing's other extra values are left out.
   */
  extraColumns?: readonly string[];
  /**
   * eBay layout: every item-specific name (`marketplaceFields.itemSpecifics` keys) the selection
   * holds, added after the first 1,000 listings' names as {@link extraColumns} are
   * (`ebay.itemSpecificNames` instead fixes the columns outright).
   */
  itemSpecificColumns?: readonly string[];
}

/** A finished export description; `stream` produces the bytes on demand. */
export interface ExportResult {
  stream: Readable;
  fileName: string;
  extension: ExportExtension;
  contentType: string;
  /** True when the output is a zip of several files (facebook > 50 listings, shopify > 15 MB). */
  zipped: boolean;
}

function result(
  stream: Readable,
  extension: ExportExtension,
  now: Date,
  zipped = false,
): ExportResult {
  return {
    stream,
    extension,
    contentType: CONTENT_TYPES[extension],
    fileName: exportFileName(extension, now),
    zipped,
  };
}

async function* mapRows<T>(
  src: AsyncIterable<ExportListing>,
  f: (l: ExportListing) => T,
): AsyncGenerator<T> {
  for await (const l of src) yield f(l);
}

async function* withHead<T>(head: readonly T[], rest: AsyncIterator<T> | null): AsyncGenerator<T> {
  yield* head;
  if (!rest) return;
  for (;;) {
    const n = await rest.next();
    if (n.done) return;
    yield n.value;
  }
}

async function lookahead(
  src: AsyncIterable<ExportListing>,
  n: number,
): Promise<{ head: ExportListing[]; rest: AsyncIterator<ExportListing> | null }> {
  const it = src[Symbol.asyncIterator]();
  const head: ExportListing[] = [];
  while (head.length < n) {
    const next = await it.next();
    if (next.done) return { head, rest: null };
    head.push(next.value);
  }
  return { head, rest: it };
}

/**
 * The extra columns of a file: those of the first listings in first-seen order, as the file
 * was always written, then any others the caller named for the whole selection in its order.
 */
function extraColumns(seen: readonly string[], given: readonly string[] | undefined): string[] {
  if (!given) return [...seen];
  const names = new Set(seen);
  for (const k of given) names.add(k);
  return [...names];
}

/**
 * Facebook accepts 50 listings per file: up to 50 gives one xlsx, more gives a zip of
 * ceil(N/50) xlsx files written one after another (only one batch in memory at a time).
 */
async function exportFacebook(src: AsyncIterable<ExportListing>, now: Date): Promise<ExportResult> {
  const max = FACEBOOK_MAX_LISTINGS_PER_FILE;
  const { head, rest } = await lookahead(src, max + 1);
  if (head.length <= max) {
    const rows = (async function* () {
      for (const l of head) yield facebookRow(l);
    })();
    return result(writeXlsx(facebookSheets(rows, max), { useStyles: true }), "xlsx", now);
  }
  const it = withHead(head, rest);
  const parts = (async function* () {
    for (let file = 1; ; file++) {
      const first = await it.next();
      if (first.done) return;
      const rows = (async function* () {
        yield facebookRow(first.value);
        for (let i = 1; i < max; i++) {
          const n = await it.next();
          if (n.done) return;
          yield facebookRow(n.value);
        }
      })();
      yield {
        suffix: partSuffix(file),
        open: async () =>
          result(writeXlsx(facebookSheets(rows, max), { useStyles: true }), "xlsx", now),
      };
    }
  })();
  return zipExports(parts, now);
}

/** The name suffix of the `n`th file of a zip of parts (`-part-001`). */
const partSuffix = (n: number) => `-part-${String(n).padStart(3, "0")}`;

/** One file of a zip of exports: its name's suffix, and how to write it once the zip gets to it. */
export interface ExportPart {
  suffix: string;
  open: () => Promise<ExportResult>;
}

/**
 * Several exports as one zip (`marketplace-listings-<time><suffix>.<ext>` each), written one
 * after another: a part is taken from `parts` and opened only when the zip gets to it (after the
 * part before it has been written whole), so one part's listings are read at a time. Closing the
 * zip's stream stops the part being written and opens no other.
 */
export function zipExports(
  parts: Iterable<ExportPart> | AsyncIterable<ExportPart>,
  now: Date = new Date(),
): ExportResult {
  const zip = new yazl.ZipFile();
  const out = new PassThrough();
  zip.outputStream.pipe(out);
  let current: Readable | null = null;
  out.once("close", () => current?.destroy());
  (async () => {
    for await (const part of parts) {
      if (out.destroyed) return;
      const r = await part.open();
      current = r.stream;
      if (out.destroyed) r.stream.destroy();
      zip.addReadStream(r.stream, exportFileName(r.extension, now, part.suffix));
      await finished(r.stream);
    }
    zip.end();
  })().catch((err: unknown) => {
    out.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return result(out, "zip", now, true);
}

/** Shopify refuses product CSVs larger than this. */
export const SHOPIFY_MAX_FILE_BYTES = 15 * 1024 * 1024;

/**
 * Shopify takes at most 15 MB per product CSV. Up to that size (held in memory while deciding)
 * the export is one csv; past it, a zip of csv parts, each cut at a product boundary and starting
 * with the header row, so every part imports on its own.
 */
async function exportShopify(
  src: AsyncIterable<ExportListing>,
  now: Date,
  bom: boolean,
  maxBytes: number,
  given: readonly string[] | undefined,
): Promise<ExportResult> {
  const used = new Set<string>();
  const { head, rest } = await lookahead(src, 1000);
  const extra = shopifyExtraColumns(extraColumns(collectShopifyExtras(head), given));
  const header = Buffer.from((bom ? "\uFEFF" : "") + csvLine(shopifyHeaders(extra)), "utf8");
  const it = withHead(head, rest);
  const encode = (l: ExportListing) =>
    Buffer.from(
      shopifyRows(l, used, extra)
        .map((r) => csvLine(r))
        .join(""),
      "utf8",
    );
  const first: Buffer[] = [header];
  let size = header.length;
  let carry: Buffer | null = null;
  for (;;) {
    const n = await it.next();
    if (n.done) break;
    const product = encode(n.value);
    if (size + product.length > maxBytes && first.length > 1) {
      carry = product;
      break;
    }
    first.push(product);
    size += product.length;
  }
  if (!carry) return result(Readable.from(first), "csv", now);
  let pending: Buffer | null = carry;
  const parts = (async function* () {
    yield { suffix: partSuffix(1), open: async () => result(Readable.from(first), "csv", now) };
    // `pending` is set by the part before, as it is written: the next part starts with it.
    for (let part = 2; pending; part++) {
      const start: Buffer = pending;
      pending = null;
      const chunks = (async function* () {
        yield header;
        yield start;
        let partSize = header.length + start.length;
        for (;;) {
          const n = await it.next();
          if (n.done) return;
          const product = encode(n.value);
          if (partSize + product.length > maxBytes) {
            pending = product;
            return;
          }
          partSize += product.length;
          yield product;
        }
      })();
      yield {
        suffix: partSuffix(part),
        open: async () => result(Readable.from(chunks), "csv", now),
      };
    }
  })();
  return zipExports(parts, now);
}

/**
 * Exports listings as csv, json, xlsx, sql or text, in the generic layout or a marketplace's
 * (facebook → xlsx/zip, ebay → File Exchange csv, shopify → product csv). Output is streamed.
 */
export async function exportListings(
  listings: ListingSource,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const now = options.now ?? new Date();
  const layout = options.layout ?? "generic";
  const format = options.format ?? (layout === "facebook" ? "xlsx" : "csv");
  const src = iterate(listings);
  const bom = options.bom !== false;
  if (layout === "facebook") {
    if (format !== "xlsx")
      throw new FormatError("INVALID_OPTION", "The facebook layout is written as xlsx");
    return exportFacebook(src, now);
  }
  if (layout === "ebay") {
    if (format !== "csv")
      throw new FormatError("INVALID_OPTION", "The ebay layout is written as csv");
    const given = options.ebay?.itemSpecificNames;
    // The header (site and currency; item-specific and extra columns unless the caller named
    // them all) follows the first 1,000.
    const { head, rest } = await lookahead(src, 1000);
    const { info, params } = ebayPreamble(options.ebay ?? {}, head);
    const { specifics, extras } = ebayColumns(
      given ?? extraColumns(collectItemSpecifics(head), options.itemSpecificColumns),
      extraColumns(collectEbayExtras(head), options.extraColumns),
    );
    const rows = (async function* () {
      if (info) yield info;
      yield ebayHeaders(params, specifics, extras);
      for await (const l of withHead(head, rest)) yield ebayRow(l, specifics, extras);
    })();
    return result(Readable.from(writeCsvRows(rows, { bom })), "csv", now);
  }
  if (layout === "shopify") {
    if (format !== "csv")
      throw new FormatError("INVALID_OPTION", "The shopify layout is written as csv");
    return exportShopify(
      src,
      now,
      bom,
      options.shopify?.maxFileBytes ?? SHOPIFY_MAX_FILE_BYTES,
      options.extraColumns,
    );
  }
  switch (format) {
    case "csv":
      return exportGenericRows(mapRows(src, genericRow), { format: "csv", now, bom });
    case "json":
      return result(Readable.from(writeJson(src)), "json", now);
    case "xlsx":
      return exportGenericRows(mapRows(src, genericRow), { format: "xlsx", now });
    case "sql":
      return result(Readable.from(writeSql(src, options.sql)), "sql", now);
    case "text":
      return result(Readable.from(writeText(src, { now })), "txt", now);
    default:
      throw new FormatError("INVALID_OPTION", `Unknown export format ${String(format)}`);
  }
}
