import { posix } from "node:path";
import { pipeline, Readable } from "node:stream";
import { createInflateRaw } from "node:zlib";
import { FormatError, type ReadLimits } from "../errors";
import { decodeXstring, stripXlsxFormulaGuard } from "../write/formula-guard";
import type { RawRow } from "./csv";
import type { ByteSource, RandomAccess } from "./source";
import { attr, decodeXmlText, type XmlHandler, XmlScanner } from "./xml-scan";
import { inspectZip, verifyZipEntries, type ZipEntryInfo } from "./zip-inspect";

/** Options of {@link readXlsxRows}. */
export interface XlsxReadOptions {
  limits: ReadLimits;
  /**
   * Sheet name, or 1-based position among the workbook's sheets (a number, or digits that name no
   * sheet); default the first visible one.
   */
  sheet?: string | number;
  stripGuard?: boolean;
  /** Receives the chosen sheet's name and 1-based position once known. */
  onSheet?: (name: string, position: number) => void;
  /** Called with the row number of each row skipped because every cell is empty. */
  onBlankRow?: (row: number) => void;
  /**
   * Called as the chosen sheet is read, with the bytes of its XML scanned so far and their total
   * (as the zip declares it, proven while inflating): before each batch of rows and at the end.
   */
  onProgress?: (read: number, total: number) => void;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Text of one cell value, the way a person reads it in Excel. */
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
    if ("sharedString" in o) return "";
  }
  return String(v);
}

/**
 * Text of a `t="d"` cell, whose value is an ISO 8601 date rather than a serial number: written
 * like serial dates (`2024-03-04`, or `2024-03-04T05:06:07` when it has a time of day). Values
 * that are not such a date are kept as written.
 */
export function isoCellDate(raw: string): string {
  const v = raw.trim();
  const m =
    /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/.exec(
      v,
    );
  if (!m) return v;
  const [, date, h, mi, sec = "00"] = m;
  if (h === undefined || (h === "00" && mi === "00" && sec === "00")) return date ?? v;
  return `${date}T${h}:${mi}:${sec}`;
}

/** A serial date of the 1900 or 1904 system as the date it stands for (UTC). */
export function excelSerialDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 24 * 3600 * 1000));
}

/** Whether a number format shows a date or time (quoted text and [..] sections aside). */
export function isDateFormat(code: string | undefined): boolean {
  if (!code) return false;
  return /[ymdhMsb]+/.test(code.replace(/\[[^\]]*]/g, "").replace(/"[^"]*"/g, ""));
}

/** Built-in number formats that are dates or times (ECMA-376 §18.8.30, as Excel shows them). */
const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]);

const SHEET_PART = /^xl\/worksheets\/sheet\d+\.xml$/;
const SHARED_STRINGS = "xl/sharedStrings.xml";

function corrupt(e: ZipEntryInfo, err: unknown): FormatError {
  return new FormatError("ZIP_INVALID", `Entry ${e.name} is corrupt: ${(err as Error).message}`);
}

/**
 * The text of one zip entry, inflated as it is read and proven to inflate to exactly its declared
 * size: more is refused as soon as it appears (a bomb lying about its size), less at the end.
 */
async function* entryText(
  ra: RandomAccess,
  e: ZipEntryInfo,
  onBytes?: (produced: number) => void,
): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8");
  const raw = Readable.from(ra.range(e.dataOffset, e.dataOffset + e.compressedSize));
  const bytes =
    e.method === 8 ? pipeline(raw, createInflateRaw({ chunkSize: 64 * 1024 }), () => {}) : raw;
  const it = bytes[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let produced = 0;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await it.next();
      } catch (err) {
        throw err instanceof FormatError ? err : corrupt(e, err);
      }
      if (next.done) break;
      produced += next.value.byteLength;
      if (produced > e.uncompressedSize) {
        throw new FormatError("ZIP_TOO_LARGE", `Entry ${e.name} inflates past its declared size`);
      }
      onBytes?.(produced);
      const text = decoder.decode(next.value, { stream: true });
      if (text !== "") yield text;
    }
    if (produced !== e.uncompressedSize) {
      throw new FormatError("ZIP_INVALID", `Entry ${e.name} is shorter than declared`);
    }
    const tail = decoder.decode();
    if (tail !== "") yield tail;
  } finally {
    raw.destroy();
    if (bytes !== raw) bytes.destroy();
  }
}

