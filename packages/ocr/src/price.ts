/** A money amount found in text. */
export interface ParsedPrice {
  amount: number;
  /** ISO 4217 code; the default currency when the text names none. */
  currency: string;
  /** True when the text itself named the currency (symbol or code). */
  explicitCurrency: boolean;
  /** The matched text. */
  raw: string;
  /** 0..1: explicit currency or "each" is strong, a bare 12.50 is weak. */
  strength: number;
}

const SYMBOLS: Record<string, string> = {
  US$: "USD",
  $: "USD",
  "€": "EUR",
  "£": "GBP",
  "¥": "JPY",
  "₹": "INR",
  C$: "CAD",
  CA$: "CAD",
  A$: "AUD",
  AU$: "AUD",
  NZ$: "NZD",
  HK$: "HKD",
  MX$: "MXN",
  S$: "SGD",
  R$: "BRL",
};
const CODES = [
  "USD",
  "EUR",
  "GBP",
  "CAD",
  "AUD",
  "JPY",
  "CHF",
  "NZD",
  "MXN",
  "SEK",
  "NOK",
  "DKK",
  "PLN",
  "BRL",
  "HKD",
  "SGD",
  "INR",
];

// A dollar sign with letters before it names its own dollar (R$ is the real, NZ$ New Zealand's),
// and a code counts only as a word of its own: "EUR" in "Euros", "AUD" in "Audio" are not codes.
const CURRENCY = `(?:(?<![A-Za-z])(?:US|CA|AU|NZ|HK|MX|C|A|S|R)\\$|[$€£¥₹]|(?<![A-Za-z])(?:${CODES.join("|")})(?![A-Za-z]))`;
const NUMBER = "\\d{1,3}(?:[.,'\\u00a0 ]\\d{3})+(?:[.,]\\d{1,2})?|\\d+(?:[.,]\\d{1,2})?";
const PRICE_RE = new RegExp(
  `(?<pre>${CURRENCY})?\\s?(?<num>${NUMBER})(?![\\d])(?:\\s?(?<post>${CURRENCY}))?(?:\\s*(?<each>each|ea\\.?|/\\s?ea|per\\s+(?:unit|item|piece|pc)|/\\s?(?:unit|pc)))?`,
  "giu",
);

function currencyOf(token: string | undefined): string | null {
  if (!token) return null;
  const upper = token.toUpperCase();
  return SYMBOLS[upper] ?? SYMBOLS[token] ?? (CODES.includes(upper) ? upper : null);
}

/**
 * Reads a number written with either decimal convention: `1,299.00`, `1.299,00`, `1 299,00`,
 * `12.50`, `12,5`, `1,299` (thousands) — the last separator followed by one or two digits is
 * the decimal point.
 */
export function parseAmount(text: string): number | null {
  const s = text.replace(/[\s\u00a0']/g, "");
  if (!/^\d[\d.,]*$/.test(s)) return null;
  const lastDot = s.lastIndexOf(".");
  const lastComma = s.lastIndexOf(",");
  const last = Math.max(lastDot, lastComma);
  let integer = s;
  let fraction = "";
  if (last >= 0) {
    const tail = s.slice(last + 1);
    const sep = s.charAt(last);
    const count = s.split(sep).length - 1;
    const isDecimal = tail.length > 0 && tail.length <= 2 && (count === 1 || lastDot !== lastComma);
    if (isDecimal) {
      integer = s.slice(0, last);
      fraction = tail;
    }
  }
  const digits = integer.replace(/[.,]/g, "");
  if (!/^\d+$/.test(digits)) return null;
  const value = Number(fraction ? `${digits}.${fraction}` : digits);
  return Number.isFinite(value) ? value : null;
}

/** Finds every price in a line of text (see {@link parsePrice} for the accepted forms). */
export function findPrices(
  text: string,
  defaultCurrency = "USD",
): Array<ParsedPrice & { index: number }> {
  const found: Array<ParsedPrice & { index: number }> = [];
  PRICE_RE.lastIndex = 0;
  for (let m = PRICE_RE.exec(text); m !== null; m = PRICE_RE.exec(text)) {
    const groups = m.groups ?? {};
    const num = groups.num ?? "";
    const start = m.index;
    // The match may begin with the space before the number: what counts is the character
    // before the number itself ("Desk lamp 12.50 EUR" is a price; "NW-1001" is not).
    const lead = m[0].length - m[0].trimStart().length;
    // A number that is no price gives back the currency after it to the next number:
    // in "OB-77 $185" the $ belongs to 185, not to the SKU's 77.
    PRICE_RE.lastIndex = start + m[0].indexOf(num) + num.length;
    const amount = parseAmount(num);
    if (amount === null) continue;
    const before = text.charAt(start + lead - 1);
    const after = text.charAt(start + m[0].length);
    // Part of a code or a longer token (SKU NW-1001, 18V, 7-1/4): not a price.
    if (/[A-Za-z0-9\-/]/.test(before) && !groups.pre) continue;
    if (/[A-Za-z0-9\-/%]/.test(after)) continue;
    // Digits grouped by spaces right after a word may be two numbers ("Size 10 150.00 EUR").
    if (/[\s\u00a0]/.test(num) && !groups.pre && /[A-Za-z0-9]/.test(text.charAt(start - 1)))
      continue;
    const currency = currencyOf(groups.pre) ?? currencyOf(groups.post);
    const hasDecimals = /[.,]\d{2}$/.test(num);
    let strength = 0;
    if (currency) strength = 1;
    else if (groups.each) strength = 0.9;
    // A bare decimal right after a word is more often a measure ("Weight 2.50 kg") than a price.
    else if (
      hasDecimals &&
      num.length === m[0].trim().length &&
      !/[A-Za-z0-9]/.test(text.charAt(start - 1))
    )
      strength = 0.5;
    if (strength === 0) continue;
    PRICE_RE.lastIndex = start + m[0].length;
    found.push({
      amount,
      currency: currency ?? defaultCurrency,
      explicitCurrency: currency !== null,
      raw: m[0].trim(),
      strength,
      index: start + lead,
    });
  }
  return found;
}

/**
 * Parses the first price in `text`: `$1,299.00`, `1.299,00 €`, `€119,90`, `12.50 each`,
 * `USD 40`, `40 EUR`, `£18.75`, `US$ 12`. Bare integers are not prices; bare decimals are
 * weak ones. Returns null when there is none.
 */
export function parsePrice(text: string, defaultCurrency = "USD"): ParsedPrice | null {
  const first = findPrices(text, defaultCurrency)[0];
  if (!first) return null;
  const { index: _index, ...price } = first;
  return price;
}
