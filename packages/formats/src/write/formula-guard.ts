// = + - @ tab CR LF NUL: what spreadsheets treat as the start of a formula or DDE payload.
const TRIGGERS = new Set([61, 43, 45, 64, 9, 13, 10, 0]);
const QUOTE = 39;

/** Index of the first character after leading `'`s. */
function afterQuotes(value: string): number {
  let i = 0;
  while (value.charCodeAt(i) === QUOTE) i++;
  return i;
}

/**
 * Prefixes `'` to text a spreadsheet would treat as a formula (=, +, -, @, tab, CR, LF, NUL).
 * Text already starting with quotes before such a character gets one more, so stripping is exact.
 */
export function guardFormula(value: string): string {
  if (value.length === 0) return value;
  const i = afterQuotes(value);
  return i < value.length && TRIGGERS.has(value.charCodeAt(i)) ? `'${value}` : value;
}

/** Removes the guard {@link guardFormula} added, so export → import gives back the same text. */
export function stripFormulaGuard(value: string): string {
  if (value.charCodeAt(0) !== QUOTE) return value;
  const i = afterQuotes(value);
  return i < value.length && TRIGGERS.has(value.charCodeAt(i)) ? value.slice(1) : value;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding those characters is the point
const XML_INVALID = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding those characters is the point
const XML_INVALID_ALL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g;

/**
 * The text an XLSX cell stores: the control characters XML cannot hold dropped (as exceljs' and
 * the table writer's escaping would drop them), then, with `guard`, guarded. The order matters:
 * guarded first, "\u0001=HYPERLINK(...)" would pass the guard and only lose its first character
 * when written, leaving a live formula in the file.
 */
export function xlsxCellText(value: string, guard: boolean): string {
  const s = XML_INVALID.test(value) ? value.replace(XML_INVALID_ALL, "") : value;
  return guard ? guardFormula(s) : s;
}
