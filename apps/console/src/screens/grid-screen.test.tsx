import { act } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GridScreen, ROW_H } from "./grid-screen";
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

/** Types `text` into the active cell (its first character opens the editor) and commits it. */
async function typeCell(text: string, key: "Enter" | "Tab" = "Enter") {
  await press(grid(), text.charAt(0));
  await act(async () => typeInto(editor(), text));
  await press(editor(), key);
}

/** Waits until no row is being saved, then for the renders that follow. */
async function savesDone() {
  await until(() => m?.host.querySelector(".pending") === null);
  await settle();
}

/** Waits for the first bulk save to be sent, then until no row is being saved. */
async function bulkSavesDone() {
  await until(() => fake.api.callsTo("listings.bulkUpsert").length > 0);
  await savesDone();
}

/** Selects the cells from one corner to the other, as a click and then a shift-click do. */
async function selectRange(from: [number, number], to: [number, number]) {
  await mouseDown(cell(...from));
  await mouseDown(cell(...to), { shiftKey: true });
}

/** A grid of five listings whose first title was edited to `title` and saved. */
async function mountWithSavedTitle(title: string) {
  await mountGrid(5);
  grid().focus();
  await typeCell(title);
  await until(() => fake.api.byId("id-0")?.title === title);
  await savesDone();
}

/** The button labelled `label` inside `within` (the whole screen unless said). */
const button = (label: string, within: ParentNode | null | undefined = m?.host) =>
  [...(within?.querySelectorAll("button") ?? [])].find((b) => b.textContent === label);

/** Neither a conflict panel nor an error toast is on screen. */
const noConflicts = () => {
  expect(m?.host.querySelector('[data-testid="conflicts"]')).toBeNull();
  expect(m?.toasts.filter((t) => t.kind === "error")).toEqual([]);
};

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

/**
 * A title typed into row 0 and, while its save is held on the way, a price typed and committed in
 * the next cell of the same row.
 */
async function twoQuickEdits() {
  await mountGrid(5);
  grid().focus();
  fake.api.hold("listings.update");
  await typeCell("Alpha", "Tab");
  await typeCell("55");
}

describe("GridScreen saves of one row", () => {
  it("a second edit made while the first is saving is sent after it, with its version", async () => {
    await twoQuickEdits();
    expect(cellValue(0, 0)).toBe("Alpha");
    expect(cellValue(0, 1)).toBe("55.00");
    await until(() => fake.api.heldCount > 0);
    fake.api.releaseAll();
    await until(() => fake.api.callsTo("listings.update").length === 2);
    await savesDone();

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
    await twoQuickEdits();
    await until(() => fake.api.heldCount > 0);
    const row = fake.api.byId("id-0");
    if (row) Object.assign(row, { title: "Theirs", version: 2 });
    fake.api.releaseAll();
    await until(() => fake.api.callsTo("listings.update").length === 2);
    await savesDone();

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
    await bulkSavesDone();

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
    await savesDone();

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
    await savesDone();

    expect(fake.api.rows.map((r) => r.condition)).toEqual([null, null, null, null]);
    // Not the cleared value that was never saved.
    expect(cellValue(2, conditionCol)).toBe("New");
    expect(cellValue(3, conditionCol)).toBe("");
  });
});

