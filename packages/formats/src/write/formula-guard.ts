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

/**
 * Control characters a cell shows as nothing and that XML cannot hold as they are (C0 but tab,
 * LF, CR and NUL; and DEL): readers that do not decode `_xHHHH_` or drop what it decodes to
 * lose them, so the xlsx guard looks past them.
 */
function hiddenControl(c: number): boolean {
  return (c >= 1 && c <= 8) || c === 11 || c === 12 || (c >= 14 && c <= 31) || c === 127;
}

/** Whether the first character after leading `'`s and hidden controls starts a formula. */
function xlsxTriggered(value: string): boolean {
  let i = 0;
  let c = value.charCodeAt(0);
  while (c === QUOTE || hiddenControl(c)) c = value.charCodeAt(++i);
  return i < value.length && TRIGGERS.has(c);
}

/**
 * {@link guardFormula} for xlsx cells, which keep control characters: the trigger is looked for
 * past leading hidden controls too, so "\u0001=HYPERLINK(...)" is guarded, and a reader that
 * drops the control still finds `'=HYPERLINK(...)` rather than a live formula. Text without
 * such controls is guarded exactly as by {@link guardFormula}.
 */
export function guardXlsxFormula(value: string): string {
  return xlsxTriggered(value) ? `'${value}` : value;
}

/** Removes the guard {@link guardXlsxFormula} added. */
export function stripXlsxFormulaGuard(value: string): string {
  return value.charCodeAt(0) === QUOTE && xlsxTriggered(value) ? value.slice(1) : value;
}

/**
 * What ST_Xstring text (cell values, shared and inline strings) cannot carry as it is, each
 * written as `_xHHHH_` (one UTF-16 unit): C0 controls but tab and LF (XML cannot hold them; a
 * raw CR would be read back as LF, so it is `_x000D_` as Excel writes it), DEL, U+FFFE/U+FFFF
 * and unpaired surrogates (which UTF-8 cannot encode); and the `_` of text that reads as such an
 * escape itself (`_x0041_` is written `_x005F_x0041_`), so it is not decoded on the way back.
 * `x` is escaped in either case, for readers that take `_X0041_` as an escape too.
 */
const XSTRING_ESCAPES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding those characters is the point
  /[\x00-\x08\x0B-\x1F\x7F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|[\uDC00-\uDFFF](?<![\uD800-\uDBFF][\uDC00-\uDFFF])|_(?=[xX][0-9A-Fa-f]{4}_)/g;
/** The characters of {@link XSTRING_ESCAPES} alone: with `_x`/`_X` looked for apart, ~2x faster. */
const XSTRING_CHARS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding those characters is the point
  /[\x00-\x08\x0B-\x1F\x7F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|[\uDC00-\uDFFF](?<![\uD800-\uDBFF][\uDC00-\uDFFF])/;

function xstringUnit(c: string): string {
  return `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}_`;
}

/** Text escaped as ST_Xstring (see {@link XSTRING_ESCAPES}); the XML specials are left as they are. */
export function encodeXstring(value: string): string {
  return XSTRING_CHARS.test(value) || value.indexOf("_x") !== -1 || value.indexOf("_X") !== -1
    ? value.replace(XSTRING_ESCAPES, xstringUnit)
    : value;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Decodes the `_xHHHH_` escapes of ST_Xstring text (hex digits in either case), the text of one
 * `<t>` or `<v>` element: `_x000D_` is a CR, `_x005F_` a `_`, so `_x005F_x0041_` is the text
 * `_x0041_`. `_x0000_` gives nothing, as a listing cannot hold NUL. Text without `_x` is
 * returned as it is, without a copy.
 */
export function decodeXstring(s: string): string {
  let at = s.indexOf("_x");
  if (at === -1) return s;
  let out = "";
  let from = 0;
  while (at !== -1) {
    let unit = -1;
    if (at + 6 < s.length && s.charCodeAt(at + 6) === 95 /* _ */) {
      const a = hexDigit(s.charCodeAt(at + 2));
      const b = hexDigit(s.charCodeAt(at + 3));
      const c = hexDigit(s.charCodeAt(at + 4));
      const d = hexDigit(s.charCodeAt(at + 5));
      if ((a | b | c | d) >= 0) unit = (a << 12) | (b << 8) | (c << 4) | d;
    }
    if (unit === -1) {
      at = s.indexOf("_x", at + 1);
      continue;
    }
    out += s.slice(from, at);
    if (unit !== 0) out += String.fromCharCode(unit);
    from = at + 7;
    at = s.indexOf("_x", from);
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * The text an XLSX cell stores: NUL dropped (a listing cannot hold it; CSV and SQL exports drop
 * it too), then, with `guard`, guarded by {@link guardXlsxFormula}, then escaped as ST_Xstring
 * ({@link encodeXstring}), so every other character, CR and controls included, reads back as
 * written. Only the XML specials (`<`, `&`, ...) are left to the XML writer.
 */
export function xlsxCellText(value: string, guard: boolean): string {
  const s = value.indexOf("\u0000") === -1 ? value : value.replaceAll("\u0000", "");
  return encodeXstring(guard ? guardXlsxFormula(s) : s);
}
