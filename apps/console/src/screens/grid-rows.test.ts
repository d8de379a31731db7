import { describe, expect, it } from "vitest";
import type { Column } from "../lib/columns";
import { cellAt, columnWidthCss } from "./grid-row";
import { ROW_H, rowWindow, ScrollStore } from "./grid-rows";

describe("ScrollStore", () => {
  it("notifies only when the rendered window has to move", () => {
    const s = new ScrollStore();
    let calls = 0;
    const stop = s.subscribe(() => calls++);
    s.set(ROW_H * 2); // still inside the first step
    expect(calls).toBe(0);
    expect(s.get()).toBe(0);
    s.set(ROW_H * 4 + 7);
    expect(calls).toBe(1);
    expect(s.get()).toBe(ROW_H * 4);
    s.set(ROW_H * 5);
    expect(calls).toBe(1);
    stop();
    s.set(ROW_H * 400);
    expect(calls).toBe(1);
  });
});

describe("rowWindow", () => {
  it("covers the viewport with overscan on both sides and fits in its slots", () => {
    const viewH = 750;
    const w = rowWindow(1000 * ROW_H, viewH, 100_000);
    const visible = Math.ceil(viewH / ROW_H);
    expect(w.first).toBeLessThan(1000);
    expect(w.last).toBeGreaterThanOrEqual(1000 + visible);
    expect(w.last - w.first + 1).toBeLessThanOrEqual(w.slots);
  });
  it("stays within the result set", () => {
    expect(rowWindow(0, 750, 5)).toMatchObject({ first: 0, last: 4 });
    expect(rowWindow(0, 750, 0)).toMatchObject({ first: 0, last: 0 });
  });
});

describe("cellAt", () => {
  it("finds the grid cell under a pointer event target", () => {
    document.body.innerHTML =
      '<div class="gr"><div class="gc gutter">1</div><div class="gc" id="cell-12-3"><span class="txt">x</span></div></div>';
    expect(cellAt(document.querySelector(".txt"))).toEqual({ r: 12, c: 3 });
    expect(cellAt(document.querySelector("#cell-12-3"))).toEqual({ r: 12, c: 3 });
    expect(cellAt(document.querySelector(".gutter"))).toBeNull();
    expect(cellAt(null)).toBeNull();
  });
});

describe("columnWidthCss", () => {
  it("gives every column its width through its class", () => {
    const cols = [
      { key: "title", width: 320 },
      { key: "price", width: 96 },
    ] as Column[];
    const css = columnWidthCss(cols, 64);
    expect(css).toContain(".grid .w-gutter{width:64px}");
    expect(css).toContain(".grid .w-title{width:320px}");
    expect(css).toContain(".grid .w-price{width:96px}");
  });
});