describe("GridScreen refresh after undo", () => {
  it("keeps the rows and their count on screen while the refetch after an undo runs", async () => {
    await mountWithSavedTitle("Zed");
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

/** Fires a paste of `text` at the document, as the browser does for Ctrl+V. */
async function paste(text: string) {
  const ev = new Event("paste", { bubbles: true, cancelable: true });
  Object.defineProperty(ev, "clipboardData", {
    value: { getData: () => text, setData: () => {} },
  });
  await act(async () => {
    document.dispatchEvent(ev);
  });
}

/** Fires a copy at the document, as the browser does for Ctrl+C; returns what it was given. */
async function copy(): Promise<Map<string, string>> {
  const data = new Map<string, string>();
  const ev = new Event("copy", { bubbles: true, cancelable: true });
  Object.defineProperty(ev, "clipboardData", {
    value: {
      setData: (type: string, v: string) => data.set(type, v),
      getData: (type: string) => data.get(type) ?? "",
    },
  });
  await act(async () => {
    document.dispatchEvent(ev);
  });
  return data;
}

/** Fires a cut at the document, as the browser does for Ctrl+X; returns what it was given. */
async function cut(): Promise<Map<string, string>> {
  const data = new Map<string, string>();
  const ev = new Event("cut", { bubbles: true, cancelable: true });
  Object.defineProperty(ev, "clipboardData", {
    value: { setData: (type: string, v: string) => data.set(type, v), getData: () => "" },
  });
  await act(async () => {
    document.dispatchEvent(ev);
  });
  return data;
}

/** Gives jsdom an async clipboard whose writes `write` answers. */
function stubClipboard(write: (text: string) => Promise<void>) {
  Object.defineProperty(navigator, "clipboard", {
    value: { writeText: write },
    configurable: true,
  });
}

describe("GridScreen typing into a cell", () => {
  it("starts an edit with a character typed with AltGr (reported as Ctrl+Alt)", async () => {
    await mountGrid(5);
    grid().focus();
    await press(grid(), "@", { ctrlKey: true, altKey: true });
    expect(editor()?.value).toBe("@");
  });

  it("opens the editor for an IME composition and lets the key through to it", async () => {
    await mountGrid(5);
    grid().focus();
    const ev = new KeyboardEvent("keydown", {
      key: "Process",
      isComposing: true,
      bubbles: true,
      cancelable: true,
    });
    await act(async () => {
      grid().dispatchEvent(ev);
    });
    expect(editor()?.value).toBe("");
    // Focused before the browser delivers the composition, which must not be cancelled.
    expect(document.activeElement).toBe(editor());
    expect(ev.defaultPrevented).toBe(false);
  });
});

describe("GridScreen typing with an IME", () => {
  it("keeps the editor open when Enter or Escape only confirms or drops a conversion", async () => {
    await mountGrid(5);
    grid().focus();
    await press(grid(), "Process", { isComposing: true });
    await act(async () => typeInto(editor(), "とうきょう"));
    // Enter converts the reading; the composition is still open.
    await press(editor(), "Enter", { isComposing: true, keyCode: 229 });
    await act(async () => typeInto(editor(), "東京"));
    // Escape while composing belongs to the IME as well.
    await press(editor(), "Escape", { isComposing: true, keyCode: 229 });
    // Safari reports the Enter that ends a composition after it ended, with keyCode 229.
    await press(editor(), "Enter", { keyCode: 229 });
    expect(editor()?.value).toBe("東京");
    expect(fake.api.callsTo("listings.update")).toHaveLength(0);
    // The Enter after the composition saves.
    await press(editor(), "Enter");
    await until(() => fake.api.byId("id-0")?.title === "東京");
    expect(fake.api.callsTo("listings.update")).toHaveLength(1);
  });
});

describe("GridScreen paste onto rows still loading", () => {
  it("waits for the page a scroll is fetching instead of skipping its rows", async () => {
    await mountGrid(250);
    const conditionCol = 5;
    await mouseDown(cell(0, conditionCol));
    fake.api.hold("listings.list");
    const el = grid();
    el.scrollTop = 150 * 30;
    await act(async () => el.dispatchEvent(new Event("scroll")));
    // The scroll's fetch of rows 100–199 is on its way when the paste comes.
    await until(() => fake.api.heldCount > 0);
    await paste("Used\n".repeat(150));
    fake.api.releaseAll();
    await bulkSavesDone();

    expect(m?.toasts.filter((t) => t.kind === "error")).toEqual([]);
    const notPasted = fake.api.rows.slice(0, 150).filter((r) => r.condition !== "Used");
    expect(notPasted.map((r) => r.id)).toEqual([]);
    expect(fake.api.byId("id-150")?.condition).toBe("New");
  });
});

describe("GridScreen copy of rows not loaded yet", () => {
  afterEach(() => {
    Reflect.deleteProperty(navigator, "clipboard");
  });

  async function selectAllRowsOfFirstColumn() {
    await mountGrid(250);
    await mouseDown(cell(0, 0));
    await press(grid(), "ArrowDown", { ctrlKey: true, shiftKey: true });
  }

  it("says so when the rows cannot be loaded, and never says Copied", async () => {
    await selectAllRowsOfFirstColumn();
    const written: string[] = [];
    stubClipboard(async (t) => void written.push(t));
    fake.api.onCall = (path) => {
      if (path === "listings.list") throw new Error("Network down");
    };
    await copy();
    await until(() => m?.toasts.some((t) => t.text.startsWith("Not copied")) ?? false);
    await settle();
    expect(m?.toasts.find((t) => t.text.startsWith("Not copied"))?.text).toContain("Network down");
    expect(m?.toasts.some((t) => t.text === "Copied")).toBe(false);
    expect(written).toEqual([]);
  });

  it("says so when the browser refuses the clipboard write", async () => {
    await selectAllRowsOfFirstColumn();
    stubClipboard(() => Promise.reject(new Error("Document is not focused")));
    await copy();
    await until(() => m?.toasts.some((t) => t.text.startsWith("Not copied")) ?? false);
    await settle();
    expect(m?.toasts.find((t) => t.kind === "error")?.text).toContain("Document is not focused");
    expect(m?.toasts.some((t) => t.text === "Copied")).toBe(false);
  });

  it("says Copied once the text is on the clipboard", async () => {
    await selectAllRowsOfFirstColumn();
    const written: string[] = [];
    stubClipboard(async (t) => void written.push(t));
    await copy();
    await until(() => m?.toasts.some((t) => t.text === "Copied") ?? false);
    expect(written[0]?.split("\n")).toHaveLength(250);
    expect(m?.toasts.filter((t) => t.kind === "error")).toEqual([]);
  });
});

describe("GridScreen paste beyond what the grid can take", () => {
  it("names the columns past the right edge and the read-only cells it left out", async () => {
    await mountGrid(5);
    // Description, the last editable column; Updated (read-only) follows, then nothing.
    const descCol = 9;
    await mouseDown(cell(0, descCol));
    await paste("Nice lamp\t2030-01-01\textra\tmore\n");
    await until(() => fake.api.byId("id-0")?.description === "Nice lamp");
    await until(() => m?.host.querySelector(".pending") === null);
    const info = m?.toasts.filter((t) => t.text.startsWith("Not pasted")).map((t) => t.text);
    expect(info).toEqual([
      "Not pasted: 2 column(s) past the right edge; 1 cell(s) of Updated, which is read-only",
    ]);
  });
});

describe("GridScreen keep mine on a marketplace field", () => {
  it("keeps a marketplace field someone else changed meanwhile", async () => {
    fake.api.reset([
      listing(0, { marketplaceFields: { shopifyHandle: "old", vendor: "Acme" } }),
      listing(1),
    ]);
    m = await mountWithApp(<GridScreen />);
    await until(() => !!cell(0, 0));
    const market = m.host.querySelector<HTMLSelectElement>('select[aria-label="Marketplace"]');
    if (!market) throw new Error("no marketplace select");
    await act(async () => {
      Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value")?.set?.call(
        market,
        "shopify",
      );
      market.dispatchEvent(new Event("change", { bubbles: true }));
    });
    // Shopify adds the Handle column after Description.
    const handleCol = 10;
    await until(() => cellValue(0, handleCol) === "old");

    await mouseDown(cell(0, handleCol));
    fake.api.hold("listings.update");
    await typeCell("new-handle");
    await until(() => fake.api.heldCount > 0);
    // Someone else changes another marketplace field of the same listing first.
    const r0 = fake.api.byId("id-0");
    if (r0) Object.assign(r0, { marketplaceFields: { shopifyHandle: "old", vendor: "Globex" } });
    if (r0) r0.version += 1;
    fake.api.releaseAll();
    await until(() => !!m?.host.querySelector('[data-testid="conflicts"]'));
    await act(async () => button("Keep mine")?.click());
    await until(() => fake.api.byId("id-0")?.version === 3);
    await savesDone();

    expect(fake.api.byId("id-0")?.marketplaceFields).toEqual({
      shopifyHandle: "new-handle",
      vendor: "Globex",
    });
  });
});

describe("GridScreen quick undos", () => {
  it("a second Ctrl+Z pressed while the first is on its way undoes the edit before", async () => {
    await mountGrid(5);
    grid().focus();
    for (const [k, text] of [
      ["A", "Alpha"],
      ["B", "Beta"],
    ] as const) {
      await press(grid(), k);
      await act(async () => typeInto(editor(), text));
      await press(editor(), "Enter");
      await until(() => m?.host.querySelector(".pending") === null);
    }
    await until(() => fake.api.byId("id-1")?.title === "Beta");
    await settle();

    fake.api.hold("changeSets.undo");
    await press(grid(), "z", { ctrlKey: true });
    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.heldCount > 0);
    fake.api.releaseAll();
    const answered = () =>
      m?.toasts.filter((t) => t.text.startsWith("Undone") || t.text.startsWith("Undo refused"))
        .length ?? 0;
    await until(() => answered() === 2);
    await settle();

    expect(m?.toasts.filter((t) => t.kind === "error")).toEqual([]);
    expect(fake.api.callsTo("changeSets.undo").map((c) => c.input.id)).toEqual(["cs-2", "cs-1"]);
    expect(fake.api.byId("id-0")?.title).toBe("Listing 0");
    expect(fake.api.byId("id-1")?.title).toBe("Listing 1");
  });
});

describe("GridScreen undo right after an edit", () => {
  it("Ctrl+Z pressed while the edit is still saving undoes that edit, not the one before", async () => {
    await mountWithSavedTitle("Alpha");

    fake.api.hold("listings.update");
    await typeCell("Beta");
    await until(() => fake.api.heldCount > 0);
    // The seller sees "Beta" in the cell and takes it back at once.
    await press(grid(), "z", { ctrlKey: true });
    await settle();
    fake.api.releaseAll();
    await until(() => m?.toasts.some((t) => t.text.startsWith("Undo")) ?? false);
    await savesDone();

    expect(fake.api.callsTo("changeSets.undo").map((c) => c.input.id)).toEqual(["cs-2"]);
    expect(fake.api.byId("id-1")?.title).toBe("Listing 1");
    expect(fake.api.byId("id-0")?.title).toBe("Alpha");
    // The step before stays undoable.
    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.byId("id-0")?.title === "Listing 0");
  });
});

describe("GridScreen rows re-sorted under an open editor", () => {
  it("saves into the listing the editor was opened on, and shows it where it is now", async () => {
    await mountWithSavedTitle("Zed");

    // The undo's refetch is slow; meanwhile the seller starts typing in row 1 (Listing 1).
    fake.api.hold("listings.list");
    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.heldCount > 0);
    await press(grid(), "Q");
    await act(async () => typeInto(editor(), "Quick"));
    // Sorted by last update, the listing the undo touched moves: Listing 1 is now first.
    const [first, ...rest] = fake.api.rows;
    if (first) fake.api.rows = [...rest, first];
    fake.api.releaseAll();
    await until(() => cellValue(0, 0) === "Listing 1");
    await press(editor(), "Enter");
    await until(() => fake.api.callsTo("listings.update").length === 2);
    await savesDone();

    expect(fake.api.byId("id-1")?.title).toBe("Quick");
    expect(fake.api.byId("id-2")?.title).toBe("Listing 2");
    expect(cellValue(0, 0)).toBe("Quick");
    expect(cellValue(1, 0)).toBe("Listing 2");
  });
});

