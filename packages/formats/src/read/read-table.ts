import { FormatError, type ReadLimits, resolveLimits } from "../errors";
import { fieldForHeader, normalizeHeader } from "../map/fields";
import { type CsvDelimiter, parseCsvBatches, type RawRow } from "./csv";
import { decodeText } from "./decode";
import { readJsonRecords } from "./json";
import { assertTextLike, type ReadNotice, sniffKind, type TableKind } from "./sniff";
import { type ByteInput, ByteSource } from "./source";
import { readXlsxBatches } from "./xlsx";
import { readXlsxBatchesInThread } from "./xlsx-thread";

/** What {@link readTable} reads: bytes, a file path or a byte stream, plus optional hints. */
export interface ReadTableInput extends ByteInput {
  /** Shown in messages only: the kind is sniffed from content, never from the name. */
  fileName?: string;
  limits?: Partial<ReadLimits>;
  /** For xlsx: sheet name or 1-based position (default: first visible sheet). */
  sheet?: string | number;
  /** For csv: force a delimiter instead of detecting it. */
  delimiter?: CsvDelimiter;
  /** Force the row holding the headers (1-based, as the user sees it) instead of finding it. */
  headerRow?: number;
  /**
   * For xlsx given by `path`: scan the sheet in a worker thread, so the caller's work on rows
   * overlaps with reading them and its event loop stays free (worth it for files of megabytes).
   */
  thread?: boolean;
  /**
   * Called as the file is read, with how far and out of how much: bytes of a CSV or JSON file
   * (when its size is known: bytes or a path), bytes of an xlsx sheet's XML. Rows decided from
   * what was read trail it by at most the reader's batch.
   */
  onProgress?: (read: number, total: number) => void;
}

/** The input's chunks, counted into `onProgress` as they are taken. */
async function* counted(
  chunks: AsyncIterable<Uint8Array>,
  total: number | null,
  onProgress: ((read: number, total: number) => void) | undefined,
): AsyncGenerator<Uint8Array> {
  if (!onProgress || total === null) {
    yield* chunks;
    return;
  }
  let read = 0;
  for await (const c of chunks) {
    read += c.byteLength;
    onProgress(Math.min(read, total), total);
    yield c;
  }
}

/** A table being read: headers known, data rows streamed once through `rows`. */
export interface Table {
  kind: TableKind;
  fileName?: string;
  sheetName?: string;
  /** For xlsx: the 1-based position of the sheet read among the workbook's sheets. */
  sheetPosition?: number;
  delimiter?: CsvDelimiter;
  /** 1-based row of the headers as the user sees it (0 for JSON, which has no header row). */
  headerRow: number;
  /** Column names; for JSON it grows when later records bring new keys. */
  headers: string[];
  /** Rows above the header row (titles, instructions, eBay's `Info,` line). */
  preamble: RawRow[];
  notices: ReadNotice[];
  /** Data rows with their row numbers as the user sees them; iterate once. */
  rows: AsyncIterable<RawRow>;
}

const HEADER_SCAN_ROWS = 12;

const MARKETPLACE_HEADERS = new Set(
  [
    "action",
    "format",
    "duration",
    "conditionid",
    "handle",
    "url handle",
    "vendor",
    "tags",
    "published",
    "option1 name",
    "option1 value",
    "variant grams",
    "variant inventory policy",
    "offer shipping",
    "subtitle",
    "location",
  ].map(normalizeHeader),
);

/** How header-like a row is: the number of cells that name a known listing column. */
export function headerScore(values: readonly string[]): number {
  let score = 0;
  for (const v of values) {
    if (!v || v.length > 80) continue;
    const n = normalizeHeader(v);
    if (
      fieldForHeader(v) ||
      MARKETPLACE_HEADERS.has(n) ||
      n.startsWith("action(") ||
      n.startsWith("c ")
    ) {
      score++;
    }
  }
  return score;
}

function pickHeader(rows: RawRow[], forced: number | undefined): number {
  if (forced !== undefined) {
    const idx = rows.findIndex((r) => r.row === forced);
    if (idx < 0) {
      throw new FormatError("NO_HEADER_ROW", `Row ${forced} is empty or beyond the first rows`);
    }
    return idx;
  }
  let best = -1;
  let bestScore = 0;
  for (let i = 0; i < rows.length; i++) {
    const s = headerScore((rows[i] as RawRow).values);
    if (s >= 2 && s > bestScore) {
      best = i;
      bestScore = s;
      break;
    }
    if (s > bestScore) {
      best = i;
      bestScore = s;
    }
  }
  if (best >= 0) return best;
  // Nothing recognisable: the first row that has at least two cells, else the first row.
  const multi = rows.findIndex((r) => r.values.filter((v) => v !== "").length >= 2);
  return Math.max(multi, 0);
}

/**
 * Rows from batches without an async-generator hop per row: rows already in hand are returned as
 * resolved promises, and only an empty buffer waits for the next batch.
 */
