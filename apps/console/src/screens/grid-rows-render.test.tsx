import { act } from "react";
import { createRoot } from "react-dom/client";
import { describe, expect, it } from "vitest";
import { ALL_COLUMNS, type Row } from "../lib/columns";
import { PAGE_SIZE, RowCache } from "../lib/row-cache";
import { listing as fixture } from "../lib/row-fixture";
import { GridRows, ROW_H, ScrollStore } from "./grid-rows";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** Priced i + 0.5, so each row's price cell tells the rows apart. */
const listing = (i: number): Row => fixture(i, { price: i + 0.5 });

describe("GridRows", () => {
  it("renders loaded rows of the window only and follows the scroll store", async () => {
    const cache = new RowCache("q");
    cache.total = 10_000;
    cache.fill(
      0,
      Array.from({ length: PAGE_SIZE }, (_, i) => listing(i)),
    );
    const store = new ScrollStore();
    const windows: [number, number][] = [];
    const host = document.createElement("div");
    document.body.append(host);
    const root = createRoot(host);
    const props = {
      store,
      viewH: 300,
      total: 10_000,
      cache,
      version: 0,
      reload: 0,
      cols: ALL_COLUMNS.slice(0, 3),
      r0: 1,
      r1: 2,
      c0: 0,
      c1: 1,
      activeR: 2,
      activeC: 1,
      pending: new Set<string>(),
      conflictIds: new Set<string>(["id-3"]),
      onWindow: (first: number, last: number) => {
        windows.push([first, last]);
        return undefined;
      },
    };
    await act(async () => root.render(<GridRows {...props} />));
    const rows = () => [...host.querySelectorAll(".gr")];
    expect(rows().length).toBeGreaterThan(10);
    expect(host.querySelector("#cell-0-0 .txt")?.textContent).toBe("Listing 0");
    expect(host.querySelector("#cell-2-1")?.className).toContain("active");
    expect(host.querySelector("#cell-1-0")?.getAttribute("aria-selected")).toBe("true");
    expect(host.querySelector('.gr[aria-rowindex="5"]')?.className).toContain("conflict");
    expect(windows.at(-1)?.[0]).toBe(0);

    // Far below the loaded page: nothing to render, but the window is still asked for.
    await act(async () => store.set(5000 * ROW_H));
    expect(rows()).toHaveLength(0);
    expect(windows.at(-1)?.[0]).toBeLessThanOrEqual(5000);
    expect(windows.at(-1)?.[1]).toBeGreaterThan(5000);

    cache.fill(
      50,
      Array.from({ length: PAGE_SIZE }, (_, i) => listing(5000 + i)),
    );
    await act(async () => root.render(<GridRows {...props} version={1} />));
    expect(host.querySelector("#cell-5000-0 .txt")?.textContent).toBe("Listing 5000");
    await act(async () => root.unmount());
  });
});