/** Scans a whole part with the handler `make` returns (given the scanner, to switch capture). */
async function scanPart(
  ra: RandomAccess,
  e: ZipEntryInfo,
  make: (s: XmlScanner) => Partial<XmlHandler>,
): Promise<void> {
  const h: Partial<XmlHandler> = {};
  const s = new XmlScanner({
    open: (name, attrs, selfClosing) => h.open?.(name, attrs, selfClosing),
    close: (name) => h.close?.(name),
    text: (t) => h.text?.(t),
  });
  Object.assign(h, make(s));
  for await (const piece of entryText(ra, e)) s.push(piece);
  s.end();
}

interface SheetInfo {
  name: string;
  state: string | undefined;
  part: string;
}

interface WorkbookInfo {
  sheets: SheetInfo[];
  date1904: boolean;
  sharedStrings: string;
  styles: string;
}

function partPath(target: string): string {
  return target.startsWith("/") ? target.slice(1) : posix.normalize(`xl/${target}`);
}

async function readWorkbook(
  ra: RandomAccess,
  byName: Map<string, ZipEntryInfo>,
): Promise<WorkbookInfo> {
  const rels = new Map<string, string>();
  let sharedStrings = SHARED_STRINGS;
  let styles = "xl/styles.xml";
  const relsEntry = byName.get("xl/_rels/workbook.xml.rels");
  if (relsEntry) {
    await scanPart(ra, relsEntry, () => ({
      open(name, attrs) {
        if (name !== "Relationship") return;
        const id = attr(attrs, "Id");
        const target = attr(attrs, "Target");
        const type = attr(attrs, "Type") ?? "";
        if (id === undefined || target === undefined) return;
        rels.set(id, partPath(target));
        if (type.endsWith("/sharedStrings")) sharedStrings = partPath(target);
        if (type.endsWith("/styles")) styles = partPath(target);
      },
    }));
  }
  const listed: { name: string; state: string | undefined; rid: string | undefined }[] = [];
  let date1904 = false;
  await scanPart(ra, byName.get("xl/workbook.xml") as ZipEntryInfo, () => ({
    open(name, attrs) {
      if (name === "sheet") {
        const rid =
          attr(attrs, "r:id") ?? /\s[A-Za-z_][\w.-]*:id\s*=\s*["']([^"']*)["']/.exec(attrs)?.[1];
        listed.push({ name: attr(attrs, "name") ?? "", state: attr(attrs, "state"), rid });
      } else if (name === "workbookPr") {
        const v = attr(attrs, "date1904");
        date1904 = v === "1" || v === "true";
      }
    },
  }));
  const sheets: SheetInfo[] = [];
  for (const l of listed) {
    const part = l.rid === undefined ? undefined : rels.get(l.rid);
    if (part !== undefined && SHEET_PART.test(part) && byName.has(part))
      sheets.push({ name: l.name, state: l.state, part });
  }
  if (sheets.length === 0) {
    // No usable sheet list: the sheet parts in the zip, in their order there.
    for (const name of byName.keys()) {
      if (SHEET_PART.test(name))
        sheets.push({
          name: name.slice("xl/worksheets/".length, -4),
          state: undefined,
          part: name,
        });
    }
  }
  return { sheets, date1904, sharedStrings, styles };
}

