import { act } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GridScreen } from "./grid-screen";
import {
  type FakeApi,
  key,
  listing,
  type Mounted,
  mountWithApp,
  settle,
  typeInto,
  until,
} from "./screen-test-harness";

const fake = vi.hoisted(() => ({ api: null as unknown as FakeApi }));
vi.mock("../api/client", async () => {
  const { FakeApi } = await import("./screen-test-harness");
  fake.api = new FakeApi();
  return { api: fake.api.client };
});

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});

const grid = () => m?.host.querySelector<HTMLDivElement>('[data-testid="grid"]') as HTMLDivElement;
const cell = (r: number, c: number) => m?.host.querySelector(`#cell-${r}-${c}`);
const cellValue = (r: number, c: number) => cell(r, c)?.querySelector(".txt")?.textContent;
const editor = () =>
  m?.host.querySelector<HTMLInputElement>(".cell-editor-input") as HTMLInputElement;

async function mountGrid(rowCount: number) {
  // The fake is created when the mocked module is first imported (by the grid's import above).
  fake.api.reset(Array.from({ length: rowCount }, (_, i) => listing(i)));
  m = await mountWithApp(<GridScreen />);
  await until(() => !!cell(0, 0));
  return m;
}

async function mouseDown(el: Element | null | undefined, init: MouseEventInit = {}) {
  if (!el) throw new Error("no element");
  await act(async () => {
    el.dispatchEvent(
      new MouseEvent("mousedown", { bubbles: true, cancelable: true, button: 0, ...init }),
    );
  });
}

async function press(el: Element, k: string, init: KeyboardEventInit = {}) {
  await act(async () => key(el, k, init));
}

beforeEach(() => {
  vi.useRealTimers();
});

describe("GridScreen editing", () => {
  it("clicking another cell while editing saves the typed text exactly once", async () => {
    await mountGrid(5);
    grid().focus();
    // A printable key opens the editor with that key as its first character.
    await press(grid(), "N");
    expect(editor().value).toBe("N");
    await act(async () => typeInto(editor(), "New title"));
    await mouseDown(cell(2, 0));
    await until(
      () =>
        fake.api.callsTo("listings.update").length > 0 &&
        m?.host.querySelector(".pending") === null,
    );
    await settle();

    expect(fake.api.callsTo("listings.update")).toHaveLength(1);
    expect(fake.api.byId("id-0")?.title).toBe("New title");
    expect(fake.api.byId("id-0")?.version).toBe(2);
    expect(m?.toasts.filter((t) => t.kind === "error")).toEqual([]);
    expect(cellValue(0, 0)).toBe("New title");
    // The click still moved the selection.
    expect(cell(2, 0)?.className).toContain("active");
  });
});

describe("GridScreen saves of one row", () => {
  it("a second edit made while the first is saving is sent after it, with its version", async () => {
    await mountGrid(5);
    grid().focus();
    fake.api.hold("listings.update");
    await press(grid(), "A");
    await act(async () => typeInto(editor(), "Alpha"));
    await press(editor(), "Tab");
    // The first save is still on its way when the price is typed and committed.
    await press(grid(), "5");
    await act(async () => typeInto(editor(), "55"));
    await press(editor(), "Enter");
    expect(cellValue(0, 0)).toBe("Alpha");
    expect(cellValue(0, 1)).toBe("55.00");
    await until(() => fake.api.heldCount > 0);
    fake.api.releaseAll();
    await until(() => fake.api.callsTo("listings.update").length === 2);
    await until(() => m?.host.querySelector(".pending") === null);
    await settle();

    const saved = fake.api.byId("id-0");
    expect(saved?.title).toBe("Alpha");
    expect(saved?.price).toBe(55);
    expect(saved?.version).toBe(3);
    expect(fake.api.callsTo("listings.update").map((c) => c.input.version)).toEqual([1, 2]);
    expect(m?.toasts.filter((t) => t.kind === "error")).toEqual([]);
    expect(cell(0, 0)?.closest(".gr")?.className).not.toContain("conflict");
    expect(cellValue(0, 0)).toBe("Alpha");
    expect(cellValue(0, 1)).toBe("55.00");
  });
});

describe("GridScreen saves of one row, refused", () => {
  it("keeps both quick edits in the conflict panel when someone else changed the row", async () => {
    await mountGrid(5);
    grid().focus();
    fake.api.hold("listings.update");
    await press(grid(), "A");
    await act(async () => typeInto(editor(), "Alpha"));
    await press(editor(), "Tab");
    await press(grid(), "5");
    await act(async () => typeInto(editor(), "55"));
    await press(editor(), "Enter");
    await until(() => fake.api.heldCount > 0);
    const row = fake.api.byId("id-0");
    if (row) Object.assign(row, { title: "Theirs", version: 2 });
    fake.api.releaseAll();
    await until(() => fake.api.callsTo("listings.update").length === 2);
    await until(() => m?.host.querySelector(".pending") === null);
    await settle();

    expect(fake.api.byId("id-0")).toMatchObject({ title: "Theirs", price: 10, version: 2 });
    const panel = m?.host.querySelector('[data-testid="conflicts"]');
    expect(panel?.querySelector("h2")?.textContent).toContain("1 conflicting edit ");
    const mine = [...(panel?.querySelectorAll("tbody tr") ?? [])].map((tr) => [
      tr.querySelector("th")?.textContent,
      tr.querySelector(".mine")?.textContent,
    ]);
    expect(mine).toEqual([
      ["title", "Alpha"],
      ["price", "55"],
    ]);
  });
});

