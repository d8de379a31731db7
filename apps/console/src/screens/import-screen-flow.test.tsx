import { act } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ImportScreen } from "./import-screen";
import { type Mounted, mountWithApp, settle, typeInto, until } from "./screen-test-harness";

const api = vi.hoisted(() => ({
  imports: {
    list: { query: vi.fn() },
    byId: { query: vi.fn() },
    upload: { mutate: vi.fn() },
    analyze: { mutate: vi.fn() },
    commit: { mutate: vi.fn() },
    undo: { mutate: vi.fn() },
    redo: { mutate: vi.fn() },
  },
  mappingProfiles: {
    list: { query: vi.fn() },
    create: { mutate: vi.fn() },
    remove: { mutate: vi.fn() },
  },
}));
vi.mock("../api/client", () => ({ api, authedFetch: vi.fn() }));

const imp = (status: string, extra: Record<string, unknown> = {}) => ({
  id: "imp-1",
  fileName: "shop.csv",
  fileSize: 100,
  format: "csv",
  marketplace: "shopify",
  status,
  counts: { create: 2, update: 0, skip: 0, reject: 0, rows: 2 },
  problems: [],
  problemCount: 0,
  mapping: {},
  samples: {},
  mode: "upsert",
  matchBy: "sku",
  progress: null,
  error: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  ...extra,
});

let m: Mounted | null = null;
beforeEach(() => {
  for (const g of Object.values(api))
    for (const p of Object.values(g)) for (const f of Object.values(p)) f.mockReset();
  api.imports.list.query.mockResolvedValue({ items: [] });
  api.mappingProfiles.list.query.mockResolvedValue({ items: [] });
});
afterEach(async () => {
  await m?.unmount();
  m = null;
});

const button = (text: string) =>
  [...(m?.host.querySelectorAll("button") ?? [])].find((b) => b.textContent?.includes(text));

async function chooseFile() {
  const input = m?.host.querySelector<HTMLInputElement>('input[type="file"]');
  if (!input) throw new Error("no file input");
  const file = new File(["Title,Price\nA,1\n"], "shop.csv", { type: "text/csv" });
  Object.defineProperty(input, "files", { value: [file], configurable: true });
  await act(async () => input.dispatchEvent(new Event("change", { bubbles: true })));
  await settle();
}

describe("ImportScreen commit and undo", () => {
  it("keeps polling a running commit after a poll fails, until the import finishes", async () => {
    api.imports.upload.mutate.mockResolvedValue(imp("previewed"));
    api.imports.commit.mutate.mockResolvedValue(imp("committing"));
    api.imports.byId.query
      .mockRejectedValueOnce(new Error("Network error"))
      .mockResolvedValue(imp("committed"));
    m = await mountWithApp(<ImportScreen />);
    await chooseFile();
    await until(() => !!m?.host.querySelector('[data-testid="import-preview"]'));
    await act(async () => button("Import 2 listings")?.click());
    await until(() => api.imports.byId.query.mock.calls.length >= 1);
    await until(() => !!m?.host.querySelector('[data-testid="import-done"]'), 8000);
    expect(api.imports.byId.query.mock.calls.length).toBe(2);
    expect(m.host.querySelector('[role="alert"]')).toBeNull();
  }, 15_000);

  it("sends one undo however often the button is clicked while it runs", async () => {
    api.imports.upload.mutate.mockResolvedValue(imp("committed"));
    let finish: (v: unknown) => void = () => {};
    api.imports.undo.mutate.mockImplementation(
      () =>
        new Promise((r) => {
          finish = r;
        }),
    );
    m = await mountWithApp(<ImportScreen />);
    await chooseFile();
    await until(() => !!m?.host.querySelector('[data-testid="import-done"]'));
    const undo = button("Undo import");
    await act(async () => {
      undo?.click();
      undo?.click();
    });
    await act(async () => button("Undo import")?.click());
    expect(api.imports.undo.mutate).toHaveBeenCalledTimes(1);
    await act(async () => finish(imp("undone")));
    await settle();
    expect(m.host.textContent).toContain("Import undone");
  });
});