describe("GridScreen editor over rows that move", () => {
  const editorBox = () => editor()?.closest<HTMLElement>(".cell-editor");

  it("is drawn on its listing's row after a re-sort, with the text typed so far", async () => {
    await mountWithSavedTitle("Zed");
    fake.api.hold("listings.list");
    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.heldCount > 0);
    // The editor opens on row 1 (Listing 1); the undo's refetch then moves Listing 1 to row 0.
    await press(grid(), "Q");
    await act(async () => typeInto(editor(), "Quick"));
    const [first, ...rest] = fake.api.rows;
    if (first) fake.api.rows = [...rest, first];
    fake.api.releaseAll();
    await until(() => cellValue(0, 0) === "Listing 1");
    await settle();

    expect(editorBox()?.style.top).toBe("0px");
    expect(editor()?.value).toBe("Quick");
    expect(document.activeElement).toBe(editor());
    expect(cell(0, 0)?.className).toContain("active");
    expect(cell(1, 0)?.className).not.toContain("active");
  });
});

describe("GridScreen search while a value a column cannot take is held", () => {
  const priceCol = 1;
  const editorBox = () => editor()?.closest<HTMLElement>(".cell-editor");

  /** "twelve" typed into the price of Listing 2, then the search box clicked (the editor stays). */
  async function twelveThenSearch(rows: number) {
    await mountGrid(rows);
    await mouseDown(cell(2, priceCol));
    await press(grid(), "t");
    await act(async () => typeInto(editor(), "twelve"));
    const search = m?.host.querySelector<HTMLInputElement>("#grid-search");
    if (!search) throw new Error("no search box");
    await act(async () => search.focus());
    expect(editor()?.value).toBe("twelve");
    return search;
  }

  it("keeps the editor and its text on the listing's row once the new rows arrive", async () => {
    const search = await twelveThenSearch(5);
    await act(async () => typeInto(search, "Listing"));
    await until(() => fake.api.callsTo("listings.list").some((c) => c.input.q === "Listing"));
    await settle();

    expect(editor()?.value).toBe("twelve");
    expect(editorBox()?.style.top).toBe(`${2 * ROW_H}px`);
    expect(m?.host.querySelector(".cell-editor-note")).toBeNull();

    await act(async () => editor().focus());
    await act(async () => typeInto(editor(), "12.50"));
    await press(editor(), "Enter");
    await until(() => fake.api.byId("id-2")?.price === 12.5);
    expect(fake.api.callsTo("listings.update")).toHaveLength(1);
  });

  it("says the held text was not saved when its column is hidden", async () => {
    await twelveThenSearch(5);
    const open = [...(m?.host.querySelectorAll("button") ?? [])].find(
      (b) => b.textContent === "Columns",
    );
    await act(async () => open?.click());
    const price = [...(m?.host.querySelectorAll(".popover label") ?? [])]
      .find((l) => l.textContent?.trim() === "Price")
      ?.querySelector("input");
    if (!price) throw new Error("no Price box in the columns menu");
    await act(async () => price.click());
    await until(() => !editor());

    expect(m?.toasts.at(-1)?.text).toBe(
      '"twelve" for Price of "Listing 2" was not saved: the column is no longer shown',
    );
  });

  it("keeps it, naming its listing, when the listing is not among the rows the search shows", async () => {
    const search = await twelveThenSearch(150);
    // The new query puts Listing 2 on a page the grid has not loaded.
    const moved = fake.api.rows.find((r) => r.id === "id-2");
    fake.api.rows = [...fake.api.rows.filter((r) => r.id !== "id-2"), ...(moved ? [moved] : [])];
    await act(async () => typeInto(search, "Listing"));
    await until(() => fake.api.callsTo("listings.list").some((c) => c.input.q === "Listing"));
    await settle();

    expect(cellValue(2, 0)).toBe("Listing 3");
    expect(editor()?.value).toBe("twelve");
    expect(m?.host.querySelector(".cell-editor-note")?.textContent).toBe(
      'Price of "Listing 2" (not among the rows shown)',
    );

    await act(async () => editor().focus());
    await act(async () => typeInto(editor(), "12.50"));
    const active = () => m?.host.querySelector('[role="gridcell"].active')?.id;
    const before = active();
    expect(before).toBeDefined();
    await press(editor(), "Enter");
    await until(() => fake.api.byId("id-2")?.price === 12.5);
    expect(fake.api.byId("id-3")?.price).toBe(13);
    // The listing has no row among those shown to move down from: the cursor stays put.
    expect(active()).toBe(before);
  });
});

