import { FormatError, type ReadLimits, resolveLimits } from "../errors";
import { stripFormulaGuard } from "../write/formula-guard";

/** One row as read from a file: `row` is the 1-based record/row number the user sees. */
export interface RawRow {
  row: number;
  values: string[];
}

/** The delimiters CSV detection chooses between. */
export type CsvDelimiter = "," | ";" | "\t";

/** Options of {@link parseCsvText}. */
export interface CsvParseOptions {
  delimiter?: CsvDelimiter;
  limits: ReadLimits;
  /** Remove the `'` formula-injection guard our exports add (default true). */
  stripGuard?: boolean;
  /** Called once the delimiter is known. */
  onDelimiter?: (d: CsvDelimiter) => void;
  /** Called with the row number of each row skipped because every cell is empty. */
  onBlankRow?: (row: number) => void;
}

/** Picks `,` `;` or tab by how consistently each splits the first lines (quotes respected). */
export function detectDelimiter(sample: string): CsvDelimiter {
  const candidates: CsvDelimiter[] = [",", ";", "\t"];
  const lines: Record<string, number[]> = { ",": [], ";": [], "\t": [] };
  const counts: Record<string, number> = { ",": 0, ";": 0, "\t": 0 };
  let inQuotes = false;
  let lineCount = 0;
  for (let i = 0; i < sample.length && lineCount < 20; i++) {
    const c = sample[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (c === "\n" || c === "\r")) {
      if (c === "\r" && sample[i + 1] === "\n") i++;
      for (const d of candidates) (lines[d] as number[]).push(counts[d] as number);
      for (const d of candidates) counts[d] = 0;
      lineCount++;
    } else if (!inQuotes && (c === "," || c === ";" || c === "\t")) {
      counts[c] = (counts[c] as number) + 1;
    }
  }
  if (lineCount === 0) for (const d of candidates) (lines[d] as number[]).push(counts[d] as number);
  let best: CsvDelimiter = ",";
  let bestScore = 0;
  for (const d of candidates) {
    const per = lines[d] as number[];
    // Skip a possible preamble line (eBay's "Info," line) by scoring from the most common count.
    const freq = new Map<number, number>();
    for (const n of per) if (n > 0) freq.set(n, (freq.get(n) ?? 0) + 1);
    let score = 0;
    for (const [n, f] of freq) score = Math.max(score, f * 1000 + n);
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Line breaks in a cell's text: LF, CRLF and a lone CR each count once. */
function lineBreaks(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  for (let i = text.indexOf("\r"); i !== -1; i = text.indexOf("\r", i + 1)) {
    if (text.charCodeAt(i + 1) !== LF) n++;
  }
  return n;
}

/**
 * Streaming CSV parser over decoded text chunks. Keeps every value as text, accepts CRLF/LF and
 * quoted fields with newlines, and fails fast (TOO_MANY_COLUMNS, CELL_TOO_LONG, TOO_MANY_ROWS)
 * without ever holding more than one row.
 */
export async function* parseCsvText(
  chunks: AsyncIterable<string>,
  options: CsvParseOptions,
): AsyncGenerator<RawRow> {
  for await (const batch of parseCsvBatches(chunks, options)) yield* batch;
}

/**
 * The records of a whole CSV text (a BOM and blank records dropped), read as an import reads
 * them, under the default limits: for files small enough to hold, such as an export's.
 */
export async function csvRecords(text: string, delimiter: CsvDelimiter = ","): Promise<string[][]> {
  const rows: string[][] = [];
  const chunks = (async function* () {
    yield text.replace(/^\uFEFF/, "");
  })();
  for await (const r of parseCsvText(chunks, { delimiter, limits: resolveLimits({}) }))
    rows.push(r.values);
  return rows;
}

/** {@link parseCsvText}, but yielding the rows of each text chunk together (cheaper per row). */
export async function* parseCsvBatches(
  chunks: AsyncIterable<string>,
  options: CsvParseOptions,
): AsyncGenerator<RawRow[]> {
  const { limits } = options;
  const strip = options.stripGuard !== false;
  let delim = options.delimiter;
  let d = 0;
  let fields: string[] = [];
  let field = "";
  let inQuotes = false;
  let quotePending = false; // saw a quote inside quotes at a chunk end
  let skipLf = false;
  let rowNo = 0;
  let dataRows = 0;
  let fieldStarted = false;
  let out: RawRow[] = [];
  // Lines as a text editor numbers them: a quote left open is reported by the line it opened on.
  // Rows ended so far account for one line each; line breaks inside quoted cells add the rest.
  let quotedBreaks = 0;
  let quoted = false;
  let quoteLine = 0;
  let quoteColumn = 0;

  const tooLong = () =>
    inQuotes
      ? new FormatError(
          "CELL_TOO_LONG",
          `Row ${rowNo + 1}, column ${fields.length + 1}: the quoted cell opened on line ${quoteLine} runs past ${limits.maxCellChars} characters; is its closing quote missing?`,
          {
            row: rowNo + 1,
            column: fields.length + 1,
            line: quoteLine,
            maxCellChars: limits.maxCellChars,
          },
        )
      : new FormatError(
          "CELL_TOO_LONG",
          `Row ${rowNo + 1}, column ${fields.length + 1}: a cell is longer than ${limits.maxCellChars} characters`,
          { row: rowNo + 1, column: fields.length + 1, maxCellChars: limits.maxCellChars },
        );
  const endField = () => {
    if (fields.length >= limits.maxColumns) {
      throw new FormatError(
        "TOO_MANY_COLUMNS",
        `Row ${rowNo + 1} has more than ${limits.maxColumns} columns`,
        { row: rowNo + 1, maxColumns: limits.maxColumns },
      );
    }
    if (quoted) {
      quotedBreaks += lineBreaks(field);
      quoted = false;
    }
    fields.push(strip ? stripFormulaGuard(field) : field);
    field = "";
    fieldStarted = false;
  };
  const endRow = () => {
    endField();
    rowNo++;
    let blank = true;
    for (const f of fields) {
      if (f !== "") {
        blank = false;
        break;
      }
    }
    if (!blank) {
      dataRows++;
      if (dataRows > limits.maxRows + 1) {
        throw new FormatError("TOO_MANY_ROWS", `The file has more than ${limits.maxRows} rows`, {
          maxRows: limits.maxRows,
        });
      }
      out.push({ row: rowNo, values: fields });
    } else options.onBlankRow?.(rowNo);
    fields = [];
  };

  for await (const chunk of chunks) {
    if (delim === undefined) {
      delim = detectDelimiter(chunk);
      options.onDelimiter?.(delim);
    }
    d = delim.charCodeAt(0);
    if (chunk.indexOf("\u0000") !== -1) {
      throw new FormatError("BINARY_CONTENT", "The file contains NUL characters: it is not text");
    }
    const n = chunk.length;
    let i = 0;
    if (skipLf) {
      if (n > 0 && chunk.charCodeAt(0) === LF) i = 1;
      skipLf = false;
    }
    if (quotePending) {
      quotePending = false;
      if (chunk.charCodeAt(i) === QUOTE) {
        field += '"';
        i++;
      } else {
        inQuotes = false;
      }
    }
    while (i < n) {
      if (inQuotes) {
        const j = chunk.indexOf('"', i);
        if (j === -1) {
          field += chunk.slice(i);
          if (field.length > limits.maxCellChars) throw tooLong();
          i = n;
          break;
        }
        field += chunk.slice(i, j);
        if (field.length > limits.maxCellChars) throw tooLong();
        i = j + 1;
        if (i === n) {
          quotePending = true;
          break;
        }
        if (chunk.charCodeAt(i) === QUOTE) {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (c === QUOTE && !fieldStarted && field === "") {
        inQuotes = true;
        fieldStarted = true;
        quoted = true;
        quoteLine = 1 + rowNo + quotedBreaks;
        quoteColumn = fields.length + 1;
        i++;
        continue;
      }
      let j = i;
      while (j < n) {
        const cj = chunk.charCodeAt(j);
        if (cj === d || cj === LF || cj === CR) break;
        j++;
      }
      if (j > i) {
        field += chunk.slice(i, j);
        fieldStarted = true;
        if (field.length > limits.maxCellChars) throw tooLong();
      }
      if (j === n) {
        i = n;
        break;
      }
      const cj = chunk.charCodeAt(j);
      if (cj === d) {
        endField();
      } else {
        endRow();
        if (cj === CR) {
          if (j + 1 < n) {
            if (chunk.charCodeAt(j + 1) === LF) j++;
          } else {
            skipLf = true;
          }
        }
      }
      i = j + 1;
    }
    if (out.length > 0) {
      const batch = out;
      out = [];
      yield batch;
    }
  }
  if (quotePending) inQuotes = false;
  if (inQuotes) {
    // Read on, the rest of the file would be one cell: refuse it, naming where the quote opened.
    throw new FormatError(
      "UNTERMINATED_QUOTE",
      `The quote opened on line ${quoteLine} (row ${rowNo + 1}, column ${quoteColumn}) is never closed, so everything after it would be one cell. Close the quote or remove it.`,
      { line: quoteLine, row: rowNo + 1, column: quoteColumn },
    );
  }
  if (field !== "" || fields.length > 0 || fieldStarted) endRow();
  if (out.length > 0) yield out;
}
