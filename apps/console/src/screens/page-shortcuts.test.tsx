import { act } from "react";
import { flushSync } from "react-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ShortcutSheet, useShortcutSheet } from "../components/shortcut-sheet";
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

/** The grid with the shell's shortcut sheet and its ? button, as the signed-in page has them. */
function Page() {
  const [sheet, setSheet] = useShortcutSheet();
  return (
    <>
      <button type="button" data-testid="sheet-button" onClick={() => setSheet(true)}>
        ?
      </button>
      <GridScreen />
      {sheet && <ShortcutSheet onClose={() => setSheet(false)} />}
    </>
  );
}

const grid = () => m?.host.querySelector<HTMLDivElement>('[data-testid="grid"]') as HTMLDivElement;
const cell = (r: number, c: number) => m?.host.querySelector(`#cell-${r}-${c}`);
const cellValue = (r: number, c: number) => cell(r, c)?.querySelector(".txt")?.textContent;
const editor = () => m?.host.querySelector<HTMLInputElement>(".cell-editor-input") ?? null;
const sheet = () => m?.host.querySelector('dialog[aria-label="Keyboard shortcuts"]') ?? null;
const search = () => document.getElementById("grid-search");

async function mountPage() {
  fake.api.reset(Array.from({ length: 3 }, (_, i) => listing(i)));
  m = await mountWithApp(<Page />);
  await until(() => !!cell(0, 0));
  await act(async () => grid().focus());
}

/**
 * Presses a key the way a browser delivers it. A browser runs queued microtasks after each
 * listener, so React has rendered what the grid's listener (at the root) did — the editor is open
 * and focused — before the window's own listeners see the key. A synthetic dispatch runs no
 * microtasks in between; a listener on the document (after the root, before the window) flushes
 * React's pending work where the browser would.
 */
async function press(el: Element, k: string) {
  const env = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
  const checkpoint = () => flushSync(() => {});
  env.IS_REACT_ACT_ENVIRONMENT = false;
  document.addEventListener("keydown", checkpoint);
  try {
    key(el, k);
    await new Promise((r) => setTimeout(r, 0));
  } finally {
    document.removeEventListener("keydown", checkpoint);
    env.IS_REACT_ACT_ENVIRONMENT = true;
  }
  await settle();
}

describe("Page-wide / and ? over the grid", () => {
  it("types / into the selected cell instead of jumping to the search box", async () => {
    await mountPage();
    await press(grid(), "/");
    const ed = editor();
    expect(ed?.value).toBe("/");
    expect(document.activeElement).toBe(ed);
    expect(document.activeElement).not.toBe(search());
    expect(fake.api.callsTo("listings.update")).toEqual([]);

    await act(async () => typeInto(ed as HTMLInputElement, "1/2"));
    await press(ed as HTMLInputElement, "Enter");
    await until(() => fake.api.byId("id-0")?.title === "1/2");
    await settle();
    expect(fake.api.callsTo("listings.update")).toHaveLength(1);
    expect(cellValue(0, 0)).toBe("1/2");
  });

  it("types ? into the selected cell instead of opening the shortcut sheet", async () => {
    await mountPage();
    await press(grid(), "?");
    expect(sheet()).toBeNull();
    const ed = editor();
    expect(ed?.value).toBe("?");
    expect(document.activeElement).toBe(ed);
    expect(fake.api.callsTo("listings.update")).toEqual([]);
  });

  it("keeps both shortcuts outside the grid, and the sheet gives the focus back as it closes", async () => {
    await mountPage();
    const button = m?.host.querySelector<HTMLButtonElement>(
      '[data-testid="sheet-button"]',
    ) as HTMLButtonElement;
    await act(async () => button.focus());
    await press(button, "?");
    expect(sheet()).not.toBeNull();
    expect(editor()).toBeNull();
    const close = sheet()?.querySelector<HTMLButtonElement>(".dialog-close") as HTMLButtonElement;
    await act(async () => close.click());
    expect(sheet()).toBeNull();
    expect(document.activeElement).toBe(button);

    await press(button, "/");
    expect(document.activeElement).toBe(search());
    expect(editor()).toBeNull();
  });
});