describe("GridScreen editor open on a column that goes away", () => {
  /** Picks a marketplace as the select does, without taking the keyboard from an open editor. */
  async function pickMarketplace(value: string) {
    const select = m?.host.querySelector<HTMLSelectElement>('select[aria-label="Marketplace"]');
    if (!select) throw new Error("no marketplace select");
    await act(async () => {
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  it("saves the text typed so far, as leaving the editor any other way does", async () => {
    await mountGrid(5);
    await pickMarketplace("ebay");
    const headers = () =>
      [...(m?.host.querySelectorAll('[role="columnheader"]:not(.gutter)') ?? [])].map((h) =>
        h.textContent?.trim(),
      );
    await until(() => headers().includes("eBay category ID") && !!cell(2, 0));
    const ebayCol = headers().indexOf("eBay category ID");
    await mouseDown(cell(2, ebayCol));
    await press(grid(), "9");
    await act(async () => typeInto(editor(), "9355"));
    expect(document.activeElement).toBe(editor());

    // Its column is not one of this marketplace's: the editor closes with the text in it.
    await pickMarketplace("generic");
    await until(() => !editor());
    await settle();
    await savesDone();
    expect(fake.api.byId("id-2")?.marketplaceFields?.ebayCategoryId).toBe("9355");
    expect(fake.api.callsTo("listings.update")).toHaveLength(1);
    noConflicts();

    // One undoable step, as any edit.
    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.byId("id-2")?.marketplaceFields?.ebayCategoryId === undefined);
    expect(m?.toasts.at(-1)?.text).toBe('Undone: Edit eBay category ID of "Listing 2"');
  });
});

describe("GridScreen value a column cannot take", () => {
  it("keeps the editor open with the text as typed after Enter, instead of dropping it", async () => {
    await mountGrid(5);
    const priceCol = 1;
    await mouseDown(cell(2, priceCol));
    await typeCell("twelve");
    expect(m?.toasts.at(-1)?.text).toContain('"twelve" is not a price');
    expect(editor()?.value).toBe("twelve");
    expect(cell(2, priceCol)?.className).toContain("active");
    expect(document.activeElement).toBe(editor());

    await act(async () => typeInto(editor(), "12.50"));
    await press(editor(), "Enter");
    await until(() => fake.api.byId("id-2")?.price === 12.5);
    expect(cell(3, priceCol)?.className).toContain("active");
    expect(fake.api.callsTo("listings.update")).toHaveLength(1);
  });
});

describe("GridScreen bulk actions on a selection reaching rows not loaded", () => {
  it("offers the selected rows, not only every listing matching the filter", async () => {
    await mountGrid(400);
    // Rows 100 to 399 were never scrolled to.
    await mouseDown(cell(1, 0));
    await press(grid(), "ArrowDown", { ctrlKey: true, shiftKey: true });
    await act(async () => button("Bulk actions")?.click());
    await until(() => !!m?.host.querySelector('input[name="scope"]'));
    const [selection, filter] = [
      ...(m?.host.querySelectorAll<HTMLInputElement>('input[name="scope"]') ?? []),
    ];
    expect(selection?.checked).toBe(true);
    expect(selection?.disabled).toBe(false);
    expect(filter?.checked).toBe(false);
    expect(selection?.closest("label")?.textContent).toContain("Selected rows (399)");
  });
});

describe("GridScreen export of a selection over 100,000 rows", () => {
  it("says the selection is too large instead of picking the whole filter", async () => {
    const client = fake.api.client as unknown as Record<string, unknown>;
    client.exports = {
      list: { query: vi.fn(async () => ({ items: [] })) },
      byId: { query: vi.fn() },
      create: { mutate: vi.fn() },
    };
    try {
      await mountGrid(100_002);
      // Rows 1 to 100,001: one more than a selection holds, and one fewer than match the filter.
      await mouseDown(cell(1, 0));
      await press(grid(), "ArrowDown", { ctrlKey: true, shiftKey: true });
      await act(async () => button("Export")?.click());
      await until(() => !!m?.host.querySelector('input[name="export-scope"]'));
      const [selection, filter, everything] = [
        ...(m?.host.querySelectorAll<HTMLInputElement>('input[name="export-scope"]') ?? []),
      ];
      expect([selection, filter, everything].map((i) => i?.checked)).toEqual([false, false, false]);
      expect(selection?.closest("label")?.textContent).toContain("100,001: too many");
      expect(filter?.closest("label")?.textContent).toContain(
        "All 100,002 matching the current filter (not only the 100,001 you selected)",
      );
    } finally {
      delete client.exports;
    }
  }, 30_000);
});

describe("GridScreen edits and pastes of the same rows in quick succession", () => {
  const conditionCol = 5;

  it("an edit made while a paste over its row is saving is sent after the paste", async () => {
    await mountGrid(5);
    await mouseDown(cell(0, conditionCol));
    fake.api.hold("listings.bulkUpsert");
    await paste("Used\nUsed\nUsed\n");
    await until(() => fake.api.heldCount > 0);
    // A typo spotted at once, fixed in the next cell of a pasted row.
    await mouseDown(cell(1, 0));
    await typeCell("Fixed");
    fake.api.releaseAll();
    await until(() => fake.api.byId("id-1")?.title === "Fixed");
    await savesDone();

    noConflicts();
    expect(fake.api.byId("id-1")).toMatchObject({ title: "Fixed", condition: "Used", version: 3 });
    expect(cellValue(1, 0)).toBe("Fixed");
    expect(cellValue(1, conditionCol)).toBe("Used");
  });

  it("a paste over a row whose edit is still saving is sent after the edit", async () => {
    await mountGrid(5);
    grid().focus();
    fake.api.hold("listings.update");
    await typeCell("Alpha");
    await until(() => fake.api.heldCount > 0);
    await mouseDown(cell(0, conditionCol));
    await paste("Used\nUsed\n");
    fake.api.releaseAll();
    await until(() => fake.api.callsTo("listings.bulkUpsert").length === 1);
    await savesDone();

    noConflicts();
    expect(fake.api.byId("id-0")).toMatchObject({ title: "Alpha", condition: "Used", version: 3 });
    expect(fake.api.byId("id-1")).toMatchObject({ condition: "Used", version: 2 });
    expect(cellValue(0, 0)).toBe("Alpha");
    expect(cellValue(0, conditionCol)).toBe("Used");
  });
});

describe("GridScreen quick edits of one row that both fail", () => {
  it("shows neither value afterwards, not the first one as if it had been saved", async () => {
    await twoQuickEdits();
    await until(() => fake.api.heldCount > 0);
    // The listing is gone from the server (deleted elsewhere): both saves are refused.
    fake.api.rows = fake.api.rows.filter((r) => r.id !== "id-0");
    fake.api.releaseAll();
    await until(() => fake.api.callsTo("listings.update").length === 2);
    await savesDone();

    expect(m?.toasts.filter((t) => t.text.startsWith("Not saved"))).toHaveLength(2);
    expect(cellValue(0, 0)).toBe("Listing 0");
    expect(cellValue(0, 1)).toBe("10.00");
  });
});

describe("GridScreen price filter", () => {
  it("reads a minimum price typed with a decimal comma instead of ignoring it", async () => {
    await mountGrid(5);
    const min = m?.host.querySelector<HTMLInputElement>('input[aria-label="Minimum price"]');
    if (!min) throw new Error("no price filter");
    await act(async () => typeInto(min, "12,5"));
    await until(() =>
      fake.api.callsTo("listings.list").some((c) => c.input.priceMin !== undefined),
    );
    expect(fake.api.callsTo("listings.list").at(-1)?.input.priceMin).toBe(12.5);
  });
});

describe("GridScreen price filter that cannot be read", () => {
  it("flags a minimum price of 1.000 as the grid flags a cell, instead of ignoring it", async () => {
    await mountGrid(5);
    const min = m?.host.querySelector<HTMLInputElement>('input[aria-label="Minimum price"]');
    if (!min) throw new Error("no price filter");
    await act(async () => typeInto(min, "1.000"));
    await until(() => !!m?.host.querySelector("#price-min-error"));

    expect(m?.host.querySelector("#price-min-error")?.getAttribute("role")).toBe("alert");
    expect(m?.host.querySelector("#price-min-error")?.textContent).toContain(
      '"1.000" is not a price',
    );
    expect(min.getAttribute("aria-invalid")).toBe("true");
    expect(min.getAttribute("aria-describedby")).toBe("price-min-error");

    // Read once it is a price; the flag goes.
    await act(async () => typeInto(min, "1,000"));
    await until(() => fake.api.callsTo("listings.list").some((c) => c.input.priceMin === 1000));
    expect(m?.host.querySelector("#price-min-error")).toBeNull();
    expect(min.getAttribute("aria-invalid")).toBeNull();
  });
});

describe("GridScreen large bulk save failing part way", () => {
  it("takes back only the rows whose part was not saved", async () => {
    await mountGrid(10_050);
    const conditionCol = 5;
    await mouseDown(cell(0, conditionCol));
    await press(grid(), "ArrowDown", { ctrlKey: true, shiftKey: true });
    // The first 10,000 rows are saved; the request with the rest fails.
    fake.api.onCall = (path) => {
      if (path === "listings.bulkUpsert" && fake.api.callsTo(path).length === 2)
        throw new Error("Network down");
    };
    await press(grid(), "Delete");
    await until(() => m?.toasts.some((t) => t.kind === "error") ?? false, 20_000);
    await savesDone();

    expect(fake.api.byId("id-0")?.condition).toBeNull();
    expect(fake.api.byId("id-10049")?.condition).toBe("New");
    // Saved: shown cleared. Not saved: shown as the server still has it.
    expect(cellValue(0, conditionCol)).toBe("");
    expect(m?.toasts.find((t) => t.kind === "error")?.text).toBe(
      "50 row(s) not saved: Network down — your values are kept in the unsaved panel, with Retry and Retry all",
    );
  }, 30_000);
});

describe("GridScreen paste sent as several requests", () => {
  it("names in each undo step the rows its request carried, not the whole paste", async () => {
    // Over 10,000 rows a save is sent as several requests, each its own change set.
    const rows = 10_050;
    await mountGrid(rows);
    const conditionCol = 5;
    await mouseDown(cell(0, conditionCol));
    grid().focus();
    await press(grid(), "ArrowDown", { ctrlKey: true, shiftKey: true });
    await paste("Used\n");
    await bulkSavesDone();
    await until(() => fake.api.callsTo("listings.bulkUpsert").length === 2);
    await savesDone();
    expect(fake.api.callsTo("listings.bulkUpsert").map((c) => c.input.summary)).toEqual([
      "Paste 10000×1 cells (part 1 of 2)",
      "Paste 50×1 cells (part 2 of 2)",
    ]);

    const undone = () => m?.toasts.filter((t) => t.text.startsWith("Undone")).map((t) => t.text);
    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.byId(`id-${rows - 1}`)?.condition === "New");
    await settle();
    expect(fake.api.byId("id-0")?.condition).toBe("Used");
    expect(undone()).toEqual(["Undone: Paste 50×1 cells (part 2 of 2)"]);

    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.byId("id-0")?.condition === "New");
    await settle();
    expect(undone()).toEqual([
      "Undone: Paste 50×1 cells (part 2 of 2)",
      "Undone: Paste 10000×1 cells (part 1 of 2)",
    ]);
  }, 60_000);
});