/** For each cell style (`s` index), whether its number format shows a date. */
async function readDateStyles(ra: RandomAccess, e: ZipEntryInfo | undefined): Promise<boolean[]> {
  if (!e) return [];
  const formats = new Map<number, string>();
  const xfs: number[] = [];
  let inXfs = false;
  await scanPart(ra, e, () => ({
    open(name, attrs) {
      if (name === "numFmt") {
        const id = Number.parseInt(attr(attrs, "numFmtId") ?? "", 10);
        if (Number.isFinite(id)) formats.set(id, attr(attrs, "formatCode") ?? "");
      } else if (name === "cellXfs") inXfs = true;
      else if (name === "xf" && inXfs) {
        xfs.push(Number.parseInt(attr(attrs, "numFmtId") ?? "0", 10) || 0);
      }
    },
    close(name) {
      if (name === "cellXfs") inXfs = false;
    },
  }));
  return xfs.map((id) =>
    id === 0
      ? false
      : formats.has(id)
        ? isDateFormat(formats.get(id))
        : BUILTIN_DATE_FORMATS.has(id),
  );
}

/** Shared strings: plain ones as text, rich ones (runs) flagged, `null` for an empty plain one. */
interface SharedStrings {
  text: (string | null)[];
  rich: Set<number>;
}

/**
 * Whether text held so far, `_xHHHH_` escapes not yet decoded, is surely longer than `max` once
 * decoded. An escape is seven characters for one, so text with escapes is let grow to seven
 * times the limit and measured exactly once decoded.
 */
function heldTooLong(held: string, max: number): boolean {
  return held.length > max && (held.length > 7 * max || held.indexOf("_x") === -1);
}

/** Reads the shared strings, decoding the `_xHHHH_` escapes of each `<t>` (not across runs). */
async function readSharedStrings(
  ra: RandomAccess,
  e: ZipEntryInfo | undefined,
  limits: ReadLimits,
): Promise<SharedStrings | undefined> {
  if (!e) return undefined;
  const out: SharedStrings = { text: [], rich: new Set() };
  let cur = "";
  let rich = false;
  let phonetic = 0;
  let depth = 0;
  let tStart = 0;
  // Every cell that uses it would be refused; held meanwhile, one could take most of the heap.
  const tooLong = () =>
    new FormatError(
      "CELL_TOO_LONG",
      `Shared string ${out.text.length + 1} is longer than ${limits.maxCellChars} characters`,
      { sharedString: out.text.length + 1, maxCellChars: limits.maxCellChars },
    );
  await scanPart(ra, e, (s) => ({
    open: (name) => {
      if (name === "si") {
        cur = "";
        rich = false;
        phonetic = 0;
        depth = 0;
      } else if (name === "rPh") phonetic++;
      else if (name === "r") rich = true;
      else if (name === "t" && phonetic === 0) {
        depth++;
        tStart = cur.length;
        s.capture = true;
      }
    },
    close: (name) => {
      if (name === "t" && depth > 0) {
        depth--;
        s.capture = false;
        if (cur.indexOf("_x", tStart) !== -1) {
          cur = cur.slice(0, tStart) + decodeXstring(cur.slice(tStart));
          if (cur.length > limits.maxCellChars) throw tooLong();
        }
      } else if (name === "rPh") phonetic--;
      else if (name === "si") {
        if (rich) out.rich.add(out.text.length);
        out.text.push(!rich && cur === "" ? null : cur);
      }
    },
    text: (t) => {
      cur += t;
      if (heldTooLong(cur, limits.maxCellChars)) throw tooLong();
    },
  }));
  return out;
}

/** Column number of a cell reference (`C7` → 3); 0 when it has no letters. */
function columnOf(ref: string): number {
  let col = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c >= 65 && c <= 90) col = col * 26 + (c - 64);
    else if (c >= 97 && c <= 122) col = col * 26 + (c - 96);
    else break;
    if (col > 1e7) return col;
  }
  return col;
}

/** The `r`, `s` and `t` attributes of a cell, read in one pass over its attribute text. */
interface CellAttrs {
  r: string | undefined;
  s: string | undefined;
  t: string | undefined;
}

