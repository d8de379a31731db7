import { findPrices } from "./price";
import type { Box, Word } from "./types";

/** Words on one visual row separated from their neighbours by a wide gap (a table cell). */
export interface Segment {
  words: Word[];
  text: string;
  box: Box;
}

/** Segments sharing a baseline band, left to right. */
export interface Row {
  segments: Segment[];
  box: Box;
}

/** A vertical strip of the page read top to bottom (one column of a multi-column catalog). */
export interface Region {
  rows: Row[];
  box: Box;
}

/** Smallest box around the given boxes. */
export function unionBox(boxes: Box[]): Box {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const b of boxes) {
    x0 = Math.min(x0, b.x);
    y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.width);
    y1 = Math.max(y1, b.y + b.height);
  }
  if (!Number.isFinite(x0)) return { x: 0, y: 0, width: 0, height: 0 };
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

function makeSegment(words: Word[]): Segment {
  return {
    words,
    text: words.map((w) => w.text).join(" "),
    box: unionBox(words.map((w) => w.box)),
  };
}

/** Drops OCR specks: tokens made only of punctuation that tesseract reads from noise. */
export function cleanWords(words: Word[]): Word[] {
  return words.filter((w) => /[\p{L}\p{N}$€£¥]/u.test(w.text) && w.box.height > 0);
}

/**
 * Clusters words into rows by vertical overlap, then splits each row into segments wherever
 * the horizontal gap is wider than about one text height — the gap between table cells or
 * catalog columns, never between words of a phrase.
 */
export function buildRows(words: Word[]): Row[] {
  const sorted = [...words].sort(
    (a, b) => a.box.y + a.box.height / 2 - (b.box.y + b.box.height / 2),
  );
  const rows: Word[][] = [];
  const bands: Array<{ top: number; bottom: number }> = [];
  for (const word of sorted) {
    const center = word.box.y + word.box.height / 2;
    let placed = false;
    for (let i = rows.length - 1; i >= Math.max(0, rows.length - 3); i--) {
      const band = bands[i];
      const row = rows[i];
      if (!band || !row) continue;
      if (center >= band.top && center <= band.bottom) {
        row.push(word);
        placed = true;
        break;
      }
    }
    if (!placed) {
      rows.push([word]);
      bands.push({ top: word.box.y, bottom: word.box.y + word.box.height });
    }
  }
  return rows.map((rowWords) => {
    rowWords.sort((a, b) => a.box.x - b.box.x);
    const height = percentile(
      rowWords.map((w) => w.box.height),
      0.75,
    );
    const segments: Segment[] = [];
    let current: Word[] = [];
    let lastRight = Number.NEGATIVE_INFINITY;
    for (const word of rowWords) {
      if (current.length > 0 && word.box.x - lastRight > height * 1.1) {
        segments.push(makeSegment(current));
        current = [];
      }
      current.push(word);
      lastRight = Math.max(lastRight, word.box.x + word.box.width);
    }
    if (current.length > 0) segments.push(makeSegment(current));
    return { segments, box: unionBox(rowWords.map((w) => w.box)) };
  });
}

function isProse(segment: Segment): boolean {
  return segment.words.filter((w) => /^\p{L}{2,}[,.:;]?$/u.test(w.text)).length >= 3;
}

function hasPrice(segment: Segment): boolean {
  return findPrices(segment.text).some((p) => p.strength >= 0.9);
}

/**
 * Splits the page into side-by-side regions at vertical gutters, but only where both sides
 * look like independent catalog columns (each has prose and prices). Table columns (a SKU or
 * price column) fail that test, so tables stay one region and are read row by row.
 */
export function splitRegions(rows: Row[]): Region[] {
  const segments = rows.flatMap((r) => r.segments);
  if (segments.length === 0) return [];
  const whole = unionBox(segments.map((s) => s.box));
  const tryRegion = (segs: Segment[]): Segment[][] => {
    if (segs.length < 4) return [segs];
    const box = unionBox(segs.map((s) => s.box));
    const sortedByX = [...segs].sort((a, b) => a.box.x - b.box.x);
    let reach = Number.NEGATIVE_INFINITY;
    const cuts: number[] = [];
    for (const s of sortedByX) {
      if (reach > Number.NEGATIVE_INFINITY && s.box.x > reach) cuts.push((reach + s.box.x) / 2);
      reach = Math.max(reach, s.box.x + s.box.width);
    }
    // Prefer the cut closest to the middle: catalogs are usually split evenly.
    cuts.sort(
      (a, b) => Math.abs(a - (box.x + box.width / 2)) - Math.abs(b - (box.x + box.width / 2)),
    );
    for (const cut of cuts) {
      const left = segs.filter((s) => s.box.x + s.box.width / 2 < cut);
      const right = segs.filter((s) => s.box.x + s.box.width / 2 >= cut);
      if (
        left.some(isProse) &&
        right.some(isProse) &&
        left.some(hasPrice) &&
        right.some(hasPrice)
      ) {
        return [...tryRegion(left), ...tryRegion(right)];
      }
    }
    return [segs];
  };
  const groups = tryRegion(segments);
  const rowOf = new Map<Segment, Row>();
  for (const row of rows) for (const s of row.segments) rowOf.set(s, row);
  return groups.map((group) => {
    const members = new Set(group);
    const regionRows: Row[] = [];
    for (const row of rows) {
      const segs = row.segments.filter((s) => members.has(s));
      if (segs.length > 0)
        regionRows.push({ segments: segs, box: unionBox(segs.map((s) => s.box)) });
    }
    return { rows: regionRows, box: group.length ? unionBox(group.map((s) => s.box)) : whole };
  });
}

/** Page text in reading order: regions left to right, rows top to bottom. */
export function regionsText(regions: Region[]): string {
  return regions
    .map((region) => region.rows.map((row) => row.segments.map((s) => s.text).join(" ")).join("\n"))
    .join("\n");
}
