import { type Column, cellText, clearValue, parseCell, type Row } from "./columns";
import type { Rect } from "./grid-model";

/** One row's merged patch from a block operation. */
export interface RowPatch {
  index: number;
  row: Row;
  patch: Record<string, unknown>;
}

/** A cell the block could not use, with the reason. */
export interface CellProblem {
  r: number;
  c: number;
  message: string;
}

/** What a block operation left out, so the user can be told rather than find out later. */
export interface BlockResult {
  patches: RowPatch[];
  problems: CellProblem[];
  /** Rows of the block past the last row. */
  clipped: number;
  /** Columns of the block past the last column that held any text. */
  clippedCols: number;
  /** Per read-only column label, how many cells would have changed it. */
  readOnly: Record<string, number>;
}

/**
 * Turns a block of texts (paste, fill down) anchored at (r0, c0) into per-row patches, parsing each
 * cell for its column. Read-only columns are skipped; cells past the last row or column are cut.
 * Both are counted in the result (a read-only cell only when its text differs from what it holds,
 * so pasting back a copied block that includes such a column is not reported).
 */
export function blockPatches(
  block: string[][],
  at: { r: number; c: number },
  cols: Column[],
  rowAt: (i: number) => Row | undefined,
  totalRows: number,
): BlockResult {
  const patches: RowPatch[] = [];
  const problems: CellProblem[] = [];
  const readOnly: Record<string, number> = {};
  const cutCols = new Set<number>();
  let clipped = 0;
  block.forEach((cells, dr) => {
    const r = at.r + dr;
    if (r >= totalRows) {
      clipped++;
      return;
    }
    const row = rowAt(r);
    if (!row) {
      problems.push({ r, c: at.c, message: "Row not loaded" });
      return;
    }
    let working = row;
    const patch: Record<string, unknown> = {};
    cells.forEach((text, dc) => {
      const c = at.c + dc;
      const col = cols[c];
      if (!col) {
        if (text !== "") cutCols.add(dc);
        return;
      }
      if (col.readOnly) {
        if (text !== cellText(row, col)) readOnly[col.label] = (readOnly[col.label] ?? 0) + 1;
        return;
      }
      const p = parseCell(col, text, working);
      if (!p.ok) {
        problems.push({ r, c, message: `${col.label}: ${p.message}` });
        return;
      }
      Object.assign(patch, p.patch);
      working = { ...working, ...p.patch } as Row;
    });
    if (Object.keys(patch).length) patches.push({ index: r, row, patch });
  });
  return { patches, problems, clipped, clippedCols: cutCols.size, readOnly };
}

/** Expands a single copied value over a whole rectangle (paste one cell into a range). */
export function fillBlock(value: string, rect: Rect): string[][] {
  const rows = rect.r1 - rect.r0 + 1;
  const cols = rect.c1 - rect.c0 + 1;
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => value));
}

/**
 * The block repeated over a selected rectangle, as a spreadsheet pastes: when the rectangle is a
 * whole multiple of the block's size in both directions (one cell into ten, two rows into six),
 * the block is tiled over it; otherwise (or when the rows differ in length) it is returned as is,
 * to be pasted once from the top-left corner.
 */
export function tileBlock(block: string[][], rect: Rect): string[][] {
  const h = block.length;
  const w = block[0]?.length ?? 0;
  if (!h || !w || block.some((row) => row.length !== w)) return block;
  const rows = rect.r1 - rect.r0 + 1;
  const cols = rect.c1 - rect.c0 + 1;
  if (rows % h !== 0 || cols % w !== 0 || (rows === h && cols === w)) return block;
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: cols }, (_, c) => block[r % h]?.[c % w] ?? ""),
  );
}

/** Patches that clear every editable cell in a rectangle (Delete key). */
export function clearPatches(rect: Rect, cols: Column[], rowAt: (i: number) => Row | undefined) {
  const patches: RowPatch[] = [];
  const problems: CellProblem[] = [];
  for (let r = rect.r0; r <= rect.r1; r++) {
    const row = rowAt(r);
    if (!row) continue;
    let working = row;
    const patch: Record<string, unknown> = {};
    for (let c = rect.c0; c <= rect.c1; c++) {
      const col = cols[c];
      if (!col) continue;
      const p = clearValue(col, working);
      if (!p.ok) {
        problems.push({ r, c, message: p.message });
        continue;
      }
      Object.assign(patch, p.patch);
      working = { ...working, ...p.patch } as Row;
    }
    if (Object.keys(patch).length) patches.push({ index: r, row, patch });
  }
  return { patches, problems };
}
