import {
  buildRows,
  cleanWords,
  type Region,
  type Row,
  type Segment,
  splitRegions,
  unionBox,
} from "./layout";
import { findPrices, type ParsedPrice, parseAmount } from "./price";
import type { Box, Word } from "./types";

/** One extracted value with its confidence (0..1) and where it was read. */
export interface Field<T> {
  value: T;
  confidence: number;
  box: Box;
}

/** A listing the seller can accept, edit or discard. */
export interface Candidate {
  page: number;
  box: Box;
  title: Field<string>;
  price?: Field<number>;
  currency?: Field<string>;
  quantity?: Field<number>;
  sku?: Field<string>;
  condition?: Field<string>;
  description?: Field<string>;
  /** Overall confidence: the weakest of title and price. */
  confidence: number;
  /** The lines the candidate was built from, for display. */
  sourceText: string;
}

/** Options for {@link extractCandidates}. */
export interface ExtractOptions {
  page: number;
  /** Currency assumed for prices such as `12.50 each` (default USD). */
  defaultCurrency?: string;
}

const CONDITIONS = [
  "brand new",
  "like new",
  "open box",
  "new with tags",
  "new",
  "used",
  "refurbished",
  "renewed",
  "remanufactured",
  "pre-owned",
  "for parts",
  "damaged",
  "good",
  "fair",
];
const CONDITION_RE = new RegExp(
  `\\b(${CONDITIONS.map((c) => c.replace("-", "\\-")).join("|")})\\b`,
  "i",
);
const SKU_LABEL_RE =
  /\b(?:SKU|Item\s*(?:No|#)|Part\s*(?:No|#)|Model|Ref)\b\.?\s*[:#]?\s*([A-Z0-9][A-Z0-9\-_./]{2,})/i;
const SKU_TOKEN_RE = /^(?=[A-Z0-9\-_]*\d)(?=[A-Z0-9\-_]*[A-Z])[A-Z0-9]{1,8}[-_][A-Z0-9\-_]{2,}$/;
/** Dot leaders between a name and its price ("Maple Chair ........ 45"), alone or glued to a word. */
const LEADER_END_RE = /(?:[.·]{3,}|…)$/;
const LEADER_START_RE = /^(?:[.·]{3,}|…+)/;
const BARE_AMOUNT_RE = /^(?:\d{1,3}(?:[.,]\d{3})+|\d+)(?:[.,]\d{1,2})?$/;
const QTY_LABEL_RE = /\b(?:Qty|Quantity|Stock|Qté|Units?)\.?\s*[:#]?\s*(\d{1,5})\b/i;
const HEADER_WORDS =
  /^(item|items|sku|qty|quantity|price|condition|description|product|unit|total)$/i;

function meanConfidence(words: Word[]): number {
  if (words.length === 0) return 0;
  return words.reduce((s, w) => s + w.confidence, 0) / words.length;
}

function wordsMatching(segment: Segment, text: string): Word[] {
  const parts = text.toLowerCase().split(/\s+/);
  const hits = segment.words.filter((w) => parts.some((p) => w.text.toLowerCase().includes(p)));
  return hits.length > 0 ? hits : segment.words;
}

function field<T>(value: T, words: Word[], factor = 1): Field<T> {
  return {
    value,
    confidence: Math.round(meanConfidence(words) * factor * 100) / 100,
    box: unionBox(words.map((w) => w.box)),
  };
}

function isHeaderRow(row: Row): boolean {
  const words = row.segments.flatMap((s) => s.words);
  const header = words.filter((w) => HEADER_WORDS.test(w.text.replace(/[:.]$/, ""))).length;
  const hasDigits = words.some((w) => /\d/.test(w.text));
  return words.length > 0 && !hasDigits && header >= 2 && header >= words.length / 2;
}

type Priced = ParsedPrice & { index: number };
type PriceReader = (segment: Segment) => Priced[];

/**
 * Numbers that end a line, or a cell, right after dot leaders. Leaders lead the eye from a name
 * to its price, so a bare `45` there is a price, though a bare number elsewhere is not. Read
 * before punctuation-only words are dropped, since those are the leaders themselves.
 */
function leaderPrices(words: Word[]): Set<Word> {
  const out = new Set<Word>();
  if (!words.some((w) => LEADER_END_RE.test(w.text) || LEADER_START_RE.test(w.text))) return out;
  for (const row of buildRows(words.filter((w) => w.box.height > 0))) {
    for (const { words: cell } of row.segments) {
      const last = cell[cell.length - 1];
      const before = cell[cell.length - 2];
      if (!last || !BARE_AMOUNT_RE.test(last.text.replace(LEADER_START_RE, ""))) continue;
      if (LEADER_START_RE.test(last.text) || (before && LEADER_END_RE.test(before.text)))
        out.add(last);
    }
  }
  return out;
}

/** Prices in a segment: those written as prices, and a number after dot leaders at its end. */
function priceReader(defaultCurrency: string, leaders: Set<Word>): PriceReader {
  return (segment) => {
    const found = findPrices(segment.text, defaultCurrency);
    const last = segment.words[segment.words.length - 1];
    if (!last || !leaders.has(last)) return found;
    const raw = last.text.replace(LEADER_START_RE, "");
    const amount = parseAmount(raw);
    if (amount === null) return found;
    // Glued leaders ("........45") belong to neither the title nor the price.
    const index = segment.text.length - last.text.length;
    // As sure as "12.50 each": the layout, not a currency, says it is a price.
    const leader: Priced = {
      amount,
      currency: defaultCurrency,
      explicitCurrency: false,
      raw,
      strength: 0.9,
      index,
    };
    return [leader, ...found.filter((p) => p.index < index)];
  };
}

interface SkuSplit {
  sku: Field<string>;
  /** The other words, or all of them when the code may be part of the name. */
  rest: Word[];
}

function skuToken(text: string): string | null {
  const t = text.replace(/^[([]/, "").replace(/[)\].,;:_]+$/, "");
  return SKU_TOKEN_RE.test(t) ? t : null;
}

/**
 * The SKU in a run of words such as "Oak Bookshelf (SKU OB-77)". A labelled SKU is taken out of
 * the remaining words; a model number or an unlabelled code stays, as it is often part of the
 * product's name ("Sony WH-1000XM4 Headphones").
 */
function splitSku(words: Word[]): SkuSplit | null {
  const text = words.map((w) => w.text).join(" ");
  const label = SKU_LABEL_RE.exec(text);
  if (label?.[1]) {
    const value = label[1].replace(/[.,;:]$/, "");
    const start = label.index;
    const end = start + label[0].length;
    const inLabel: Word[] = [];
    const rest: Word[] = [];
    let at = 0;
    for (const w of words) {
      (at < end && at + w.text.length > start ? inLabel : rest).push(w);
      at += w.text.length + 1;
    }
    const keep = /^model/i.test(label[0].trim());
    const valueWords = inLabel.filter((w) => w.text.includes(value));
    return {
      sku: field(value, valueWords.length > 0 ? valueWords : inLabel),
      rest: keep ? words : rest.filter((w) => /[\p{L}\p{N}]/u.test(w.text)),
    };
  }
  for (const w of words) {
    const token = skuToken(w.text);
    if (token) return { sku: field(token, [w], 0.9), rest: words };
  }
  return null;
}

function segmentOf(words: Word[]): Segment {
  return {
    words,
    text: words.map((w) => w.text).join(" "),
    box: unionBox(words.map((w) => w.box)),
  };
}

interface Builder {
  page: number;
  defaultCurrency: string;
  prices: PriceReader;
  titleSeg?: Segment;
  segments: Segment[];
  description: Segment[];
}

function conditionOf(text: string): string | null {
  const m = CONDITION_RE.exec(text);
  return m?.[1] ? m[1].toLowerCase() : null;
}

function classify(b: Builder): Candidate | null {
  const candidate: Partial<Candidate> = {};
  const used = new Set<Segment>();
  /** What is left of a cell that also held the SKU, as a possible title. */
  const named = new Map<Segment, Segment>();
  const anyPrice = (s: Segment) => b.prices(s).some((p) => p.strength >= 0.5);
  /** Words before the price in the price's own cell ("Desk lamp 12.50 EUR" on one line). */
  let leading: Word[] = [];
  for (const seg of b.segments) {
    const price = b.prices(seg)[0];
    if (price && !candidate.price) {
      const words = wordsMatching(seg, price.raw);
      candidate.price = field(price.amount, words, price.strength);
      candidate.currency = field(price.currency, words, price.explicitCurrency ? 1 : 0.6);
      const before = seg.text.slice(0, price.index).trim();
      leading = before ? seg.words.slice(0, before.split(/\s+/).length) : [];
      const split = candidate.sku ? null : splitSku(leading);
      if (split) {
        candidate.sku = split.sku;
        leading = split.rest;
      }
      used.add(seg);
      continue;
    }
    const skuLabel = SKU_LABEL_RE.exec(seg.text);
    if (skuLabel?.[1] && !candidate.sku) {
      candidate.sku = field(skuLabel[1].replace(/[.,;:]$/, ""), wordsMatching(seg, skuLabel[1]));
      used.add(seg);
      const rest = splitSku(seg.words)?.rest ?? [];
      if (rest.some((w) => /\p{L}{2,}/u.test(w.text))) named.set(seg, segmentOf(rest));
    }
    const qty = QTY_LABEL_RE.exec(seg.text);
    if (qty?.[1] && !candidate.quantity) {
      candidate.quantity = field(Number(qty[1]), wordsMatching(seg, qty[1]));
      used.add(seg);
    }
    const cond =
      /condition/i.test(seg.text) || seg.words.length <= 3 ? conditionOf(seg.text) : null;
    if (cond && !candidate.condition) {
      candidate.condition = field(cond, wordsMatching(seg, cond));
      used.add(seg);
    }
    const skuWord = seg.words.find((w) => skuToken(w.text) !== null);
    if (!candidate.sku && skuWord) {
      candidate.sku = field(skuToken(skuWord.text) ?? skuWord.text, [skuWord], 0.9);
      used.add(seg);
      if (seg.words.some((w) => w !== skuWord && /\p{L}{2,}/u.test(w.text))) named.set(seg, seg);
    }
    if (used.has(seg)) continue;
    const token = seg.text.replace(/[.,;:]$/, "");
    if (!candidate.quantity && /^\d{1,5}$/.test(token) && seg !== b.titleSeg) {
      candidate.quantity = field(Number(token), seg.words, 0.8);
      used.add(seg);
    }
  }
  let titleSeg = b.titleSeg;
  for (const s of b.segments) {
    if (titleSeg) break;
    if (named.has(s)) titleSeg = named.get(s);
    else if (!used.has(s) && /\p{L}{2,}/u.test(s.text) && !anyPrice(s)) titleSeg = s;
  }
  // No cell of its own for the title: the words before the price on its line are the title.
  const leadingText = leading.map((w) => w.text).join(" ");
  if (!titleSeg && leading.length > 0 && /\p{L}{2,}/u.test(leadingText)) {
    titleSeg = { text: leadingText, words: leading, box: unionBox(leading.map((w) => w.box)) };
  }
  if (!titleSeg || !candidate.price) return null;
  const titleText = titleSeg.text
    .replace(/[\s.:;,\-–—]+$/, "")
    .replace(/^[\s.:;,\-–—]+/, "")
    .trim();
  if (!titleText) return null;
  // A title taken from the price's cell is already part of that cell.
  const all = [
    ...(b.segments.includes(titleSeg) || b.titleSeg ? [titleSeg] : []),
    ...b.segments,
    ...b.description,
  ];
  const description = b.description.filter((s) => s !== titleSeg && !used.has(s));
  const result: Candidate = {
    page: b.page,
    box: unionBox(all.map((s) => s.box)),
    title: field(titleText, titleSeg.words),
    confidence: 0,
    sourceText: [...new Set(all)].map((s) => s.text).join("\n"),
  };
  if (candidate.price) result.price = candidate.price;
  if (candidate.currency) result.currency = candidate.currency;
  if (candidate.quantity) result.quantity = candidate.quantity;
  if (candidate.sku) result.sku = candidate.sku;
  if (candidate.condition) result.condition = candidate.condition;
  if (description.length > 0) {
    result.description = field(
      description.map((s) => s.text).join(" "),
      description.flatMap((s) => s.words),
    );
  }
  result.confidence = Math.min(result.title.confidence, result.price?.confidence ?? 0);
  return result;
}

function overlapsX(a: Box, b: Box): boolean {
  return Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 0;
}

function extractRegion(region: Region, options: ExtractOptions, leaders: Set<Word>): Candidate[] {
  const out: Candidate[] = [];
  const defaultCurrency = options.defaultCurrency ?? "USD";
  const prices = priceReader(defaultCurrency, leaders);
  const strongPrice = (s: Segment) => prices(s).some((p) => p.strength >= 0.9);
  const anyPrice = (s: Segment) => prices(s).some((p) => p.strength >= 0.5);
  const rows = region.rows.filter((r) => !isHeaderRow(r));
  // Rows consumed by an earlier candidate, so a catalog block never feeds two listings.
  let consumedUpTo = -1;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!row) continue;
    const priceSeg = row.segments.find(strongPrice) ?? row.segments.find(anyPrice);
    if (!priceSeg) continue;
    const above = rows[i - 1];
    const aboveSeg = above?.segments.find((s) => overlapsX(s.box, priceSeg.box));
    const lineGap = above ? row.box.y - (above.box.y + above.box.height) : Number.POSITIVE_INFINITY;
    const catalogBlock =
      row.segments.length <= 2 &&
      aboveSeg !== undefined &&
      !anyPrice(aboveSeg) &&
      lineGap < row.box.height * 1.5 &&
      i - 1 > consumedUpTo;
    if (catalogBlock) {
      // Catalog entry: the block of lines above the price in this column, back to a blank
      // gap or the previous entry; its first line is the title.
      let start = i - 1;
      while (start - 1 > consumedUpTo) {
        const prev = rows[start - 1];
        const cur = rows[start];
        if (!prev || !cur) break;
        const gap = cur.box.y - (prev.box.y + prev.box.height);
        if (gap > Math.max(cur.box.height, prev.box.height) * 1.3 || prev.segments.some(anyPrice))
          break;
        start--;
      }
      const blockRows = rows.slice(start, i + 1);
      const segments = blockRows.flatMap((r) => r.segments);
      const [titleSeg, ...rest] = segments;
      const b: Builder = {
        page: options.page,
        defaultCurrency,
        prices,
        segments: rest,
        description: rest.filter(
          (s) =>
            !strongPrice(s) &&
            !SKU_LABEL_RE.test(s.text) &&
            !QTY_LABEL_RE.test(s.text) &&
            !/condition/i.test(s.text),
        ),
      };
      if (titleSeg) b.titleSeg = titleSeg;
      const c = classify(b);
      if (c) out.push(c);
      consumedUpTo = i;
      continue;
    }
    // Table row: the cells on the price's row, plus following lines that only continue the
    // first column (a wrapped name or a note) as description.
    const b: Builder = {
      page: options.page,
      defaultCurrency,
      prices,
      segments: row.segments,
      description: [],
    };
    const firstX = row.segments[0]?.box.x ?? 0;
    let j = i + 1;
    for (; j < rows.length; j++) {
      const next = rows[j];
      if (!next || next.segments.some(anyPrice) || next.segments.length > 1) break;
      const seg = next.segments[0];
      if (!seg || Math.abs(seg.box.x - firstX) > row.box.height * 2) break;
      const gap = next.box.y - (rows[j - 1]?.box.y ?? 0) - (rows[j - 1]?.box.height ?? 0);
      if (gap > row.box.height * 1.2) break;
      b.description.push(seg);
    }
    const c = classify(b);
    if (c) out.push(c);
    consumedUpTo = j - 1;
  }
  return out;
}

/**
 * Turns positioned words of one page into listing candidates. Rows and columns are
 * rebuilt from the word boxes: multi-column catalogs are read column by column, tables row by
 * row, and each candidate carries per-field confidences and boxes.
 */
export function extractCandidates(words: Word[], options: ExtractOptions): Candidate[] {
  const leaders = leaderPrices(words);
  const regions = splitRegions(buildRows(cleanWords(words)));
  return regions.flatMap((region) => extractRegion(region, options, leaders));
}