function readCellAttrs(attrs: string, out: CellAttrs): void {
  out.r = undefined;
  out.s = undefined;
  out.t = undefined;
  const n = attrs.length;
  let i = 0;
  while (i < n) {
    const eq = attrs.indexOf("=", i);
    if (eq === -1) return;
    const name = attrs.slice(i, eq).trim();
    let q = eq + 1;
    while (q < n && attrs.charCodeAt(q) !== 34 && attrs.charCodeAt(q) !== 39) q++;
    if (q >= n) return;
    const end = attrs.indexOf(attrs[q] as string, q + 1);
    if (end === -1) return;
    if (name.length === 1) {
      const raw = attrs.slice(q + 1, end);
      const v = raw.indexOf("&") === -1 ? raw : decodeXmlText(raw);
      if (name === "r") out.r = v;
      else if (name === "s") out.s = v;
      else if (name === "t") out.t = v;
    }
    i = end + 1;
  }
}

const numText = (n: number) => (Number.isFinite(n) ? String(n) : "");

/**
 * Streams the rows of one sheet of an xlsx, a batch per inflated piece. The zip's central
 * directory is checked first and every part is proven to inflate within its declared size (the
 * sheet and shared strings while they are read); then the sheet XML is scanned directly, holding
 * one row at a time (plus the shared strings, bounded by their part's declared size).
 */
export async function* readXlsxBatches(
  source: ByteSource,
  options: XlsxReadOptions,
): AsyncGenerator<RawRow[]> {
  const { limits } = options;
  const strip = options.stripGuard !== false;
  const ra = await source.randomAccess();
  try {
    const entries = await inspectZip(ra, limits);
    const byName = new Map(entries.map((e) => [e.name, e]));
    if (!byName.has("xl/workbook.xml") || !entries.some((e) => SHEET_PART.test(e.name))) {
      throw new FormatError("XLSX_INVALID", "This zip is not an Excel workbook (.xlsx)");
    }
    // The parts read whole and small are proven first; sheets and shared strings as they stream.
    await verifyZipEntries(
      ra,
      entries.filter((e) => !SHEET_PART.test(e.name) && e.name !== SHARED_STRINGS),
    );
    const wb = await readWorkbook(ra, byName);
    const wanted = options.sheet;
    // A sheet given as text is its name first ("2024" is a year's sheet as often as not), and
    // only when no sheet has that name, a 1-based position written as digits. A number is a
    // position.
    let index =
      wanted === undefined
        ? wb.sheets.findIndex((ws) => ws.state !== "hidden" && ws.state !== "veryHidden")
        : typeof wanted === "number"
          ? wanted - 1
          : wb.sheets.findIndex((ws) => ws.name === wanted);
    if (index < 0 && typeof wanted === "string" && /^\d{1,4}$/.test(wanted)) {
      index = Number(wanted) - 1;
    }
    const chosen = index >= 0 ? wb.sheets[index] : undefined;
    const position = index + 1;
    if (!chosen) {
      throw new FormatError(
        "XLSX_NO_SHEET",
        options.sheet === undefined
          ? "The workbook has no visible sheet"
          : `The workbook has no sheet ${JSON.stringify(options.sheet)}`,
      );
    }
    options.onSheet?.(chosen.name, position);
    const dateStyles = await readDateStyles(ra, byName.get(wb.styles));
    const shared = await readSharedStrings(ra, byName.get(wb.sharedStrings), limits);
    yield* sheetRows(ra, byName.get(chosen.part) as ZipEntryInfo, {
      limits,
      strip,
      dateStyles,
      shared,
      date1904: wb.date1904,
      onBlankRow: options.onBlankRow,
      onProgress: options.onProgress,
    });
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(
      "XLSX_INVALID",
      `The workbook could not be read: ${(err as Error).message}`,
    );
  } finally {
    await ra.close();
  }
}

interface SheetContext {
  limits: ReadLimits;
  strip: boolean;
  dateStyles: boolean[];
  shared: SharedStrings | undefined;
  date1904: boolean;
  onBlankRow?: (row: number) => void;
  onProgress?: (read: number, total: number) => void;
}