describe("ImportScreen preview counts", () => {
  const fileCount = () =>
    [...(m?.host.querySelectorAll(".import-counts .kpi") ?? [])].at(-1)?.textContent;

  it("counts products, not rows, for a Shopify file grouped by Handle", async () => {
    api.imports.upload.mutate.mockResolvedValue(imp("previewed"));
    m = await mountWithApp(<ImportScreen />);
    await chooseFile();
    await until(() => !!m?.host.querySelector('[data-testid="import-preview"]'));
    expect(fileCount()).toBe("Products in file2");
  });

  it("counts rows for a file whose rows are listings", async () => {
    api.imports.upload.mutate.mockResolvedValue(imp("previewed", { marketplace: "facebook" }));
    m = await mountWithApp(<ImportScreen />);
    await chooseFile();
    await until(() => !!m?.host.querySelector('[data-testid="import-preview"]'));
    expect(fileCount()).toBe("Rows in file2");
  });
});

describe("ImportScreen mapping profiles", () => {
  it("keeps the mapping name typed when saving the mapping fails", async () => {
    api.imports.upload.mutate.mockResolvedValue(
      imp("previewed", { marketplace: "generic", mapping: { Title: "title", Price: "price" } }),
    );
    api.mappingProfiles.create.mutate.mockRejectedValue(new Error("Network error"));
    m = await mountWithApp(<ImportScreen />);
    await chooseFile();
    await until(() => !!m?.host.querySelector('[data-testid="mapping-step"]'));
    const name = m.host.querySelector<HTMLInputElement>('input[aria-label="Mapping name"]');
    if (!name) throw new Error("no name input");
    await act(async () => typeInto(name, "Supplier sheet"));
    await act(async () => button("Save mapping")?.click());
    await settle();
    expect(api.mappingProfiles.create.mutate).toHaveBeenCalledTimes(1);
    expect(m.toasts.filter((t) => t.kind === "error").map((t) => t.text)).toEqual([
      "Mapping not saved: Network error",
    ]);
    expect(name.value).toBe("Supplier sheet");
  });

  const generic = (extra: Record<string, unknown>) =>
    imp("previewed", {
      marketplace: "generic",
      mapping: { Title: "title", Price: "price" },
      ...extra,
    });
  const priceProblem = {
    row: 2,
    column: "Price",
    value: "abc",
    code: "INVALID_PRICE",
    severity: "error",
    message: "Not a price",
  };
  const examples = () =>
    Object.fromEntries(
      [...(m?.host.querySelectorAll(".mapping-table tbody tr") ?? [])].map((tr) => [
        tr.querySelector("strong")?.textContent,
        tr.querySelectorAll("td")[1]?.textContent,
      ]),
    );
  const heads = () =>
    [...(m?.host.querySelectorAll(".mapping-table thead th") ?? [])].map((th) => th.textContent);

  it("shows the file's first value of every column, a column without problems included", async () => {
    api.imports.upload.mutate.mockResolvedValue(
      generic({ samples: { Title: "Lamp", Price: "abc" }, problems: [priceProblem] }),
    );
    m = await mountWithApp(<ImportScreen />);
    await chooseFile();
    await until(() => !!m?.host.querySelector('[data-testid="mapping-step"]'));
    expect(heads()).toEqual(["Column in your file", "Example", "Imports into"]);
    expect(examples()).toEqual({ Title: "Lamp", Price: "abc" });
  });

  it("shows the values with problems when the import has no samples", async () => {
    api.imports.upload.mutate.mockResolvedValue(generic({ problems: [priceProblem] }));
    m = await mountWithApp(<ImportScreen />);
    await chooseFile();
    await until(() => !!m?.host.querySelector('[data-testid="mapping-step"]'));
    expect(heads()).toEqual(["Column in your file", "Example of a problem", "Imports into"]);
    expect(examples()).toEqual({ Title: "", Price: "abc" });
  });
});
