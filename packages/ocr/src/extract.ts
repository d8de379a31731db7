import {
  buildRows,
  cleanWords,
  type Region,
  type Row,
  type Segment,
  splitRegions,
  unionBox,
} from "./layout";
import { findPrices } from "./price";
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

function strongPrice(segment: Segment): boolean {
  return findPrices(segment.text).some((p) => p.strength >= 0.9);
}

function anyPrice(segment: Segment): boolean {
  return findPrices(segment.text).some((p) => p.strength >= 0.5);
}

interface Builder {
  page: number;
  defaultCurrency: string;
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
  /** Words before the price in the price's own cell ("Desk lamp 12.50 EUR" on one line). */
  let leading: Word[] = [];
  for (const seg of b.segments) {
    const price = findPrices(seg.text, b.defaultCurrency)[0];
    if (price && !candidate.price) {
      const words = wordsMatching(seg, price.raw);
      candidate.price = field(price.amount, words, price.strength);
      candidate.currency = field(price.currency, words, price.explicitCurrency ? 1 : 0.6);
      const before = seg.text.slice(0, price.index).trim();
      leading = before ? seg.words.slice(0, before.split(/\s+/).length) : [];
      used.add(seg);
      continue;
    }
    const skuLabel = SKU_LABEL_RE.exec(seg.text);
    if (skuLabel?.[1] && !candidate.sku) {
      candidate.sku = field(skuLabel[1].replace(/[.,;:]$/, ""), wordsMatching(seg, skuLabel[1]));
      used.add(seg);
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
    const skuWord = seg.words.find((w) => SKU_TOKEN_RE.test(w.text.replace(/[.,;:_]$/, "")));
    if (!candidate.sku && skuWord) {
      candidate.sku = field(skuWord.text.replace(/[.,;:_]$/, ""), [skuWord], 0.9);
      used.add(seg);
    }
    if (used.has(seg)) continue;
    const token = seg.text.replace(/[.,;:]$/, "");
    if (!candidate.quantity && /^\d{1,5}$/.test(token) && seg !== b.titleSeg) {
      candidate.quantity = field(Number(token), seg.words, 0.8);
      used.add(seg);
    }
  }
  let titleSeg =
    b.titleSeg ?? b.segments.find((s) => !used.has(s) && /\p{L}{2,}/u.test(s.text) && !anyPrice(s));
  // No cell of its own for the title: the words before the price on its line are the title.
  const leadingText = leading.map((w) => w.text).join(" ");
  if (!titleSeg && leading.length > 0 && /\p{L}{2,}/u.test(leadingText)) {
    titleSeg = { text: leadingText, words: leading, box: unionBox(leading.map((w) => w.box)) };
  }
  if (!titleSeg || !candidate.price) return null;
  const titleText = titleSeg.text.replace(/[\s.:;,\-–—]+$/, "").trim();
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

function extractRegion(region: Region, options: ExtractOptions): Candidate[] {
  const out: Candidate[] = [];
  const defaultCurrency = options.defaultCurrency ?? "USD";
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
  const regions = splitRegions(buildRows(cleanWords(words)));
  return regions.flatMap((region) => extractRegion(region, options));
}
