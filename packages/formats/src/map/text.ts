const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  ndash: "\u2013",
  mdash: "\u2014",
  hellip: "\u2026",
  rsquo: "\u2019",
  lsquo: "\u2018",
  rdquo: "\u201d",
  ldquo: "\u201c",
  trade: "\u2122",
  reg: "\u00ae",
  copy: "\u00a9",
  deg: "\u00b0",
  times: "\u00d7",
  frac12: "\u00bd",
  bull: "\u2022",
  eacute: "\u00e9",
  euro: "\u20ac",
  pound: "\u00a3",
};

const ENTITY = /&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,8});/gi;

/** Decodes HTML character references (`&amp;`, `&#39;`, `&#x2014;`); unknown ones stay as typed. */
export function decodeHtmlEntities(s: string): string {
  if (s.indexOf("&") === -1) return s;
  return s.replace(ENTITY, (m, body: string) => {
    if (body[0] === "#") {
      const code =
        body[1] === "x" || body[1] === "X"
          ? Number.parseInt(body.slice(2), 16)
          : Number.parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
        ? String.fromCodePoint(code)
        : m;
    }
    return NAMED[body.toLowerCase()] ?? m;
  });
}

/** Result of {@link parsePrice}: the canonical decimal string and whether the text needed cleaning. */
export interface ParsedPrice {
  value: string;
  cleaned: boolean;
}

/**
 * Reads prices the way sellers type them (`$1,299`, `1 299,00 €`, `USD 12.50`) into a plain
 * decimal string; null when the text is not a price.
 */
export function parsePrice(text: string): ParsedPrice | null {
  const t = text.trim();
  if (t === "") return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    return { value: canonicalDecimal(t), cleaned: false };
  }
  let s = t.replace(/^(usd|cad|eur|gbp|aud|us)\s*/i, "").replace(/\s*(usd|cad|eur|gbp|aud)$/i, "");
  s = s.replace(/[$€£¥\s\u00a0]/g, "");
  let neg = false;
  if (s.startsWith("-")) {
    neg = true;
    s = s.slice(1);
  }
  if (!/^[\d.,']+$/.test(s) || !/\d/.test(s)) return null;
  const lastDot = s.lastIndexOf(".");
  const lastComma = s.lastIndexOf(",");
  let intPart: string;
  let frac = "";
  if (lastDot >= 0 && lastComma >= 0) {
    const dec = lastDot > lastComma ? "." : ",";
    const at = Math.max(lastDot, lastComma);
    intPart = s.slice(0, at).replace(/[.,']/g, "");
    frac = s.slice(at + 1);
    if (frac.includes(dec === "." ? "," : ".")) return null;
  } else if (lastComma >= 0) {
    const groups = s.split(",");
    const last = groups[groups.length - 1] ?? "";
    if (groups.length === 2 && last.length !== 3) {
      intPart = groups[0] ?? "";
      frac = last;
    } else {
      intPart = groups.join("");
    }
  } else if (lastDot >= 0) {
    const groups = s.split(".");
    if (groups.length > 2) intPart = groups.join("");
    else {
      intPart = groups[0] ?? "";
      frac = groups[1] ?? "";
    }
  } else intPart = s;
  intPart = intPart.replace(/'/g, "");
  if (!/^\d*$/.test(intPart) || !/^\d*$/.test(frac) || (intPart === "" && frac === "")) return null;
  const value = canonicalDecimal(`${neg ? "-" : ""}${intPart || "0"}${frac ? `.${frac}` : ""}`);
  return { value, cleaned: true };
}

/** Drops leading zeros of the integer part ("007.50" → "7.50"); keeps the fraction as written. */
export function canonicalDecimal(s: string): string {
  const neg = s.startsWith("-");
  const body = neg ? s.slice(1) : s;
  const [i = "0", f] = body.split(".");
  const int = i.replace(/^0+(?=\d)/, "");
  const out = f !== undefined && f !== "" ? `${int}.${f}` : int;
  return neg && /[1-9]/.test(out) ? `-${out}` : out;
}

/** Yes/No, TRUE/FALSE, 1/0, Y/N → boolean; null for anything else. */
export function parseBoolean(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (["yes", "y", "true", "1", "on"].includes(t)) return true;
  if (["no", "n", "false", "0", "off"].includes(t)) return false;
  return null;
}

/** Lower-case letters, digits and dashes, as Shopify handles are. */
export function slugify(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** Splits a cell of image URLs: a JSON array, or values separated by `|`, newlines or `;`. */
export function splitUrls(text: string): string[] {
  const t = text.trim();
  if (t === "") return [];
  if (t.startsWith("[")) {
    try {
      const arr: unknown = JSON.parse(t);
      if (Array.isArray(arr)) return arr.map((x) => String(x)).filter((x) => x !== "");
    } catch {
      // not JSON: fall through to separators
    }
  }
  return t
    .split(/\s*[|\n;]\s*/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** True for an absolute http(s) URL. */
export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}
