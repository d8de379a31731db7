import { once } from "node:events";
import { PassThrough, type Readable } from "node:stream";
import ExcelJS from "exceljs";
import { xlsxCellText } from "./formula-guard";
import { xlsxSheetName } from "./sheet-name";

/** A cell for the xlsx writer: text (guarded), a number, or empty. */
export type XlsxCell = string | number | null;

/** A sheet the xlsx writer fills: optional rows before the data, then data rows. */
export interface XlsxSheetSpec {
  /** Written as {@link xlsxSheetName} makes it valid and unique within the workbook. */
  name: string;
  state?: "visible" | "hidden";
  columnWidths?: number[];
  /** Written first, as given (titles, instructions, headers), with an optional style per row. */
  leadRows?: Array<{ values: XlsxCell[]; style?: Partial<ExcelJS.Style>; height?: number }>;
  rows?: AsyncIterable<XlsxCell[]>;
  /** List validations: cell range → formula such as `VALIDATION!$A$3:$D$3`. */
  listValidations?: Array<{ range: string; formula: string }>;
}

/** Options of {@link writeXlsx}. */
export interface XlsxWriteOptions {
  /** Needed only for styled lead rows (the Facebook template). */
  useStyles?: boolean;
  guard?: boolean;
}

interface Waitable extends NodeJS.EventEmitter {
  writableNeedDrain?: boolean;
  writableLength?: number;
}

interface DataValidationsLike {
  add(address: string, validation: ExcelJS.DataValidation): void;
}

const HIGH_WATER = 1024 * 1024;
const PACE_ROWS = 500;

/**
 * Writes sheets with exceljs' streaming WorkbookWriter; rows are committed as they arrive and the
 * producer waits while the consumer has not read the output, so memory stays flat.
 */
export function writeXlsx(sheets: XlsxSheetSpec[], options: XlsxWriteOptions = {}): Readable {
  const out = new PassThrough({ highWaterMark: 64 * 1024 });
  const guard = options.guard !== false;
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: options.useStyles ?? false,
    useSharedStrings: false,
  });
  // Text goes in already escaped as ST_Xstring: exceljs writes it as given apart from the XML
  // specials, and would otherwise drop control characters and leave a literal `_x0041_` to be
  // decoded by whoever opens the file.
  const cell = (v: XlsxCell) => (typeof v === "string" ? xlsxCellText(v, guard) : v);
  // exceljs writes each sheet into a buffer that pushes 64 KiB blocks into the zip without
  // waiting; when nobody reads `out`, those blocks pile up in the zip's input stream. Waiting for
  // that stream (and `out`) to drain every 500 rows keeps memory flat.
  const pace = async (ws: unknown) => {
    // Yielding lets the zip's deflate and the consumer run, so the drain checks see real levels.
    await new Promise((r) => setImmediate(r));
    const pipes = ((ws as { stream?: { pipes?: unknown[] } }).stream?.pipes ?? []) as Waitable[];
    for (const t of [...pipes, out as Waitable]) {
      while ((t.writableNeedDrain || (t.writableLength ?? 0) > HIGH_WATER) && !out.destroyed) {
        await Promise.race([once(t, "drain"), once(out, "close")]);
      }
    }
  };
  const names = new Set<string>();
  (async () => {
    for (const spec of sheets) {
      const ws = wb.addWorksheet(xlsxSheetName(spec.name, names), {
        state: spec.state ?? "visible",
      });
      if (spec.columnWidths) {
        ws.columns = spec.columnWidths.map((width) => ({ width }));
      }
      // One validation per range, as the template has. Added cell by cell, exceljs would merge
      // the cells back in text order ("C10" before "C5") into overlapping ranges.
      for (const v of spec.listValidations ?? []) {
        (ws as unknown as { dataValidations: DataValidationsLike }).dataValidations.add(v.range, {
          type: "list",
          allowBlank: true,
          formulae: [v.formula],
        });
      }
      for (const lead of spec.leadRows ?? []) {
        const row = ws.addRow(lead.values.map(cell));
        if (lead.height) row.height = lead.height;
        if (lead.style) {
          row.eachCell({ includeEmpty: false }, (c) => {
            Object.assign(c, { style: lead.style });
          });
        }
        row.commit();
      }
      let n = 0;
      for await (const values of spec.rows ?? []) {
        ws.addRow(values.map(cell)).commit();
        if (++n % PACE_ROWS === 0) await pace(ws);
      }
      ws.commit();
    }
    await wb.commit();
  })().catch((err: unknown) => {
    out.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return out;
}