describe("GridScreen conflict resolved after more edits of the row", () => {
  /** A title edit refused as a conflict, then the price of the same row edited and saved. */
  async function conflictThenPriceEdit() {
    await mountGrid(5);
    grid().focus();
    fake.api.hold("listings.update");
    await typeCell("Alpha", "Tab");
    await until(() => fake.api.heldCount > 0);
    const row = fake.api.byId("id-0");
    if (row) Object.assign(row, { title: "Theirs", version: 2 });
    fake.api.releaseAll();
    await until(() => !!m?.host.querySelector('[data-testid="conflicts"]'));
    await until(() => m?.host.querySelector(".pending") === null);
    await typeCell("55");
    await until(() => fake.api.byId("id-0")?.price === 55);
    await savesDone();
  }
  const choose = async (label: string) => {
    await act(async () => button(label)?.click());
    await settle();
  };

  it("Take theirs keeps showing the price saved since, and the next edit saves", async () => {
    await conflictThenPriceEdit();
    await choose("Take theirs");
    expect(cellValue(0, 0)).toBe("Theirs");
    expect(cellValue(0, 1)).toBe("55.00");
    await mouseDown(cell(0, 2));
    await typeCell("EUR");
    await savesDone();
    expect(fake.api.byId("id-0")).toMatchObject({ currency: "EUR", price: 55, version: 4 });
    expect(m?.toasts.filter((t) => t.kind === "error")).toHaveLength(1);
  });

  it("Keep mine is sent with the version saved since, not refused again", async () => {
    await conflictThenPriceEdit();
    await choose("Keep mine");
    await until(() => fake.api.byId("id-0")?.title === "Alpha");
    await savesDone();
    expect(fake.api.byId("id-0")).toMatchObject({ title: "Alpha", price: 55, version: 4 });
    expect(m?.host.querySelector('[data-testid="conflicts"]')).toBeNull();
    expect(cellValue(0, 1)).toBe("55.00");
  });
});

describe("GridScreen cut", () => {
  it("puts the cells on the clipboard and clears them as one undoable step", async () => {
    await mountGrid(5);
    const conditionCol = 5;
    const before = fake.api.rows.slice(0, 3).map((r) => r.condition);
    expect(before.every((c) => c !== null)).toBe(true);
    await selectRange([0, conditionCol], [2, conditionCol]);
    grid().focus();
    const data = await cut();
    expect(data.get("text/plain")?.trimEnd().split(/\r?\n/)).toEqual(before);
    await bulkSavesDone();
    expect(fake.api.rows.slice(0, 3).map((r) => r.condition)).toEqual([null, null, null]);
    expect(fake.api.rows[3]?.condition).not.toBeNull();
    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.rows[0]?.condition !== null);
    expect(fake.api.rows.slice(0, 3).map((r) => r.condition)).toEqual(before);
  });
});

describe("GridScreen row numbers", () => {
  it("select whole rows: a click one row, a shift-click every row up to it", async () => {
    await mountGrid(5);
    const head = (r: number) => m?.host.querySelector(`#rowhead-${r}`);
    const selectedRows = () =>
      [0, 1, 2, 3, 4].filter((r) => {
        const row = cell(r, 0)?.parentElement;
        const cells = [...(row?.querySelectorAll("[role='gridcell']") ?? [])];
        return cells.length > 0 && cells.every((c) => c.className.includes("sel"));
      });
    await mouseDown(head(1));
    expect(selectedRows()).toEqual([1]);
    await mouseDown(head(3), { shiftKey: true });
    expect(selectedRows()).toEqual([1, 2, 3]);
    // The grid keeps the keyboard: Delete clears what the rows let it clear.
    expect(document.activeElement).toBe(grid());
  });
});

describe("GridScreen clearing a range with columns that cannot be empty", () => {
  it("Delete says which columns it left as they were", async () => {
    await mountGrid(5);
    const conditionCol = 5;
    await selectRange([0, 0], [1, conditionCol]);
    await press(grid(), "Delete");
    await bulkSavesDone();
    expect(fake.api.rows.slice(0, 2).map((r) => [r.title, r.condition])).toEqual([
      ["Listing 0", null],
      ["Listing 1", null],
    ]);
    expect(m?.toasts.map((t) => t.text)).toContain(
      "Title, Price, Cur. and Status can't be empty; left as they were",
    );
  });

  it("Ctrl+X says so too", async () => {
    await mountGrid(5);
    await selectRange([0, 4], [2, 5]);
    grid().focus();
    await cut();
    await bulkSavesDone();
    expect(fake.api.rows.slice(0, 3).map((r) => r.condition)).toEqual([null, null, null]);
    expect(m?.toasts.map((t) => t.text)).toContain("Status can't be empty; left as it was");
  });
});

describe("GridScreen paste into a larger selection", () => {
  /** Pastes two rows of conditions over the first `rows` rows of eight listings. */
  async function pasteTwoRowsOver(rows: number) {
    await mountGrid(8);
    const conditionCol = 5;
    await selectRange([0, conditionCol], [rows - 1, conditionCol]);
    grid().focus();
    await paste("Used\nRefurbished\n");
    await bulkSavesDone();
  }

  it("repeats two copied rows over six selected rows", async () => {
    await pasteTwoRowsOver(6);
    expect(fake.api.rows.map((r) => r.condition)).toEqual([
      "Used",
      "Refurbished",
      "Used",
      "Refurbished",
      "Used",
      "Refurbished",
      "New",
      "New",
    ]);
  });

  it("pastes once from the top-left when the selection is not a multiple of the block", async () => {
    await pasteTwoRowsOver(5);
    expect(fake.api.rows.slice(0, 5).map((r) => r.condition)).toEqual([
      "Used",
      "Refurbished",
      "New",
      "New",
      "New",
    ]);
  });
});

