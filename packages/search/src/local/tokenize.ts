// Units written after a number are folded to one spelling so "12 volt", "12-V" and "12v" match.
const UNIT_SPELLINGS: Record<string, string[]> = {
  v: ["v", "volt", "volts", "vdc"],
  ah: ["ah", "amphour", "amphours"],
  mah: ["mah"],
  w: ["w", "watt", "watts"],
  kw: ["kw", "kilowatt", "kilowatts"],
  kwh: ["kwh"],
  wh: ["wh"],
  amp: ["amp", "amps", "ampere", "amperes"],
  gb: ["gb", "gig", "gigs", "gigabyte", "gigabytes"],
  tb: ["tb", "terabyte", "terabytes"],
  mb: ["mb", "megabyte", "megabytes"],
  in: ["in", "inch", "inches", "inchs"],
  ft: ["ft", "foot", "feet"],
  mm: ["mm"],
  cm: ["cm"],
  lb: ["lb", "lbs", "pound", "pounds"],
  kg: ["kg", "kgs", "kilo", "kilos"],
  oz: ["oz"],
  hp: ["hp", "horsepower"],
  cc: ["cc"],
  l: ["l", "liter", "liters", "litre", "litres"],
  ml: ["ml"],
  mp: ["mp", "megapixel", "megapixels"],
  hz: ["hz"],
  ghz: ["ghz"],
  k: ["k"],
  p: ["p"],
  mph: ["mph"],
  gal: ["gal", "gallon", "gallons"],
  qt: ["qt", "quart", "quarts"],
  pc: ["pc", "pcs", "piece", "pieces"],
  btu: ["btu"],
  psi: ["psi"],
  g: ["g"],
  ton: ["ton", "tons"],
  seater: ["seater", "seat", "seats"],
  speed: ["speed", "spd"],
  yr: ["yr", "yrs", "year", "years"],
};

const UNIT: Map<string, string> = new Map();
for (const [canon, spellings] of Object.entries(UNIT_SPELLINGS)) {
  for (const s of spellings) UNIT.set(s, canon);
}

/** Words that carry no product meaning (articles, sales talk, price intent). */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an the and or for with without of in on to at by from is are was were be been it its this that these those " +
    "my your our we you i me us they them as has have had will can could would should just very so if but not no " +
    "all any some more most also than then there here up out only into over about per each such get got come comes " +
    "include includes including included plus great excellent good nice perfect awesome amazing beautiful fair like " +
    "condition works working work cheap cheapest affordable budget bargain deal deals price priced obo firm " +
    "negotiable sale sell selling sold buy pickup pick local cash ship shipping offer offers available item items " +
    "please message contact thanks thank looking need needs want wanted one two etc what which who where when how " +
    "do does did don t s"
  ).split(" "),
);

/** Light English stemmer: plural forms only, so "batteries" and "battery" share a token. */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(?:ss|x|ch|sh|z)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("s") && !/(?:ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

const NUMBER_UNIT = /^(\d+(?:\.\d+)?)([a-z]+)$/;
const NUMBER = /^\d+(?:\.\d+)?$/;

/** Lower-cases, strips accents and turns inch marks into a unit word. */
export function normalizeText(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/(\d)\s*(?:"|''|”|″)/g, "$1 in ")
    .replace(/(\d),(\d{3})\b/g, "$1$2");
}

/**
 * Splits one line into search tokens: unit-merged ("12v", "128gb"), plural-stemmed, stopwords
 * removed. `limit` bounds the work on hostile input.
 */
export function tokenize(line: string, limit = 512): string[] {
  const raw = normalizeText(line).match(/[a-z0-9]+(?:\.[0-9]+)?/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < raw.length && out.length < limit; i++) {
    const tok = raw[i] ?? "";
    if (tok.length > 40) continue;
    if (NUMBER.test(tok)) {
      const next = raw[i + 1];
      const unit = next === undefined ? undefined : UNIT.get(next);
      if (unit !== undefined) {
        // "100 amp hour" is one unit spread over two words.
        if (unit === "amp" && raw[i + 2] !== undefined && /^hours?$/.test(raw[i + 2] ?? "")) {
          out.push(`${tok}ah`);
          i += 2;
        } else {
          out.push(`${tok}${unit}`);
          i += 1;
        }
        continue;
      }
      out.push(tok);
      continue;
    }
    const m = NUMBER_UNIT.exec(tok);
    if (m) {
      const unit = UNIT.get(m[2] ?? "");
      out.push(unit === undefined ? tok : `${m[1]}${unit}`);
      continue;
    }
    if (STOPWORDS.has(tok)) continue;
    out.push(stem(tok));
  }
  return out;
}

/** Kind of token, which decides the features it produces. */
export function tokenKind(tok: string): "number" | "measure" | "word" {
  if (NUMBER.test(tok)) return "number";
  const m = NUMBER_UNIT.exec(tok);
  if (m && UNIT.has(m[2] ?? "")) return "measure";
  return "word";
}

/** The unit of a measure token ("12v" → "v"), or undefined. */
export function unitOf(tok: string): string | undefined {
  const m = NUMBER_UNIT.exec(tok);
  return m ? m[2] : undefined;
}