describe("GridScreen range operations", () => {
  it("Delete over a range clears rows that were never loaded as well", async () => {
    await mountGrid(250);
    // Only the first page is on screen and loaded.
    expect(fake.api.callsTo("listings.list").every((c) => c.input.offset === 0)).toBe(true);
    const conditionCol = 5;
    await mouseDown(cell(0, conditionCol));
    await press(grid(), "ArrowDown", { ctrlKey: true, shiftKey: true });
    await press(grid(), "Delete");
    await until(() => fake.api.callsTo("listings.bulkUpsert").length > 0);
    await until(() => m?.host.querySelector(".pending") === null);
    await settle();

    expect(fake.api.rows.filter((r) => r.condition !== null).map((r) => r.id)).toEqual([]);
    expect(m?.toasts.filter((t) => t.kind === "error")).toEqual([]);
  });
});

describe("GridScreen bulk conflicts", () => {
  it("reads back every conflicting row after a bulk save, not only the first 150", async () => {
    await mountGrid(400);
    const conditionCol = 5;
    await mouseDown(cell(0, conditionCol));
    await press(grid(), "ArrowDown", { ctrlKey: true, shiftKey: true });
    fake.api.hold("listings.bulkUpsert");
    await press(grid(), "d", { ctrlKey: true });
    await until(() => fake.api.heldCount > 0);
    // Someone else edits 200 of the rows while the fill is on its way.
    for (const r of fake.api.rows.slice(1, 201))
      Object.assign(r, { condition: `Used ${r.id}`, version: r.version + 1 });
    fake.api.releaseAll();
    await until(() => !!m?.host.querySelector('[data-testid="conflicts"]'));
    await until(() => m?.host.querySelector(".pending") === null);
    await settle();

    expect(m?.host.querySelector('[data-testid="conflicts"] h2')?.textContent).toContain(
      "200 conflicting edits",
    );
    // A conflicting row far down the range shows the server's value, not the unsaved fill.
    const el = grid();
    el.scrollTop = 180 * 30;
    await act(async () => el.dispatchEvent(new Event("scroll")));
    await until(() => !!cell(180, conditionCol));
    expect(cellValue(180, conditionCol)).toBe("Used id-180");
    // The rows nobody else touched were saved.
    expect(fake.api.byId("id-250")?.version).toBe(2);
  });
});

describe("GridScreen bulk conflicts on deleted rows", () => {
  it("puts back a conflicting row the server no longer returns", async () => {
    await mountGrid(5);
    const conditionCol = 5;
    await mouseDown(cell(0, conditionCol));
    await press(grid(), "ArrowDown", { ctrlKey: true, shiftKey: true });
    fake.api.hold("listings.bulkUpsert");
    await press(grid(), "Delete");
    await until(() => fake.api.heldCount > 0);
    // Row 2 is changed by someone else, then deleted before the grid reads it back.
    const r2 = fake.api.byId("id-2");
    if (r2) r2.version += 1;
    fake.api.onCall = (path, input) => {
      if (path === "listings.list" && input.ids)
        fake.api.rows = fake.api.rows.filter((r) => r.id !== "id-2");
    };
    fake.api.releaseAll();
    await until(() => fake.api.callsTo("listings.list").some((c) => !!c.input.ids));
    await until(() => m?.host.querySelector(".pending") === null);
    await settle();

    expect(fake.api.rows.map((r) => r.condition)).toEqual([null, null, null, null]);
    // Not the cleared value that was never saved.
    expect(cellValue(2, conditionCol)).toBe("New");
    expect(cellValue(3, conditionCol)).toBe("");
  });
});

describe("GridScreen refresh after undo", () => {
  it("keeps the rows and their count on screen while the refetch after an undo runs", async () => {
    await mountGrid(5);
    grid().focus();
    await press(grid(), "Z");
    await act(async () => typeInto(editor(), "Zed"));
    await press(editor(), "Enter");
    await until(() => fake.api.byId("id-0")?.title === "Zed");
    await until(() => m?.host.querySelector(".pending") === null);
    await settle();
    const body = () => m?.host.querySelector<HTMLElement>(".grid-body");
    expect(body()?.style.height).toBe("150px");

    fake.api.hold("listings.list");
    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.callsTo("changeSets.undo").length === 1 && fake.api.heldCount > 0);
    await settle();
    expect(fake.api.byId("id-0")?.title).toBe("Listing 0");
    // The refetch is still on its way: nothing may collapse meanwhile.
    expect(m?.host.textContent).not.toContain("No listings match.");
    expect(body()?.style.height).toBe("150px");
    expect(m?.host.querySelector('[data-testid="row-count"]')?.textContent).toBe("5 listings");
    expect(cell(0, 0)).toBeTruthy();

    fake.api.releaseAll();
    await until(() => cellValue(0, 0) === "Listing 0");
    expect(body()?.style.height).toBe("150px");
  });
});

describe("GridScreen cursor after an edit", () => {
  it("scrolls the cell Enter moves to into view, as the arrow keys do", async () => {
    await mountGrid(40);
    const el = grid();
    // jsdom does no layout: give the grid a viewport of 300px (the header takes 32 of them).
    Object.defineProperty(el, "clientHeight", { value: 300, configurable: true });
    Object.defineProperty(el, "clientWidth", { value: 2000, configurable: true });
    await mouseDown(cell(8, 3));
    expect(el.scrollTop).toBe(0);
    await press(el, "Enter");
    await act(async () => typeInto(editor(), "7"));
    await press(editor(), "Enter");
    expect(cell(9, 3)?.className).toContain("active");
    // Row 9 spans 270–300px; the body shows 268px below the header.
    expect(el.scrollTop).toBe(300 - 268);
    await until(() => fake.api.byId("id-8")?.quantity === 7);

    // An arrow key from there scrolls by the same rule.
    await press(el, "ArrowDown");
    expect(el.scrollTop).toBe(330 - 268);
  });
});