describe("GridScreen edit right after an undo or redo", () => {
  async function editThenUndo() {
    await mountWithSavedTitle("Zed");
    // The rows are read again slowly after the undo.
    fake.api.hold("listings.list");
    await press(grid(), "z", { ctrlKey: true });
    await until(() => m?.toasts.some((t) => t.text.startsWith("Undone")) ?? false);
    expect(fake.api.byId("id-0")).toMatchObject({ title: "Listing 0", version: 3 });
  }

  /** Types "Again" as the first title while calls are held, then lets them go and waits. */
  async function editAgain() {
    await press(grid(), "ArrowUp");
    await typeCell("Again");
    fake.api.releaseAll();
    await until(() => fake.api.callsTo("listings.update").length === 2);
    await savesDone();
  }

  it("an edit of the undone row is sent with the version the undo left, not refused", async () => {
    await editThenUndo();
    await editAgain();

    expect(fake.api.callsTo("listings.update").at(-1)?.input.version).toBe(3);
    expect(fake.api.byId("id-0")).toMatchObject({ title: "Again", version: 4 });
    noConflicts();
    expect(cellValue(0, 0)).toBe("Again");
  });

  it("an edit of the redone row is sent with the version the redo left, not refused", async () => {
    await editThenUndo();
    fake.api.releaseAll();
    await savesDone();
    fake.api.hold("listings.list");
    await press(grid(), "y", { ctrlKey: true });
    await until(() => m?.toasts.some((t) => t.text.startsWith("Redone")) ?? false);
    expect(fake.api.byId("id-0")).toMatchObject({ title: "Zed", version: 4 });
    await editAgain();

    expect(fake.api.byId("id-0")).toMatchObject({ title: "Again", version: 5 });
    noConflicts();
  });

  it("an edit typed while the undo is on its way is saved after it, not undone by it", async () => {
    await mountWithSavedTitle("Zed");
    fake.api.hold("changeSets.undo");
    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.heldCount > 0);
    await press(grid(), "ArrowUp");
    await typeCell("Again");
    expect(cellValue(0, 0)).toBe("Again");
    fake.api.releaseAll();
    await until(() => fake.api.callsTo("listings.update").length === 2);
    await savesDone();

    expect(fake.api.byId("id-0")).toMatchObject({ title: "Again", version: 4 });
    noConflicts();
    expect(cellValue(0, 0)).toBe("Again");
  });
});

describe("GridScreen failed save of one cell", () => {
  /** A grid of five listings whose next single-cell save fails; returns the spy on that save. */
  async function mountWithFailingSave() {
    await mountGrid(5);
    grid().focus();
    return vi
      .spyOn(fake.api.client.listings.update, "mutate")
      .mockRejectedValueOnce(new Error("Network error"));
  }

  it("keeps the value typed and sends the same edit again on Retry", async () => {
    const update = await mountWithFailingSave();
    try {
      await typeCell("Alpha");
      await until(() => m?.toasts.some((t) => t.text.startsWith("Not saved")) ?? false);
      await savesDone();

      // The cell shows what the server has; the seller's value waits in the panel.
      expect(cellValue(0, 0)).toBe("Listing 0");
      expect(cell(0, 0)?.closest(".gr")?.className).toContain("unsaved");
      const panel = () => m?.host.querySelector('[data-testid="unsaved"]');
      expect(panel()?.textContent).toContain("Network error");
      expect(panel()?.querySelector(".mine")?.textContent).toBe("Alpha");
      await act(async () => button("Retry", panel())?.click());
      await until(() => fake.api.byId("id-0")?.title === "Alpha");
      await savesDone();

      expect(update).toHaveBeenCalledTimes(2);
      expect(update.mock.calls[1]?.[0]).toMatchObject({ id: "id-0", title: "Alpha", version: 1 });
      expect(cellValue(0, 0)).toBe("Alpha");
      expect(panel()).toBeNull();
      expect(cell(0, 0)?.closest(".gr")?.className).not.toContain("unsaved");
      // The retried edit is one undoable step like any other.
      await press(grid(), "z", { ctrlKey: true });
      await until(() => fake.api.byId("id-0")?.title === "Listing 0");
    } finally {
      update.mockRestore();
    }
  });

  it("Dismiss lets the unsaved value go", async () => {
    const update = await mountWithFailingSave();
    try {
      await typeCell("Alpha");
      await until(() => !!m?.host.querySelector('[data-testid="unsaved"]'));
      const panel = m?.host.querySelector('[data-testid="unsaved"]');
      await act(async () => button("Dismiss", panel)?.click());
      expect(m?.host.querySelector('[data-testid="unsaved"]')).toBeNull();
      expect(update).toHaveBeenCalledTimes(1);
      expect(cellValue(0, 0)).toBe("Listing 0");
    } finally {
      update.mockRestore();
    }
  });
});

/** Serves the change sets the fake API has made, newest first, as the history list. */
function serveChangeSets() {
  return vi.spyOn(fake.api.client.changeSets.list, "query").mockImplementation((async () => ({
    items: [...fake.api.changeSets.entries()].reverse().map(([id, cs], i) => ({
      id,
      kind: "edit",
      summary: `Change ${id}`,
      status: cs.status,
      rowCount: cs.after.length,
      createdAt: new Date(2026, 0, 1, 0, 0, 10 - i).toISOString(),
      undoneAt: null,
      redoneAt: null,
    })),
    nextCursor: null,
  })) as never);
}

describe("GridScreen edit right after an undo from the history panel", () => {
  it("an edit of the row undone there is sent with the version the undo left, not refused", async () => {
    const list = serveChangeSets();
    try {
      await mountWithSavedTitle("Zed");
      await act(async () => button("History")?.click());
      const history = () => m?.host.querySelector('[data-testid="history"]');
      await until(() => !!button("Undo", history()));
      // The rows are read again slowly after the undo.
      fake.api.hold("listings.list");
      await act(async () => button("Undo", history())?.click());
      await until(() => fake.api.byId("id-0")?.title === "Listing 0");
      expect(fake.api.byId("id-0")).toMatchObject({ title: "Listing 0", version: 3 });
      await press(grid(), "ArrowUp");
      await typeCell("Again");
      fake.api.releaseAll();
      await until(() => fake.api.callsTo("listings.update").length === 2);
      await savesDone();

      expect(fake.api.callsTo("listings.update").at(-1)?.input.version).toBe(3);
      expect(fake.api.byId("id-0")).toMatchObject({ title: "Again", version: 4 });
      noConflicts();
      expect(cellValue(0, 0)).toBe("Again");
    } finally {
      list.mockRestore();
    }
  });
});

