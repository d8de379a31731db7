import { Chunker } from "./common";
import { guardFormula } from "./formula-guard";

/** Options of {@link writeCsvRows}. */
export interface CsvWriteOptions {
  /** Start with a UTF-8 BOM so Excel reads UTF-8 (default true). */
  bom?: boolean;
  delimiter?: "," | ";" | "\t";
  /** Neutralise formula injection in every cell (default true). */
  guard?: boolean;
}

/** One CSV field, quoted when it must be. */
export function csvField(value: string, delimiter = ","): string {
  if (
    value.includes(delimiter) ||
    value.includes('"') ||
    value.includes("\n") ||
    value.includes("\r") ||
    value.startsWith(" ") ||
    value.endsWith(" ")
  ) {
    return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

/** One CSV record with its CRLF, formula-guarded unless `guard` is false. */
export function csvLine(row: readonly string[], delimiter = ",", guard = true): string {
  let line = "";
  for (let i = 0; i < row.length; i++) {
    // NUL cannot live in a text file our reader accepts (nor in PostgreSQL): drop it.
    const v = (row[i] ?? "").replaceAll("\u0000", "");
    line += (i > 0 ? delimiter : "") + csvField(guard ? guardFormula(v) : v, delimiter);
  }
  return `${line}\r\n`;
}

/** Streams rows of text cells as CSV (CRLF line ends, RFC 4180 quoting, formula guard). */
export async function* writeCsvRows(
  rows: AsyncIterable<readonly string[]>,
  options: CsvWriteOptions = {},
): AsyncGenerator<Buffer> {
  const d = options.delimiter ?? ",";
  const guard = options.guard !== false;
  const chunker = new Chunker();
  if (options.bom !== false) chunker.push("\uFEFF");
  for await (const row of rows) {
    const out = chunker.push(csvLine(row, d, guard));
    if (out) yield out;
  }
  const last = chunker.flush();
  if (last) yield last;
}
