import { describe, expect, it } from "vitest";
import { afterCommit, clickCell, type GridSel, keyCommand, selRect } from "./grid-model";

const at = (r: number, c: number): GridSel => ({
  active: { r, c },
  anchor: { r, c },
  editing: false,
});
const ROWS = 100;
const COLS = 5;
const key = (
  s: GridSel,
  k: string,
  mods: { shiftKey?: boolean; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean } = {},
  rows = ROWS,
) => keyCommand(s, { key: k, ...mods }, rows, COLS, 20);

describe("grid keyboard model", () => {
  it("moves with arrows and stays inside the grid", () => {
    expect(key(at(0, 0), "ArrowDown")).toEqual({ kind: "move", sel: at(1, 0) });
    expect(key(at(0, 0), "ArrowUp")).toEqual({ kind: "move", sel: at(0, 0) });
    expect(key(at(0, 4), "ArrowRight")).toEqual({ kind: "move", sel: at(0, 4) });
    expect(key(at(99, 2), "PageDown")).toEqual({ kind: "move", sel: at(99, 2) });
    expect(key(at(50, 2), "PageUp")).toEqual({ kind: "move", sel: at(30, 2) });
  });

  it("extends a range with shift-arrows and keeps the anchor", () => {
    const cmd = key(at(3, 1), "ArrowDown", { shiftKey: true });
    if (cmd.kind !== "move") throw new Error("expected a move");
    const cmd2 = key(cmd.sel, "ArrowRight", { shiftKey: true });
    if (cmd2.kind !== "move") throw new Error("expected a move");
    expect(cmd2.sel.anchor).toEqual({ r: 3, c: 1 });
    expect(selRect(cmd2.sel)).toEqual({ r0: 3, r1: 4, c0: 1, c1: 2 });
  });

  it("extends a range with shift-click in any direction", () => {
    const s = clickCell(at(10, 3), { r: 4, c: 1 }, true);
    expect(selRect(s)).toEqual({ r0: 4, r1: 10, c0: 1, c1: 3 });
    expect(clickCell(s, { r: 7, c: 0 }, false)).toEqual(at(7, 0));
  });

  it("walks with Tab across rows and wraps, Shift+Tab goes back", () => {
    expect(key(at(0, 4), "Tab")).toEqual({ kind: "move", sel: at(1, 0) });
    expect(key(at(1, 0), "Tab", { shiftKey: true })).toEqual({ kind: "move", sel: at(0, 4) });
  });

  it("starts editing on Enter, F2 or a printable key (which replaces the value)", () => {
    expect(key(at(2, 2), "Enter")).toEqual({ kind: "edit" });
    expect(key(at(2, 2), "F2")).toEqual({ kind: "edit" });
    expect(key(at(2, 2), "x")).toEqual({ kind: "edit", initial: "x" });
    expect(keyCommand(at(0, 0), { key: "x" }, 0, COLS, 20)).toEqual({ kind: "none" });
  });

  it("starts editing with characters typed with AltGr (Ctrl+Alt) or Mac Option", () => {
    // German keyboard: AltGr+Q is "@", AltGr+E is "€"; browsers report AltGr as Ctrl+Alt.
    expect(key(at(2, 2), "@", { ctrlKey: true, altKey: true })).toEqual({
      kind: "edit",
      initial: "@",
    });
    expect(key(at(2, 2), "€", { ctrlKey: true, altKey: true })).toEqual({
      kind: "edit",
      initial: "€",
    });
    // Mac: Option+L is "@" on a German layout, Option+N then N gives "ñ".
    expect(key(at(2, 2), "@", { altKey: true })).toEqual({ kind: "edit", initial: "@" });
    expect(key(at(2, 2), "ñ", { altKey: true })).toEqual({ kind: "edit", initial: "ñ" });
    // Chords that typed no character of their own stay shortcuts, not text.
    expect(key(at(2, 2), "f", { altKey: true })).toEqual({ kind: "none" });
    expect(key(at(2, 2), "z", { ctrlKey: true, altKey: true }).kind).not.toBe("edit");
    expect(key(at(2, 2), "@", { metaKey: true, altKey: true }).kind).not.toBe("edit");
  });

  it("opens an empty editor for a key an IME is composing, leaving the key to the browser", () => {
    const ime = { kind: "edit", initial: "", keepDefault: true };
    expect(key(at(2, 2), "Process")).toEqual(ime);
    expect(keyCommand(at(2, 2), { key: "k", isComposing: true }, ROWS, COLS, 20)).toEqual(ime);
    expect(keyCommand(at(2, 2), { key: "Unidentified", keyCode: 229 }, ROWS, COLS, 20)).toEqual(
      ime,
    );
    expect(keyCommand(at(0, 0), { key: "Process" }, 0, COLS, 20)).toEqual({ kind: "none" });
  });

  it("maps Delete, Ctrl+C/D/Z/Y and Ctrl+Shift+Z", () => {
    expect(key(at(0, 0), "Delete").kind).toBe("clear");
    expect(key(at(0, 0), "Backspace").kind).toBe("clear");
    expect(key(at(0, 0), "c", { ctrlKey: true }).kind).toBe("copy");
    expect(key(at(0, 0), "d", { ctrlKey: true }).kind).toBe("fillDown");
    expect(key(at(0, 0), "z", { ctrlKey: true }).kind).toBe("undo");
    expect(key(at(0, 0), "Z", { ctrlKey: true, shiftKey: true }).kind).toBe("redo");
    expect(key(at(0, 0), "y", { metaKey: true }).kind).toBe("redo");
  });

  it("jumps with Ctrl+End / Ctrl+Home and selects all with Ctrl+A", () => {
    expect(key(at(5, 2), "End", { ctrlKey: true })).toEqual({ kind: "move", sel: at(99, 4) });
    expect(key(at(5, 2), "Home", { ctrlKey: true })).toEqual({ kind: "move", sel: at(0, 0) });
    const all = key(at(5, 2), "a", { ctrlKey: true });
    if (all.kind !== "selectAll") throw new Error("expected selectAll");
    expect(selRect(all.sel)).toEqual({ r0: 0, r1: 99, c0: 0, c1: 4 });
  });

  it("Shift+Tab on a row's first cell goes to the previous row's last cell; at the grid's ends Tab leaves the grid", () => {
    expect(key(at(3, 0), "Tab", { shiftKey: true })).toEqual({ kind: "move", sel: at(2, 4) });
    // Not taken by the grid: the browser moves the focus to the control before or after it.
    expect(key(at(0, 0), "Tab", { shiftKey: true })).toEqual({ kind: "none" });
    expect(key(at(99, 4), "Tab")).toEqual({ kind: "none" });
    expect(key(at(0, 0), "Tab", {}, 0)).toEqual({ kind: "none" });
    expect(afterCommit(at(0, 0), "Tab", true, ROWS, COLS)).toEqual(at(0, 0));
    expect(afterCommit(at(3, 0), "Tab", true, ROWS, COLS)).toEqual(at(2, 4));
  });

  it("collapses a range on Escape", () => {
    const s: GridSel = { active: { r: 5, c: 2 }, anchor: { r: 1, c: 0 }, editing: false };
    expect(key(s, "Escape")).toEqual({ kind: "move", sel: at(5, 2) });
  });

  it("moves down after Enter and right after Tab when an edit is committed", () => {
    expect(afterCommit(at(3, 1), "Enter", false, ROWS, COLS)).toEqual(at(4, 1));
    expect(afterCommit(at(3, 1), "Enter", true, ROWS, COLS)).toEqual(at(2, 1));
    expect(afterCommit(at(3, 1), "Tab", false, ROWS, COLS)).toEqual(at(3, 2));
  });
});
