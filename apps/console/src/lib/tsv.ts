/** Most rows one paste accepts, so a runaway clipboard cannot freeze the tab. */
export const PASTE_MAX_ROWS = 10_000;
/** Most columns one paste accepts. */
export const PASTE_MAX_COLS = 64;

/**
 * Parses tab-separated text as Excel and Google Sheets put it on the clipboard: fields containing
 * tabs, newlines or quotes are wrapped in double quotes, with inner quotes doubled. A trailing
 * newline does not add an empty row. Rows may have different lengths.
 *
 * A spreadsheet quotes a cell only when it has to, so a cell that merely looks quoted but holds
 * none of those characters (`"Hello"`, or `""`) was not quoted by it: it comes from a cell whose
 * text starts with a quote (from a program that does not quote), and is kept as typed. Likewise a
 * quote that is not closed right before a tab or line end is an ordinary character.
 */
export function parseTsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let atFieldStart = true;
  const s = text.replace(/\r\n?/g, "\n");
  while (i < s.length) {
    const ch = s[i];
    if (atFieldStart && ch === '"') {
      // Quoted field: runs to the closing quote that is not doubled.
      let j = i + 1;
      let value = "";
      let closed = false;
      while (j < s.length) {
        const c = s[j];
        if (c === '"') {
          if (s[j + 1] === '"') {
            value += '"';
            j += 2;
            continue;
          }
          closed = true;
          j++;
          break;
        }
        value += c;
        j++;
      }
      if (closed && (j >= s.length || s[j] === "\t" || s[j] === "\n") && /[\t\n"]/.test(value)) {
        field = value;
        i = j;
        atFieldStart = false;
        continue;
      }
      // Not a field a spreadsheet quoted (e.g. `"12" screen`, or `"Hello"` with nothing in it that
      // needed quotes): the quote is literal and the cell ends at the next tab as usual.
      field += ch;
      i++;
      atFieldStart = false;
      continue;
    }
    if (ch === "\t") {
      row.push(field);
      field = "";
      atFieldStart = true;
      if (row.length > PASTE_MAX_COLS)
        throw new PasteTooLargeError(`More than ${PASTE_MAX_COLS} columns`);
    } else if (ch === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      atFieldStart = true;
      if (rows.length > PASTE_MAX_ROWS)
        throw new PasteTooLargeError(`More than ${PASTE_MAX_ROWS} rows`);
    } else {
      field += ch;
      atFieldStart = false;
    }
    i++;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Thrown when pasted text exceeds the grid's paste bounds. */
export class PasteTooLargeError extends Error {
  readonly code = "PASTE_TOO_LARGE";
}

/** Quotes a cell the way spreadsheets expect when it holds a tab, newline or quote. */
export function tsvCell(v: string): string {
  return /[\t\n\r"]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Serialises a block of cells for the clipboard (Excel/Sheets compatible). */
export function toTsv(rows: string[][]): string {
  return rows.map((r) => r.map(tsvCell).join("\t")).join("\n");
}
