import { Chunker, type ExportListing, isoDate } from "./common";

/** Options of {@link writeSql}. */
export interface SqlWriteOptions {
  /** Target table (default `listings_export`), created if missing. */
  table?: string;
  /** Optional schema the table lives in. */
  schema?: string;
  /** Rows per INSERT statement (default 500). */
  batchSize?: number;
}

/** `"name"` with embedded quotes doubled, as PostgreSQL identifiers need. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll("\u0000", "").replace(/"/g, '""')}"`;
}

/**
 * `'text'` with quotes doubled (standard_conforming_strings = on, so backslashes are literal).
 * NUL is dropped: PostgreSQL text cannot hold it.
 */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("\u0000", "").replace(/'/g, "''")}'`;
}

const COLUMNS: Array<[string, string]> = [
  ["export_row", "integer"],
  ["id", "text"],
  ["title", "text"],
  ["price", "numeric"],
  ["currency", "text"],
  ["condition", "text"],
  ["description", "text"],
  ["category", "text"],
  ["offer_shipping", "boolean"],
  ["sku", "text"],
  ["quantity", "integer"],
  ["image_urls", "jsonb"],
  ["status", "text"],
  ["marketplace_fields", "jsonb"],
  ["created_at", "timestamptz"],
  ["updated_at", "timestamptz"],
];

function text(v: string | null | undefined): string {
  return v === null || v === undefined ? "NULL" : quoteLiteral(v);
}

function json(v: unknown): string {
  if (v === undefined || v === null) return "NULL";
  // jsonb refuses \u0000 too, so NUL is dropped from strings (and keys) before serialising.
  const clean = JSON.stringify(v, function (this: unknown, _k, x: unknown) {
    if (typeof x === "string") return x.replaceAll("\u0000", "");
    if (x && typeof x === "object" && !Array.isArray(x)) {
      return Object.fromEntries(
        Object.entries(x as Record<string, unknown>).map(([k, y]) => [
          k.replaceAll("\u0000", ""),
          y,
        ]),
      );
    }
    return x;
  });
  return `${quoteLiteral(clean)}::jsonb`;
}

function values(l: ExportListing, n: number): string {
  const price = /^-?\d+(\.\d+)?$/.test(l.price ?? "") ? `${l.price}` : "NULL";
  const qty = Number.isSafeInteger(l.quantity) ? String(l.quantity) : "NULL";
  const ts = (v: ExportListing["createdAt"]) => {
    const s = isoDate(v);
    return s && !Number.isNaN(new Date(s).getTime()) ? `${quoteLiteral(s)}::timestamptz` : "NULL";
  };
  return `(${[
    String(n),
    text(l.id),
    text(l.title),
    price,
    text(l.currency),
    text(l.condition),
    text(l.description),
    text(l.category),
    l.offerShipping === undefined ? "NULL" : l.offerShipping ? "TRUE" : "FALSE",
    text(l.sku),
    qty,
    json(l.imageUrls),
    text(l.status),
    json(l.marketplaceFields),
    ts(l.createdAt),
    ts(l.updatedAt),
  ].join(", ")})`;
}

/**
 * Streams a PostgreSQL script: `SET standard_conforming_strings = on`, CREATE TABLE IF NOT
 * EXISTS, then multi-row INSERTs in batches, all in one transaction. Loads with `psql -f`.
 */
export async function* writeSql(
  listings: AsyncIterable<ExportListing>,
  options: SqlWriteOptions = {},
): AsyncGenerator<Buffer> {
  const table =
    (options.schema ? `${quoteIdent(options.schema)}.` : "") +
    quoteIdent(options.table ?? "listings_export");
  const batch = Math.max(1, Math.min(10_000, options.batchSize ?? 500));
  const cols = COLUMNS.map(([c]) => quoteIdent(c)).join(", ");
  const chunker = new Chunker();
  chunker.push(
    [
      "-- Marketplace Bulk Editor listings export (PostgreSQL)",
      "SET standard_conforming_strings = on;",
      "SET client_encoding = 'UTF8';",
      "BEGIN;",
      `CREATE TABLE IF NOT EXISTS ${table} (\n${COLUMNS.map(([c, t]) => `  ${quoteIdent(c)} ${t}`).join(",\n")}\n);`,
      "",
    ].join("\n"),
  );
  let n = 0;
  let inBatch = 0;
  for await (const l of listings) {
    n++;
    const head = inBatch === 0 ? `INSERT INTO ${table} (${cols}) VALUES\n` : ",\n";
    inBatch++;
    let piece = head + values(l, n);
    if (inBatch >= batch) {
      piece += ";\n";
      inBatch = 0;
    }
    const out = chunker.push(piece);
    if (out) yield out;
  }
  if (inBatch > 0) chunker.push(";\n");
  chunker.push("COMMIT;\n");
  const last = chunker.flush();
  if (last) yield last;
}
