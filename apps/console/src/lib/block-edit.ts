import { type Column, clearValue, parseCell, type Row } from "./columns";
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

/**
 * Turns a block of texts (paste, fill down) anchored at (r0, c0) into per-row patches, parsing each
 * cell for its column. Read-only columns are skipped; cells past the last row or column are cut.
 */
export function blockPatches(
  block: string[][],
  at: { r: number; c: number },
  cols: Column[],
  rowAt: (i: number) => Row | undefined,
  totalRows: number,
): { patches: RowPatch[]; problems: CellProblem[]; clipped: number } {
  const patches: RowPatch[] = [];
  const problems: CellProblem[] = [];
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
      if (!col || col.readOnly) return;
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
  return { patches, problems, clipped };
}

/** Expands a single copied value over a whole rectangle (paste one cell into a range). */
export function fillBlock(value: string, rect: Rect): string[][] {
  const rows = rect.r1 - rect.r0 + 1;
  const cols = rect.c1 - rect.c0 + 1;
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => value));
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