async function* sheetRows(
  ra: RandomAccess,
  entry: ZipEntryInfo,
  sc: SheetContext,
): AsyncGenerator<RawRow[]> {
  const { limits, strip, dateStyles, shared } = sc;
  let out: RawRow[] = [];
  let dataRows = 0;
  let inData = false;
  // Row state.
  let inRow = false;
  let rowNo = 0;
  let rowStyle = -1;
  let prevCol = 0;
  let maxCol = 0;
  const cols: number[] = [];
  const texts: string[] = [];
  // Cell state.
  let inCell = false;
  let col = 0;
  let style = 0;
  let type = "";
  let hasF = false;
  let hasV = false;
  let hasIs = false;
  let vText = "";
  let isText = "";
  let isStart = 0; // where the text of the current inline <t> starts in isText
  let into = 0; // 1: <v>, 2: <t> of an inline string
  let phonetic = 0;
  const cellAttrs: CellAttrs = { r: undefined, s: undefined, t: undefined };

  const endCell = () => {
    let has = true;
    let text = "";
    let guarded = false;
    if (hasF) {
      if (hasV || hasIs) {
        const raw = hasV ? vText : isText;
        text =
          type === "str"
            ? hasV
              ? decodeXstring(raw)
              : raw
            : type === "d"
              ? isoCellDate(raw)
              : numText(Number.parseFloat(raw));
      }
    } else if (hasV || hasIs) {
      const raw = hasIs && !hasV ? isText : vText;
      switch (type) {
        case "s": {
          if (!shared) break;
          const i = Number.parseInt(raw, 10);
          const s = shared.text[i];
          if (s === undefined || s === null) has = false;
          else {
            text = s;
            guarded = !shared.rich.has(i);
          }
          break;
        }
        case "inlineStr":
        case "str":
          // Inline text is decoded per <t> as it closes.
          text = hasIs ? isText : decodeXstring(vText);
          guarded = true;
          break;
        case "e":
          text = raw;
          break;
        case "b":
          text = Number.parseInt(raw, 10) !== 0 ? "TRUE" : "FALSE";
          break;
        case "d":
          // ISO 8601 text, not a number: parseFloat would keep only the year.
          text = isoCellDate(raw);
          break;
        default: {
          const n = Number.parseFloat(raw);
          const st = style > 0 && style < dateStyles.length ? style : rowStyle;
          text =
            st > 0 && dateStyles[st] === true
              ? cellText(excelSerialDate(n, sc.date1904))
              : numText(n);
        }
      }
    } else has = false;
    if (!has) return;
    // A row that names the same cell again and again has more cells than columns.
    if (col > limits.maxColumns || texts.length >= limits.maxColumns) {
      throw new FormatError(
        "TOO_MANY_COLUMNS",
        `Row ${rowNo} has more than ${limits.maxColumns} columns`,
        { row: rowNo, maxColumns: limits.maxColumns },
      );
    }
    if (text.length > limits.maxCellChars) {
      throw new FormatError(
        "CELL_TOO_LONG",
        `Row ${rowNo}, column ${col}: a cell is longer than ${limits.maxCellChars} characters`,
        { row: rowNo, column: col },
      );
    }
    if (guarded && strip) text = stripXlsxFormulaGuard(text);
    cols.push(col);
    texts.push(text);
    if (col > maxCol) maxCol = col;
  };

  const endRow = () => {
    let blank = true;
    for (let k = 0; k < texts.length; k++) {
      if (texts[k] !== "") {
        blank = false;
        break;
      }
    }
    if (blank) {
      sc.onBlankRow?.(rowNo);
    } else {
      dataRows++;
      if (dataRows > limits.maxRows + 1) {
        throw new FormatError("TOO_MANY_ROWS", `The sheet has more than ${limits.maxRows} rows`, {
          maxRows: limits.maxRows,
        });
      }
      const values: string[] = new Array(maxCol);
      // Cells usually come in order and without gaps; otherwise fill the gaps with "".
      if (cols.length === maxCol && cols[maxCol - 1] === maxCol) {
        for (let k = 0; k < maxCol; k++) values[k] = texts[k] as string;
      } else {
        values.fill("");
        for (let k = 0; k < cols.length; k++) values[(cols[k] as number) - 1] = texts[k] as string;
      }
      out.push({ row: rowNo, values });
    }
    cols.length = 0;
    texts.length = 0;
  };

  const scanner: XmlScanner = new XmlScanner({
    open(name, attrs) {
      if (!inData) {
        if (name === "sheetData") inData = true;
        return;
      }
      if (inCell) {
        if (name === "v") {
          hasV = true;
          vText = "";
          into = 1;
          scanner.capture = true;
        } else if (name === "f") hasF = true;
        else if (name === "is") {
          hasIs = true;
          isText = "";
        } else if (name === "rPh") phonetic++;
        else if (name === "t" && hasIs && phonetic === 0) {
          into = 2;
          isStart = isText.length;
          scanner.capture = true;
        }
        return;
      }
      if (name === "c" && inRow) {
        inCell = true;
        readCellAttrs(attrs, cellAttrs);
        const c = cellAttrs.r === undefined ? 0 : columnOf(cellAttrs.r);
        col = c > 0 ? c : prevCol + 1;
        prevCol = col;
        style = Number.parseInt(cellAttrs.s ?? "", 10) || 0;
        type = cellAttrs.t ?? "";
        hasF = false;
        hasV = false;
        hasIs = false;
        vText = "";
        isText = "";
        phonetic = 0;
      } else if (name === "row") {
        inRow = true;
        const r = Number.parseInt(attr(attrs, "r") ?? "", 10);
        rowNo = Number.isFinite(r) && r > 0 ? r : rowNo + 1;
        const s = Number.parseInt(attr(attrs, "s") ?? "", 10);
        rowStyle = Number.isFinite(s) && s < dateStyles.length ? s : -1;
        prevCol = 0;
        maxCol = 0;
      }
    },
    close(name) {
      if (!inData) return;
      if (inCell) {
        if (name === "c") {
          inCell = false;
          endCell();
        } else if (name === "v" || name === "t") {
          if (into === 2 && isText.indexOf("_x", isStart) !== -1)
            isText = isText.slice(0, isStart) + decodeXstring(isText.slice(isStart));
          into = 0;
          scanner.capture = false;
        } else if (name === "rPh") phonetic--;
        return;
      }
      if (name === "row" && inRow) {
        inRow = false;
        endRow();
      } else if (name === "sheetData") inData = false;
    },
    text(t) {
      if (into === 1) vText += t;
      else if (into === 2) isText += t;
      // The cell's text is measured exactly once decoded, when the cell ends.
      if (heldTooLong(vText, limits.maxCellChars) || heldTooLong(isText, limits.maxCellChars)) {
        throw new FormatError(
          "CELL_TOO_LONG",
          `Row ${rowNo}, column ${col}: a cell is longer than ${limits.maxCellChars} characters`,
          { row: rowNo, column: col },
        );
      }
    },
  });
  let scanned = 0;
  const onBytes = sc.onProgress
    ? (n: number) => {
        scanned = n;
      }
    : undefined;
  for await (const piece of entryText(ra, entry, onBytes)) {
    scanner.push(piece);
    if (out.length > 0) {
      const batch = out;
      out = [];
      sc.onProgress?.(scanned, entry.uncompressedSize);
      yield batch;
    }
  }
  scanner.end();
  sc.onProgress?.(entry.uncompressedSize, entry.uncompressedSize);
}

/** {@link readXlsxBatches} one row at a time. */
export async function* readXlsxRows(
  source: ByteSource,
  options: XlsxReadOptions,
): AsyncGenerator<RawRow> {
  for await (const batch of readXlsxBatches(source, options)) yield* batch;
}
