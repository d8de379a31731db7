/** A cell position in grid coordinates (row index in the result set, visible column index). */
export interface Pos {
  r: number;
  c: number;
}

/** Where the cursor is, where a range started, and whether the cursor cell is being edited. */
export interface GridSel {
  active: Pos;
  anchor: Pos;
  editing: boolean;
}

/** Inclusive bounds of the selected rectangle. */
export interface Rect {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/** Cursor on the first cell, nothing selected, no editor. */
export const initialSel: GridSel = {
  active: { r: 0, c: 0 },
  anchor: { r: 0, c: 0 },
  editing: false,
};

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** The rectangle between anchor and cursor. */
export function selRect(s: GridSel): Rect {
  return {
    r0: Math.min(s.active.r, s.anchor.r),
    r1: Math.max(s.active.r, s.anchor.r),
    c0: Math.min(s.active.c, s.anchor.c),
    c1: Math.max(s.active.c, s.anchor.c),
  };
}

/** Whether the selection is more than the single cursor cell. */
export const isRange = (s: GridSel) => s.active.r !== s.anchor.r || s.active.c !== s.anchor.c;

/** What a key press means to the grid when no cell editor is open. */
export type GridCommand =
  | { kind: "move"; sel: GridSel }
  | EditCommand
  | { kind: "clear" }
  | { kind: "copy" }
  | { kind: "fillDown" }
  | { kind: "undo" }
  | { kind: "redo" }
  | { kind: "selectAll"; sel: GridSel }
  | { kind: "none" };

/** Key information the model needs (a subset of KeyboardEvent, so tests can build it). */
export interface KeyInput {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** True while an IME (Japanese, Chinese, Korean input) is composing text. */
  isComposing?: boolean;
  /** 229 is what browsers report for a key an IME is processing. */
  keyCode?: number;
}

/** An edit started by a key the browser must still deliver (an IME composition). */
export type EditCommand = { kind: "edit"; initial?: string; keepDefault?: boolean };

/**
 * Whether a key pressed with Alt (Mac Option) or Ctrl+Alt (what browsers report for AltGr on
 * Windows and Linux) typed a character. Such chords type "@", "€", "{" or "ñ" on many keyboards.
 * A chord whose key is still a plain letter or digit produced no character of its own: it is a
 * shortcut (Alt+F opens a menu on Windows), so it must not start an edit.
 */
function altTyped(e: KeyInput): boolean {
  return e.key.length === 1 && !/[a-z0-9]/i.test(e.key) && !e.metaKey;
}

/** Whether an IME is taking this key to compose text (the browser reports "Process" or 229). */
export function isImeKey(e: KeyInput): boolean {
  return !!e.isComposing || e.key === "Process" || e.keyCode === 229;
}

/** Moves the cursor by (dr, dc); with `extend` the anchor stays (shift-arrows). */
export function move(
  s: GridSel,
  dr: number,
  dc: number,
  rows: number,
  cols: number,
  extend: boolean,
): GridSel {
  const active = {
    r: clamp(s.active.r + dr, 0, Math.max(0, rows - 1)),
    c: clamp(s.active.c + dc, 0, Math.max(0, cols - 1)),
  };
  return { active, anchor: extend ? s.anchor : active, editing: false };
}

/** Places the cursor on a clicked cell; shift-click extends the range from the anchor. */
export function clickCell(s: GridSel, pos: Pos, shift: boolean): GridSel {
  return { active: pos, anchor: shift ? s.anchor : pos, editing: false };
}

/**
 * A click on a row's number selects the whole row, as in a spreadsheet; with shift, every row
 * from the anchor's to this one.
 */
export function clickRowHeader(s: GridSel, r: number, cols: number, shift: boolean): GridSel {
  return {
    anchor: { r: shift ? s.anchor.r : r, c: 0 },
    active: { r, c: Math.max(0, cols - 1) },
    editing: false,
  };
}

/**
 * The grid's keyboard model (no editor open): arrows/Tab/Enter move, shift extends, Home/End and
 * Ctrl+Home/End jump, PageUp/Down move by a page, F2/Enter or a printable key (also one typed
 * with AltGr or Mac Option, or an IME composition) start editing,
 * Delete/Backspace clear, Ctrl+C copy (Ctrl+X and Ctrl+V are the cut and paste events), Ctrl+D fill down, Ctrl+Z / Ctrl+Y (or Ctrl+Shift+Z) undo/redo.
 */
export function keyCommand(
  s: GridSel,
  e: KeyInput,
  rows: number,
  cols: number,
  pageRows: number,
): GridCommand {
  const mod = !!(e.ctrlKey || e.metaKey);
  const shift = !!e.shiftKey;
  // An IME receives the key, not the grid: open an empty editor and let the browser carry the
  // composition into it (so the grid must not prevent the key's default action).
  if (isImeKey(e))
    return rows > 0 ? { kind: "edit", initial: "", keepDefault: true } : { kind: "none" };
  // AltGr arrives as Ctrl+Alt; the character it typed is text, not a Ctrl shortcut.
  if (e.ctrlKey && e.altKey && altTyped(e))
    return rows > 0 ? { kind: "edit", initial: e.key } : { kind: "none" };
  if (mod) {
    const k = e.key.toLowerCase();
    if (k === "c") return { kind: "copy" };
    if (k === "d") return { kind: "fillDown" };
    if (k === "z") return shift ? { kind: "redo" } : { kind: "undo" };
    if (k === "y") return { kind: "redo" };
    if (k === "a")
      return {
        kind: "selectAll",
        sel: {
          anchor: { r: 0, c: 0 },
          active: { r: Math.max(0, rows - 1), c: Math.max(0, cols - 1) },
          editing: false,
        },
      };
    if (e.key === "Home")
      return { kind: "move", sel: move(s, -s.active.r, -s.active.c, rows, cols, shift) };
    if (e.key === "End") return { kind: "move", sel: move(s, rows, cols, rows, cols, shift) };
    if (e.key === "ArrowUp") return { kind: "move", sel: move(s, -rows, 0, rows, cols, shift) };
    if (e.key === "ArrowDown") return { kind: "move", sel: move(s, rows, 0, rows, cols, shift) };
    if (e.key === "ArrowLeft") return { kind: "move", sel: move(s, 0, -cols, rows, cols, shift) };
    if (e.key === "ArrowRight") return { kind: "move", sel: move(s, 0, cols, rows, cols, shift) };
    return { kind: "none" };
  }
  switch (e.key) {
    case "ArrowUp":
      return { kind: "move", sel: move(s, -1, 0, rows, cols, shift) };
    case "ArrowDown":
      return { kind: "move", sel: move(s, 1, 0, rows, cols, shift) };
    case "ArrowLeft":
      return { kind: "move", sel: move(s, 0, -1, rows, cols, shift) };
    case "ArrowRight":
      return { kind: "move", sel: move(s, 0, 1, rows, cols, shift) };
    case "Tab": {
      // At the grid's first (Shift+Tab) or last (Tab) cell the key leaves the grid, as it does
      // every other widget, so the keyboard is never trapped in it.
      const next = tabMove(s, shift ? -1 : 1, rows, cols);
      const stays = next.active.r === s.active.r && next.active.c === s.active.c;
      return rows === 0 || stays ? { kind: "none" } : { kind: "move", sel: next };
    }
    case "PageDown":
      return { kind: "move", sel: move(s, pageRows, 0, rows, cols, shift) };
    case "PageUp":
      return { kind: "move", sel: move(s, -pageRows, 0, rows, cols, shift) };
    case "Home":
      return { kind: "move", sel: move(s, 0, -s.active.c, rows, cols, shift) };
    case "End":
      return { kind: "move", sel: move(s, 0, cols, rows, cols, shift) };
    case "Enter":
    case "F2":
      return rows > 0 ? { kind: "edit" } : { kind: "none" };
    case "Delete":
    case "Backspace":
      return { kind: "clear" };
    case "Escape":
      return isRange(s) ? { kind: "move", sel: { ...s, anchor: s.active } } : { kind: "none" };
  }
  if (e.key.length === 1 && (!e.altKey || altTyped(e)) && rows > 0)
    return { kind: "edit", initial: e.key };
  return { kind: "none" };
}

/**
 * Tab walks across a row and wraps to the first cell of the next row; Shift+Tab walks back and
 * wraps to the last cell of the row before, like a spreadsheet. At the very first (Shift+Tab) or
 * very last (Tab) cell of the grid there is nowhere to wrap to, so the cursor stays (and the grid
 * lets the key move the focus on).
 */
export function tabMove(s: GridSel, dir: 1 | -1, rows: number, cols: number): GridSel {
  let { r, c } = s.active;
  c += dir;
  if (c >= cols) {
    if (r + 1 <= rows - 1) {
      c = 0;
      r = r + 1;
    } else c = Math.max(0, cols - 1);
  } else if (c < 0) {
    if (r > 0) {
      c = Math.max(0, cols - 1);
      r = r - 1;
    } else c = 0;
  }
  const active = { r: Math.max(0, r), c };
  return { active, anchor: active, editing: false };
}

/** After committing an edit: Enter moves down, Tab right (Shift reverses), like Sheets. */
export function afterCommit(
  s: GridSel,
  key: "Enter" | "Tab",
  shift: boolean,
  rows: number,
  cols: number,
): GridSel {
  if (key === "Tab") return tabMove(s, shift ? -1 : 1, rows, cols);
  return move(s, shift ? -1 : 1, 0, rows, cols, false);
}
