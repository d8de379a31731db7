import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import "./exceljs-entities";
import { FormatError, type ReadLimits } from "../errors";
import { stripFormulaGuard } from "../write/formula-guard";
import type { RawRow } from "./csv";
import type { ByteSource } from "./source";
import { inspectZip, verifyZipEntries } from "./zip-inspect";

/** Options of {@link readXlsxRows}. */
export interface XlsxReadOptions {
  limits: ReadLimits;
  /** Sheet name or 1-based position among the workbook's sheets; default the first visible one. */
  sheet?: string | number;
  stripGuard?: boolean;
  /** Receives the chosen sheet's name once known. */
  onSheet?: (name: string) => void;
  /** Called with the row number of each row skipped because every cell is empty. */
  onBlankRow?: (row: number) => void;
}

interface SheetReader extends AsyncIterable<ExcelJS.Row> {
  id: number | string;
  name: string;
  state?: string;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Text of one exceljs cell value, the way a person reads it in Excel. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return "";
    const date = `${v.getUTCFullYear()}-${pad(v.getUTCMonth() + 1)}-${pad(v.getUTCDate())}`;
    if (v.getUTCHours() === 0 && v.getUTCMinutes() === 0 && v.getUTCSeconds() === 0) return date;
    return `${date}T${pad(v.getUTCHours())}:${pad(v.getUTCMinutes())}:${pad(v.getUTCSeconds())}`;
  }
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) {
      return (o.richText as Array<{ text?: unknown }>).map((r) => String(r.text ?? "")).join("");
    }
    if ("result" in o) return cellText(o.result);
    if ("formula" in o || "sharedFormula" in o) return "";
    if ("text" in o) return cellText(o.text);
    if ("error" in o) return String(o.error);
    // A shared-string index the workbook does not define: nothing readable there.
    if ("sharedString" in o) return "";
  }
  return String(v);
}

/**
 * Streams the rows of one sheet of an xlsx. The zip's central directory is checked first and every
 * entry is proven to inflate within its declared size; only then does exceljs' streaming reader run.
 */
export async function* readXlsxRows(
  source: ByteSource,
  options: XlsxReadOptions,
): AsyncGenerator<RawRow> {
  const { limits } = options;
  const strip = options.stripGuard !== false;
  const ra = await source.randomAccess();
  let input: Readable;
  try {
    const entries = await inspectZip(ra, limits);
    const names = new Set(entries.map((e) => e.name));
    if (
      !names.has("xl/workbook.xml") ||
      !entries.some((e) => /^xl\/worksheets\/sheet\d+\.xml$/.test(e.name))
    ) {
      throw new FormatError("XLSX_INVALID", "This zip is not an Excel workbook (.xlsx)");
    }
    await verifyZipEntries(ra, entries);
    input = ra.path !== undefined ? createReadStream(ra.path) : Readable.from(ra.range(0, ra.size));
  } catch (err) {
    await ra.close();
    throw err;
  }
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    sharedStrings: "cache",
    hyperlinks: "ignore",
    styles: "cache",
    worksheets: "emit",
    entries: "ignore",
  });
  let found = false;
  let position = 0;
  let dataRows = 0;
  try {
    for await (const ws of reader as unknown as AsyncIterable<SheetReader>) {
      position++;
      const wanted =
        options.sheet === undefined
          ? !found && ws.state !== "hidden" && ws.state !== "veryHidden"
          : typeof options.sheet === "number"
            ? position === options.sheet
            : ws.name === options.sheet;
      if (!wanted || found) {
        for await (const _row of ws) {
          // drained: exceljs reads sheets in zip order and cannot skip one
        }
        continue;
      }
      found = true;
      options.onSheet?.(ws.name);
      for await (const row of ws) {
        const raw = row.values as unknown[];
        const width = raw.length - 1;
        if (width > limits.maxColumns) {
          throw new FormatError(
            "TOO_MANY_COLUMNS",
            `Row ${row.number} has more than ${limits.maxColumns} columns`,
            { row: row.number, maxColumns: limits.maxColumns },
          );
        }
        const values: string[] = new Array(Math.max(0, width));
        let blank = true;
        for (let c = 1; c <= width; c++) {
          let t = cellText(raw[c]);
          if (t.length > limits.maxCellChars) {
            throw new FormatError(
              "CELL_TOO_LONG",
              `Row ${row.number}, column ${c}: a cell is longer than ${limits.maxCellChars} characters`,
              { row: row.number, column: c },
            );
          }
          if (strip && typeof raw[c] === "string") t = stripFormulaGuard(t);
          if (t !== "") blank = false;
          values[c - 1] = t;
        }
        if (blank) {
          options.onBlankRow?.(row.number);
          continue;
        }
        dataRows++;
        if (dataRows > limits.maxRows + 1) {
          throw new FormatError("TOO_MANY_ROWS", `The sheet has more than ${limits.maxRows} rows`, {
            maxRows: limits.maxRows,
          });
        }
        yield { row: row.number, values };
      }
      // Stop at the chosen sheet: later sheets (e.g. a hidden VALIDATION list) are not needed.
      break;
    }
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(
      "XLSX_INVALID",
      `The workbook could not be read: ${(err as Error).message}`,
    );
  } finally {
    input.destroy();
    await ra.close();
  }
  if (!found) {
    throw new FormatError(
      "XLSX_NO_SHEET",
      options.sheet === undefined
        ? "The workbook has no visible sheet"
        : `The workbook has no sheet ${JSON.stringify(options.sheet)}`,
    );
  }
}