describe("GridScreen failed bulk save", () => {
  const conditionCol = 5;
  const panel = () => m?.host.querySelector('[data-testid="unsaved"]');

  /**
   * Five listings whose Condition in rows 0–2 was cleared while the network was down: the three
   * values wait in the unsaved panel. Gives the bulk save's spy, to restore when done.
   */
  async function clearWhileOffline() {
    await mountGrid(5);
    const bulk = vi
      .spyOn(fake.api.client.listings.bulkUpsert, "mutate")
      .mockRejectedValueOnce(new Error("Network down"));
    try {
      await selectRange([0, conditionCol], [2, conditionCol]);
      await press(grid(), "Delete");
      await until(() => !!panel());
      await savesDone();
      return bulk;
    } catch (err) {
      bulk.mockRestore();
      throw err;
    }
  }

  it("keeps every row's value in the unsaved panel, and Retry sends that row again", async () => {
    await mountGrid(5);
    const bulk = vi
      .spyOn(fake.api.client.listings.bulkUpsert, "mutate")
      .mockRejectedValueOnce(new Error("Network down"));
    try {
      await selectRange([0, conditionCol], [2, conditionCol]);
      await press(grid(), "Delete");
      await until(() => m?.toasts.some((t) => t.text.startsWith("Not saved")) ?? false);
      await savesDone();

      // The cells show what the server has; the cleared values wait in the panel, one per row.
      expect(cellValue(0, conditionCol)).toBe("New");
      const items = [...(panel()?.querySelectorAll("li") ?? [])];
      expect(items.map((li) => li.querySelector(".conflict-title")?.textContent)).toEqual([
        "Listing 0",
        "Listing 1",
        "Listing 2",
      ]);
      expect(items[0]?.textContent).toContain("Network down");
      expect(items[0]?.querySelector(".mine")?.textContent).toBe("(empty)");
      for (const r of [0, 1, 2])
        expect(cell(r, conditionCol)?.closest(".gr")?.className).toContain("unsaved");

      await act(async () => button("Retry", items[1])?.click());
      await until(() => fake.api.byId("id-1")?.condition === null);
      await savesDone();
      expect(fake.api.callsTo("listings.update").map((c) => c.input)).toEqual([
        { id: "id-1", version: 1, condition: null },
      ]);
      expect(cellValue(1, conditionCol)).toBe("");
      expect(panel()?.querySelectorAll("li")).toHaveLength(2);
    } finally {
      bulk.mockRestore();
    }
  });

  it("Retry all sends every kept row again in one bulk save", async () => {
    const bulk = await clearWhileOffline();
    try {
      await act(async () => button("Retry all 3", panel())?.click());
      await until(() => fake.api.rows.slice(0, 3).every((r) => r.condition === null));
      await savesDone();

      expect(bulk).toHaveBeenCalledTimes(2);
      expect(fake.api.callsTo("listings.update")).toEqual([]);
      expect(panel()).toBeNull();
      expect(cellValue(2, conditionCol)).toBe("");
      expect(fake.api.byId("id-3")?.condition).toBe("New");
    } finally {
      bulk.mockRestore();
    }
  });

  it("says the values wait in the unsaved panel, and its button brings the keyboard there", async () => {
    const bulk = await clearWhileOffline();
    try {
      const toast = m?.toasts.find((t) => t.kind === "error");
      expect(toast?.text).toBe(
        "Not saved: Network down — your values are kept in the unsaved panel, with Retry and Retry all",
      );
      expect(toast?.action?.label).toBe("Show unsaved");
      await act(async () => toast?.action?.run());
      expect(document.activeElement).toBe(panel());
    } finally {
      bulk.mockRestore();
    }
  });

  it("keeps the keyboard on the next kept row after Retry or Dismiss, then gives it to the grid", async () => {
    const bulk = await clearWhileOffline();
    try {
      const use = async (label: string, title: string) => {
        const li = [...(panel()?.querySelectorAll("li") ?? [])].find(
          (x) => x.querySelector(".conflict-title")?.textContent === title,
        );
        const b = button(label, li);
        if (!b) throw new Error(`no ${label} for ${title}`);
        // As the keyboard does it: the button has the focus, then Enter clicks it.
        await act(async () => {
          b.focus();
          b.click();
        });
      };
      const focusedItem = () =>
        document.activeElement?.closest("li")?.querySelector(".conflict-title")?.textContent;

      await use("Retry", "Listing 0");
      expect(document.activeElement?.textContent).toBe("Retry");
      expect(focusedItem()).toBe("Listing 1");
      await savesDone();

      await use("Dismiss", "Listing 2");
      expect(document.activeElement?.textContent).toBe("Dismiss");
      expect(focusedItem()).toBe("Listing 1");

      await use("Dismiss", "Listing 1");
      expect(panel()).toBeNull();
      expect(document.activeElement).toBe(grid());
    } finally {
      bulk.mockRestore();
    }
  });

  it("names the panel when the server refuses some rows of a bulk save", async () => {
    await mountGrid(5);
    await selectRange([0, conditionCol], [2, conditionCol]);
    fake.api.hold("listings.bulkUpsert");
    await paste("Used\n");
    await until(() => fake.api.heldCount > 0);
    fake.api.rows = fake.api.rows.filter((r) => r.id !== "id-1");
    fake.api.releaseAll();
    await bulkSavesDone();

    const toast = m?.toasts.find((t) => t.kind === "error");
    expect(toast?.text).toBe(
      "1 row(s) not saved: not found — your value is kept in the unsaved panel, with Retry",
    );
    expect(toast?.action?.label).toBe("Show unsaved");
  });

  it("keeps the rows the server refused and saves the others", async () => {
    await mountGrid(5);
    await selectRange([0, conditionCol], [2, conditionCol]);
    fake.api.hold("listings.bulkUpsert");
    await paste("Used\n");
    await until(() => fake.api.heldCount > 0);
    // Listing 1 is deleted elsewhere before the paste arrives.
    fake.api.rows = fake.api.rows.filter((r) => r.id !== "id-1");
    fake.api.releaseAll();
    await bulkSavesDone();

    expect(fake.api.byId("id-0")?.condition).toBe("Used");
    const items = [...(panel()?.querySelectorAll("li") ?? [])];
    expect(items.map((li) => li.querySelector(".conflict-title")?.textContent)).toEqual([
      "Listing 1",
    ]);
    expect(items[0]?.querySelector(".mine")?.textContent).toBe("Used");
  });
});

