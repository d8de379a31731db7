import type { Marketplace } from "../listing";
import { type ReadTableInput, readTable, rowBatches, type Table } from "../read/read-table";
import { detectMarketplace, type MarketplaceDetection } from "./detect";
import { createEbayMapper } from "./ebay-map";
import { createFacebookMapper, type MapOptions } from "./facebook-map";
import { type ColumnMapping, extendMapping, suggestMapping } from "./fields";
import { createGenericMapper } from "./generic-map";
import type { ImportedListing } from "./problems";
import { createShopifyGrouper, type RowGrouper } from "./shopify-map";

/** How to turn a table's rows into listings. */
export interface ImportOptions extends MapOptions {
  /** Layout to apply; default detected from the headers. */
  marketplace?: Marketplace;
  /** For generic tables: header → field; default {@link suggestMapping}. */
  mapping?: ColumnMapping;
}

/** The grouper that turns rows of `marketplace` into listings. */
export function createRowGrouper(
  headers: readonly string[],
  marketplace: Marketplace,
  options: ImportOptions = {},
): RowGrouper {
  if (marketplace === "shopify") return createShopifyGrouper(headers, options);
  const one =
    marketplace === "facebook"
      ? createFacebookMapper(headers, options)
      : marketplace === "ebay"
        ? createEbayMapper(headers, options)
        : createGenericMapper(headers, options.mapping ?? suggestMapping(headers));
  return { push: (row) => [one(row)], end: () => [] };
}

/** Streams listings (with their problems) from a table already opened by readTable. */
export async function* mapTable(
  table: Table,
  options: ImportOptions = {},
): AsyncGenerator<ImportedListing> {
  for await (const batch of mapTableBatches(table, options)) yield* batch;
}

/** Rows looked at for sample values: a column empty in all of them gets none. */
export const SAMPLE_ROWS = 1000;
/** A sample value is cut to this many characters. */
export const SAMPLE_CHARS = 80;
/** Headers longer than this get no sample. */
export const SAMPLE_HEADER_CHARS = 200;

/**
 * Records into `samples` the first non-empty value of each header in `row` not sampled yet.
 * Returns true once every header has one.
 */
function sampleRow(samples: Record<string, string>, headers: readonly string[], values: string[]) {
  let missing = 0;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    // A header past SAMPLE_HEADER_CHARS gets no sample: the import keeps samples by header.
    if (!h || h.length > SAMPLE_HEADER_CHARS || Object.hasOwn(samples, h)) continue;
    const v = values[i]?.trim();
    // Cut by code point, and a lone surrogate (a JSON file may hold one) replaced: the samples are
    // stored as jsonb, which refuses half a character.
    if (v)
      samples[h] = Array.from(v)
        .slice(0, SAMPLE_CHARS)
        .join("")
        .replace(/\p{Cs}/gu, "\uFFFD");
    else missing++;
  }
  return missing === 0;
}

/** {@link mapTable}, a batch of listings per batch of rows the reader produced. */
export async function* mapTableBatches(
  table: Table,
  options: ImportOptions = {},
  /** Receives the generic mapping in use, each time it changes (a JSON table's keys grow). */
  onMapping?: (mapping: ColumnMapping) => void,
  /**
   * Filled with the first non-empty value (trimmed, at most {@link SAMPLE_CHARS} characters) of
   * each header, looking at the first {@link SAMPLE_ROWS} rows only.
   */
  samples?: Record<string, string>,
): AsyncGenerator<ImportedListing[]> {
  const marketplace =
    options.marketplace ?? detectMarketplace(table.headers, table.preamble).marketplace;
  let mapping = options.mapping ?? suggestMapping(table.headers);
  onMapping?.(mapping);
  // JSON headers can grow while reading, so the generic mapper is rebuilt when they do.
  let width = table.headers.length;
  let grouper = createRowGrouper(table.headers, marketplace, { ...options, mapping });
  let sampled = 0;
  // The header count once every header had a sample: a JSON table's new keys still want one.
  let sampledWidth = -1;
  for await (const rows of rowBatches(table.rows)) {
    const out: ImportedListing[] = [];
    for (const row of rows) {
      if (samples && sampled++ < SAMPLE_ROWS && table.headers.length !== sampledWidth) {
        if (sampleRow(samples, table.headers, row.values)) sampledWidth = table.headers.length;
      }
      if (table.headers.length !== width && marketplace === "generic") {
        width = table.headers.length;
        if (!options.mapping) {
          mapping = extendMapping(mapping, table.headers);
          onMapping?.(mapping);
        }
        grouper = createRowGrouper(table.headers, marketplace, { ...options, mapping });
      }
      for (const l of grouper.push(row)) out.push(l);
    }
    if (out.length > 0) yield out;
  }
  const rest = grouper.end();
  if (rest.length > 0) yield rest;
}

/** An import in progress: what was detected, and the listings to iterate once. */
export interface ImportSession {
  table: Table;
  detection: MarketplaceDetection;
  marketplace: Marketplace;
  /**
   * The mapping used for generic tables (suggested unless given). JSON headers grow while the
   * listings are read, so read this once they are: it then covers every key the rows mapped.
   */
  readonly mapping: ColumnMapping;
  /**
   * The first non-empty value of each header among the first rows (see {@link mapTableBatches}),
   * filled as the listings are read: read it once they are.
   */
  readonly samples: Record<string, string>;
  listings: AsyncIterable<ImportedListing>;
  /** The same listings in batches; iterate either this or `listings`, once. */
  batches: AsyncIterable<ImportedListing[]>;
}

/**
 * Reads a file and maps it to listings in one call: sniff the kind, find the header row,
 * detect the marketplace layout (unless given) and stream {@link ImportedListing}s.
 */
export async function importListings(
  input: ReadTableInput & ImportOptions,
): Promise<ImportSession> {
  const table = await readTable(input);
  const detection = detectMarketplace(table.headers, table.preamble);
  const marketplace = input.marketplace ?? detection.marketplace;
  let mapping = input.mapping ?? suggestMapping(table.headers);
  // Without a prototype, a header such as `__proto__` is a key like any other.
  const samples: Record<string, string> = Object.create(null);
  const batches = mapTableBatches(
    table,
    { ...input, marketplace },
    (m) => {
      mapping = m;
    },
    samples,
  );
  return {
    table,
    detection,
    marketplace,
    get mapping() {
      return mapping;
    },
    get samples() {
      return samples;
    },
    listings: (async function* () {
      for await (const batch of batches) yield* batch;
    })(),
    batches,
  };
}