function rowsFromBatches(
  first: RawRow[],
  batches: AsyncIterator<RawRow[]>,
  onEnd: () => void,
): AsyncIterable<RawRow> {
  let buf = first;
  let i = 0;
  let done = false;
  const iterator: AsyncIterator<RawRow> = {
    async next() {
      while (i >= buf.length) {
        if (done) return { done: true, value: undefined };
        const n = await batches.next();
        if (n.done) {
          done = true;
          onEnd();
          return { done: true, value: undefined };
        }
        buf = n.value;
        i = 0;
      }
      return { done: false, value: buf[i++] as RawRow };
    },
    async return() {
      done = true;
      await batches.return?.();
      return { done: true, value: undefined };
    },
  };
  // The same rows, a batch at a time, for readers that can take them so (see rowBatches).
  async function* inBatches(): AsyncGenerator<RawRow[]> {
    try {
      if (i < buf.length) {
        const rest = i === 0 ? buf : buf.slice(i);
        i = buf.length;
        yield rest;
      }
      while (!done) {
        const n = await batches.next();
        if (n.done) {
          done = true;
          onEnd();
          return;
        }
        yield n.value;
      }
    } finally {
      if (!done) {
        done = true;
        await batches.return?.();
      }
    }
  }
  return { [Symbol.asyncIterator]: () => iterator, [BATCHES]: inBatches } as AsyncIterable<RawRow>;
}

const BATCHES = Symbol("rowBatches");

/**
 * A table's rows a batch at a time (as the reader produced them), without a promise per row;
 * iterate either this or the rows themselves, once.
 */
export async function* rowBatches(rows: AsyncIterable<RawRow>): AsyncGenerator<RawRow[]> {
  const own = (rows as { [BATCHES]?: () => AsyncGenerator<RawRow[]> })[BATCHES];
  if (own) {
    yield* own();
    return;
  }
  for await (const r of rows) yield [r];
}

/**
 * Reads a csv, xlsx or json table (kind sniffed from content), finds the header row and
 * returns the headers with a stream of data rows. Refusals are {@link FormatError}s with codes.
 */
export async function readTable(input: ReadTableInput): Promise<Table> {
  const limits = resolveLimits(input.limits);
  const source = await ByteSource.open(input, limits.maxFileBytes);
  const kind = sniffKind(source.head);
  const notices: ReadNotice[] = [];
  const table: Table = {
    kind,
    ...(input.fileName !== undefined ? { fileName: input.fileName } : {}),
    headerRow: 0,
    headers: [],
    preamble: [],
    notices,
    rows: (async function* () {})(),
  };
  if (kind === "json") {
    const records = readJsonRecords(
      decodeText(source.head, counted(source.chunks(), source.size, input.onProgress), notices),
      limits,
    );
    const first = await records.next();
    const headers = table.headers;
    const index = new Map<string, number>();
    const toRow = (r: { row: number; record: Record<string, string> }): RawRow => {
      const values: string[] = new Array(headers.length).fill("");
      for (const [k, v] of Object.entries(r.record)) {
        let i = index.get(k);
        if (i === undefined) {
          if (headers.length >= limits.maxColumns) {
            throw new FormatError(
              "TOO_MANY_COLUMNS",
              `More than ${limits.maxColumns} distinct keys`,
            );
          }
          i = headers.length;
          headers.push(k);
          index.set(k, i);
        }
        values[i] = v;
      }
      return { row: r.row, values };
    };
    const firstRows = first.done ? [] : [toRow(first.value)];
    table.rows = (async function* () {
      yield* firstRows;
      for await (const r of records) yield toRow(r);
    })();
    return table;
  }
  const blankRows: number[] = [];
  const onBlankRow = (row: number) => {
    if (blankRows.length < 1000) blankRows.push(row);
    else blankRows[999] = row;
  };
  let batches: AsyncGenerator<RawRow[]>;
  if (kind === "xlsx") {
    const options = {
      limits,
      ...(input.sheet !== undefined ? { sheet: input.sheet } : {}),
      onSheet: (name: string, position: number) => {
        table.sheetName = name;
        table.sheetPosition = position;
      },
      onBlankRow,
      ...(input.onProgress ? { onProgress: input.onProgress } : {}),
    };
    batches =
      input.thread && input.path !== undefined
        ? readXlsxBatchesInThread(input.path, options)
        : readXlsxBatches(source, options);
  } else {
    assertTextLike(source.head);
    batches = parseCsvBatches(
      decodeText(source.head, counted(source.chunks(), source.size, input.onProgress), notices),
      {
        limits,
        ...(input.delimiter ? { delimiter: input.delimiter } : {}),
        onDelimiter: (d) => {
          table.delimiter = d;
        },
        onBlankRow,
      },
    );
  }
  const look: RawRow[] = [];
  while (look.length < HEADER_SCAN_ROWS) {
    const next = await batches.next();
    if (next.done) break;
    look.push(...next.value);
  }
  if (look.length === 0) throw new FormatError("EMPTY_FILE", "The file has no rows");
  const h = pickHeader(
    input.headerRow === undefined ? look.slice(0, HEADER_SCAN_ROWS) : look,
    input.headerRow,
  );
  const headerRow = look[h] as RawRow;
  table.headerRow = headerRow.row;
  table.headers = headerRow.values.map((v) => v.trim());
  table.preamble = look.slice(0, h);
  // Blank rows carry no listing, but the user is told they were skipped (once reading ends).
  table.rows = rowsFromBatches(look.slice(h + 1), batches, () => {
    const after = blankRows.filter((r) => r > table.headerRow);
    if (after.length > 0) {
      notices.push({
        code: "BLANK_ROWS_SKIPPED",
        message: `${after.length >= 1000 ? "1000+" : after.length} empty row(s) were skipped (first: row ${after[0]})`,
      });
    }
  });
  return table;
}