describe("GridScreen undo of a paste the server partly refused", () => {
  const conditionCol = 5;
  const panel = () => m?.host.querySelector('[data-testid="unsaved"]');

  /** Pastes "Used" over rows 0–2 while Listing 1 is deleted elsewhere, so its row is refused. */
  async function pastePartlyRefused() {
    await selectRange([0, conditionCol], [2, conditionCol]);
    fake.api.hold("listings.bulkUpsert");
    await paste("Used\n");
    await until(() => fake.api.heldCount > 0);
    fake.api.rows = fake.api.rows.filter((r) => r.id !== "id-1");
    fake.api.releaseAll();
    await bulkSavesDone();
  }

  it("takes the refused rows of the paste out of the unsaved panel, so Retry cannot re-apply them", async () => {
    await mountGrid(5);
    await pastePartlyRefused();
    expect(panel()?.querySelectorAll("li")).toHaveLength(1);

    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.byId("id-0")?.condition === "New");
    await settle();

    expect(panel()).toBeNull();
    expect(m?.toasts.at(-1)?.text).toBe(
      "Undone: Paste 3×1 cells, with the 1 row(s) of it left in the unsaved panel",
    );
  });

  it("puts the refused rows back in the unsaved panel when the paste is redone", async () => {
    await mountGrid(5);
    await pastePartlyRefused();
    const kept = panel()?.innerHTML;
    expect(panel()?.textContent).toContain("Used");

    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.byId("id-0")?.condition === "New");
    await settle();
    expect(panel()).toBeNull();

    await press(grid(), "y", { ctrlKey: true });
    await until(() => fake.api.byId("id-0")?.condition === "Used");
    await settle();
    expect(panel()?.innerHTML).toBe(kept);
    expect(m?.toasts.at(-1)?.text).toBe(
      "Redone: Paste 3×1 cells, with the 1 row(s) of it back in the unsaved panel",
    );

    // They are the paste's again: undone once more, they go with it.
    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.byId("id-0")?.condition === "New");
    await settle();
    expect(panel()).toBeNull();
  });

  it("does not bring back on redo a refused value the seller has since replaced with a saved one", async () => {
    const list = serveChangeSets();
    await mountGrid(5);
    // The server refuses Listing 1's row of the paste (a per-row rule) and saves the others.
    const real = fake.api.client.listings.bulkUpsert.mutate;
    const bulk = vi
      .spyOn(fake.api.client.listings.bulkUpsert, "mutate")
      .mockImplementationOnce((async (input: { rows: { id: string }[] }) => {
        const keep = input.rows.filter((r) => r.id !== "id-1");
        const res = (await real({ ...input, rows: keep } as never)) as {
          results: Record<string, unknown>[];
        };
        const results = input.rows.map((r, index) =>
          r.id === "id-1"
            ? { index, status: "error", error: { code: "VALIDATION", message: "not allowed" } }
            : { ...res.results[keep.indexOf(r)], index },
        );
        return { ...res, failed: 1, results };
      }) as never);
    try {
      await selectRange([0, conditionCol], [2, conditionCol]);
      await paste("Used\n");
      await bulkSavesDone();
      expect(panel()?.textContent).toContain("Used");

      await press(grid(), "z", { ctrlKey: true });
      await until(() => fake.api.byId("id-0")?.condition === "New");
      await settle();
      expect(panel()).toBeNull();

      // A newer value typed into the very cell the paste could not save, and saved.
      await mouseDown(cell(1, conditionCol));
      await typeCell("Refurbished");
      await until(() => fake.api.byId("id-1")?.condition === "Refurbished");
      await savesDone();

      // The paste redone from the history panel (Ctrl+Y has nothing left to redo).
      await act(async () => button("History")?.click());
      const history = () => m?.host.querySelector('[data-testid="history"]');
      await until(() => !!button("Redo", history()));
      await act(async () => button("Redo", history())?.click());
      await until(() => fake.api.byId("id-0")?.condition === "Used");
      await settle();

      expect(panel()).toBeNull();
      expect(fake.api.byId("id-1")?.condition).toBe("Refurbished");
    } finally {
      bulk.mockRestore();
      list.mockRestore();
    }
  });

  it("takes out only the values refused beside the part undone, when the paste made several change sets", async () => {
    // Over 10,000 rows a save is sent as several requests, each its own change set.
    const rows = 10_050;
    await mountGrid(rows);
    await mouseDown(cell(0, conditionCol));
    grid().focus();
    await press(grid(), "ArrowDown", { ctrlKey: true, shiftKey: true });
    fake.api.hold("listings.bulkUpsert");
    await paste("Used\n");
    await until(() => fake.api.heldCount > 0);
    // Listing 1, in the first request, is deleted elsewhere before that request is answered.
    fake.api.rows = fake.api.rows.filter((r) => r.id !== "id-1");
    fake.api.releaseAll();
    await bulkSavesDone();
    expect(fake.api.callsTo("listings.bulkUpsert")).toHaveLength(2);
    expect(panel()?.querySelectorAll("li")).toHaveLength(1);

    // The first undo takes back the second request's rows only: Listing 1's value stays.
    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.byId(`id-${rows - 1}`)?.condition === "New");
    await settle();
    expect(fake.api.byId("id-0")?.condition).toBe("Used");
    expect(panel()?.querySelectorAll("li")).toHaveLength(1);

    // The second takes back the request it was refused in.
    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.byId("id-0")?.condition === "New");
    await settle();
    expect(panel()).toBeNull();
  }, 60_000);

  it("keeps a value an earlier edit left in the panel for the same listing", async () => {
    await mountGrid(5);
    const update = vi
      .spyOn(fake.api.client.listings.update, "mutate")
      .mockRejectedValueOnce(new Error("Network down"));
    try {
      await mouseDown(cell(1, 0));
      await typeCell("Kept");
      await until(() => !!panel());
      await savesDone();
    } finally {
      update.mockRestore();
    }
    await pastePartlyRefused();
    const mine = () =>
      [...(panel()?.querySelectorAll("tbody tr") ?? [])].map((tr) => [
        tr.querySelector("th")?.textContent,
        tr.querySelector(".mine")?.textContent,
      ]);
    expect(mine()).toEqual([
      ["Title", "Kept"],
      ["Condition", "Used"],
    ]);

    await press(grid(), "z", { ctrlKey: true });
    await until(() => fake.api.byId("id-0")?.condition === "New");
    await settle();

    expect(panel()?.querySelectorAll("li")).toHaveLength(1);
    expect(mine()).toEqual([["Title", "Kept"]]);

    // The redo puts the paste's value back beside the edit's.
    await press(grid(), "y", { ctrlKey: true });
    await until(() => fake.api.byId("id-0")?.condition === "Used");
    await settle();
    expect(panel()?.querySelectorAll("li")).toHaveLength(1);
    expect(mine()).toEqual([
      ["Title", "Kept"],
      ["Condition", "Used"],
    ]);
  });
});

describe("GridScreen value a column cannot take, left by a click", () => {
  const priceCol = 1;

  async function typeTwelve() {
    await mountGrid(5);
    await mouseDown(cell(2, priceCol));
    await press(grid(), "t");
    await act(async () => typeInto(editor(), "twelve"));
  }

  it("keeps the editor open on its cell with the text and the reason", async () => {
    await typeTwelve();
    await mouseDown(cell(0, 0));

    expect(m?.toasts.at(-1)?.text).toContain('"twelve" is not a price');
    expect(editor()?.value).toBe("twelve");
    expect(m?.host.querySelector(".cell-editor-error")?.textContent).toContain("not a price");
    expect(cell(2, priceCol)?.className).toContain("active");
    expect(cell(0, 0)?.className).not.toContain("active");
    expect(document.activeElement).toBe(editor());

    await act(async () => typeInto(editor(), "12.50"));
    await mouseDown(cell(0, 0));
    await until(() => fake.api.byId("id-2")?.price === 12.5);
    expect(cell(0, 0)?.className).toContain("active");
    expect(fake.api.callsTo("listings.update")).toHaveLength(1);
  });

  it("keeps it open, without taking the keyboard back, when the search box is clicked", async () => {
    await typeTwelve();
    const search = m?.host.querySelector<HTMLInputElement>("#grid-search");
    await act(async () => search?.focus());

    expect(editor()?.value).toBe("twelve");
    expect(document.activeElement).toBe(search);
    expect(fake.api.callsTo("listings.update")).toHaveLength(0);
  });
});

describe("GridScreen save refused by the API's validator", () => {
  it("says which field and what is wrong in plain words, keeping the code", async () => {
    await mountGrid(5);
    grid().focus();
    const issues = [
      {
        origin: "string",
        code: "too_big",
        maximum: 80,
        path: ["title"],
        message: "Too big: expected string to have <=80 characters",
      },
    ];
    const refused = Object.assign(new Error(JSON.stringify(issues, null, 2)), {
      data: { appCode: "VALIDATION_FAILED" },
    });
    const update = vi
      .spyOn(fake.api.client.listings.update, "mutate")
      .mockRejectedValueOnce(refused);
    try {
      await typeCell("Alpha");
      await until(() => !!m?.host.querySelector('[data-testid="unsaved"]'));
      const reason = m?.host.querySelector(".unsaved-reason");
      expect(reason?.textContent).toBe("Title: must have at most 80 characters");
      expect(reason?.getAttribute("data-code")).toBe("VALIDATION_FAILED");
      expect(m?.toasts.at(-1)?.text).toContain("Title: must have at most 80 characters");
      expect(m?.toasts.map((t) => t.text).join()).not.toContain("Too big");
    } finally {
      update.mockRestore();
    }
  });
});

describe("GridScreen history panel closed from the keyboard", () => {
  it("gives the focus back to the History button instead of dropping it", async () => {
    await mountGrid(5);
    const history = button("History");
    if (!history) throw new Error("no History button");
    await act(async () => {
      history.focus();
      history.click();
    });
    await settle();
    const close = m?.host.querySelector<HTMLButtonElement>('button[aria-label="Close history"]');
    await act(async () => {
      close?.focus();
      close?.click();
    });

    expect(m?.host.querySelector('[data-testid="history"]')).toBeNull();
    expect(document.activeElement).toBe(history);
  });
});
