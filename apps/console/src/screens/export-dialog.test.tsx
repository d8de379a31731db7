import { act } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ExportDialog } from "./export-dialog";
import { type Mounted, mountWithApp, settle, until } from "./screen-test-harness";

const api = vi.hoisted(() => ({
  exports: {
    list: { query: vi.fn() },
    byId: { query: vi.fn() },
    create: { mutate: vi.fn() },
  },
}));
vi.mock("../api/client", () => ({ api }));

const job = (status: string, extra: Record<string, unknown> = {}) => ({
  id: "exp-1",
  format: "csv",
  marketplace: null,
  status,
  progress: null,
  rowCount: null,
  fileName: null,
  downloadUrl: null,
  error: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  ...extra,
});

let m: Mounted | null = null;
beforeEach(() => {
  for (const p of Object.values(api.exports)) for (const f of Object.values(p)) f.mockReset();
  api.exports.list.query.mockResolvedValue({ items: [] });
});
afterEach(async () => {
  await m?.unmount();
  m = null;
});

const exportButton = () =>
  [...(m?.host.querySelectorAll(".dialog-foot button") ?? [])].at(-1) as HTMLButtonElement;

const mount = (
  props: {
    selectedIds?: string[] | null;
    selectedRows?: number;
    filter?: Record<string, unknown>;
    total?: number;
  } = {},
) =>
  mountWithApp(
    <ExportDialog
      selectedIds={props.selectedIds ?? null}
      selectedRows={props.selectedRows}
      filter={props.filter ?? {}}
      total={props.total ?? 3}
      marketplace="generic"
      onClose={() => {}}
    />,
  );

const scopeInputs = () => [
  ...(m?.host.querySelectorAll<HTMLInputElement>('input[name="export-scope"]') ?? []),
];

describe("ExportDialog", () => {
  it("queues one export however often Export is clicked while the request runs", async () => {
    let answer: (v: unknown) => void = () => {};
    api.exports.create.mutate.mockImplementation(
      () =>
        new Promise((r) => {
          answer = r;
        }),
    );
    api.exports.byId.query.mockResolvedValue(job("completed", { rowCount: 3 }));
    m = await mount();
    await act(async () => exportButton().click());
    await act(async () => exportButton().click());
    expect(api.exports.create.mutate).toHaveBeenCalledTimes(1);
    await act(async () => answer(job("queued")));
    await settle();
  });

  it("keeps the focus on Export while the export starts and runs, refusing further clicks", async () => {
    let answer: (v: unknown) => void = () => {};
    api.exports.create.mutate.mockImplementation(
      () =>
        new Promise((r) => {
          answer = r;
        }),
    );
    api.exports.byId.query.mockResolvedValue(job("running"));
    m = await mount();
    const b = exportButton();
    await act(async () => {
      b.focus();
      b.click();
    });
    // A browser takes the focus from a button as it becomes disabled, and it would fall to the page
    // behind the dialog; the button stays focusable and says it is unavailable instead.
    expect(b.disabled).toBe(false);
    expect(b.getAttribute("aria-disabled")).toBe("true");
    expect(document.activeElement).toBe(b);
    await act(async () => answer(job("running")));
    await settle();
    expect(m.host.querySelector('[data-testid="export-status"]')).not.toBeNull();
    expect(b.disabled).toBe(false);
    expect(b.getAttribute("aria-disabled")).toBe("true");
    expect(document.activeElement).toBe(b);
    await act(async () => b.click());
    expect(api.exports.create.mutate).toHaveBeenCalledTimes(1);
  });

  it("keeps polling after a failed poll and shows the link once the export is ready", async () => {
    api.exports.create.mutate.mockResolvedValue(job("running"));
    api.exports.byId.query
      .mockRejectedValueOnce(new Error("Network error"))
      .mockResolvedValue(
        job("completed", { rowCount: 3, fileName: "listings.csv", downloadUrl: "/dl/x" }),
      );
    m = await mount();
    await act(async () => exportButton().click());
    await until(() => !!m?.host.querySelector('a[href="/dl/x"]'), 8000);
    expect(m.host.querySelector('[role="alert"]')).toBeNull();
    expect(exportButton().getAttribute("aria-disabled")).toBe("false");
  }, 15_000);

  it("adds a finished export to the recent list", async () => {
    const done = job("completed", { rowCount: 3, fileName: "listings.csv", downloadUrl: "/dl/x" });
    api.exports.list.query
      .mockResolvedValueOnce({ items: [] })
      .mockResolvedValue({ items: [done] });
    api.exports.create.mutate.mockResolvedValue(job("running"));
    api.exports.byId.query.mockResolvedValue(done);
    m = await mount();
    await act(async () => exportButton().click());
    await until(() => !!m?.host.querySelector(".plain-list a"), 5000);
    expect(m.host.querySelector(".plain-list a")?.getAttribute("href")).toBe("/dl/x");
  });

  it("tells the seller which marketplace rules the finished export's listings break", async () => {
    const warnings = [
      {
        code: "TITLE_TOO_LONG",
        count: 3,
        message: "3 titles are longer than eBay's 80 characters; eBay will refuse those rows",
        sample: ["id-1", "id-2", "id-3"],
      },
      {
        code: "QUANTITY_BELOW_ONE",
        count: 1,
        message: "1 listing has a quantity below 1; eBay needs at least 1 and will refuse that row",
        sample: ["id-4"],
      },
    ];
    api.exports.create.mutate.mockResolvedValue(job("running", { marketplace: "ebay" }));
    api.exports.byId.query.mockResolvedValue(
      job("completed", {
        marketplace: "ebay",
        rowCount: 6,
        fileName: "listings.csv",
        downloadUrl: "/dl/x",
        warnings,
      }),
    );
    m = await mount();
    await act(async () => exportButton().click());
    await until(() => !!m?.host.querySelector('[data-testid="export-warnings"]'), 5000);
    const items = [...m.host.querySelectorAll('[data-testid="export-warnings"] li')];
    expect(items.map((li) => li.getAttribute("data-code"))).toEqual([
      "TITLE_TOO_LONG",
      "QUANTITY_BELOW_ONE",
    ]);
    expect(items[0]?.textContent).toContain(
      "3 titles are longer than eBay's 80 characters; eBay will refuse those rows",
    );
    expect(items[0]?.textContent).toContain("id-1, id-2, id-3");
  });

  it("shows no warnings for an export without any", async () => {
    api.exports.create.mutate.mockResolvedValue(job("running"));
    api.exports.byId.query.mockResolvedValue(
      job("completed", {
        rowCount: 3,
        fileName: "listings.csv",
        downloadUrl: "/dl/x",
        warnings: [],
      }),
    );
    m = await mount();
    await act(async () => exportButton().click());
    await until(() => !!m?.host.querySelector('a[href="/dl/x"]'), 5000);
    expect(m.host.querySelector('[data-testid="export-warnings"]')).toBeNull();
  });
});

describe("ExportDialog with a selection over 100,000 rows", () => {
  it("says the selection is too large and exports nothing until the seller chooses the filter", async () => {
    api.exports.create.mutate.mockResolvedValue(job("running"));
    api.exports.byId.query.mockResolvedValue(job("running"));
    m = await mount({ selectedRows: 100_001, filter: { q: "lamp" }, total: 250_000 });
    const [selection, filter, everything] = scopeInputs();
    expect(selection?.disabled).toBe(true);
    expect(selection?.closest("label")?.textContent).toContain(
      "100,001: too many, at most 100,000 can be exported as a selection",
    );
    expect([selection, filter, everything].map((i) => i?.checked)).toEqual([false, false, false]);
    expect(filter?.closest("label")?.textContent).toContain(
      "All 250,000 matching the current filter (not only the 100,001 you selected)",
    );
    expect(m.host.querySelector('[role="note"]')?.textContent).toContain(
      "narrow the filter or select at most 100,000 rows",
    );

    await act(async () => exportButton().click());
    expect(api.exports.create.mutate).not.toHaveBeenCalled();
    expect(m.host.querySelector('[role="alert"]')?.textContent).toContain("Choose what to export");

    await act(async () => filter?.click());
    await act(async () => exportButton().click());
    expect(api.exports.create.mutate).toHaveBeenCalledTimes(1);
    expect(api.exports.create.mutate.mock.calls[0]?.[0]).toMatchObject({
      selection: { filter: { q: "lamp" } },
    });
  });

  it("exports the filter, labelled as the selected rows, when the selection is every matching listing", async () => {
    api.exports.create.mutate.mockResolvedValue(job("running"));
    api.exports.byId.query.mockResolvedValue(job("running"));
    m = await mount({ selectedRows: 120_000, filter: { q: "lamp" }, total: 120_000 });
    const [selection, filter] = scopeInputs();
    expect(selection?.checked).toBe(false);
    expect(filter?.checked).toBe(true);
    expect(filter?.closest("label")?.textContent).toContain(
      "All 120,000 matching the current filter (the rows you selected)",
    );
    expect(m.host.querySelector('[role="note"]')).toBeNull();
    await act(async () => exportButton().click());
    expect(api.exports.create.mutate.mock.calls[0]?.[0]).toMatchObject({
      selection: { filter: { q: "lamp" } },
    });
  });

  it("still exports a listed selection by its ids", async () => {
    api.exports.create.mutate.mockResolvedValue(job("running"));
    api.exports.byId.query.mockResolvedValue(job("running"));
    m = await mount({ selectedIds: ["id-1", "id-2"], selectedRows: 2, total: 10 });
    const [selection] = scopeInputs();
    expect(selection?.checked).toBe(true);
    expect(selection?.closest("label")?.textContent).toContain("Selected rows (2)");
    await act(async () => exportButton().click());
    expect(api.exports.create.mutate.mock.calls[0]?.[0]).toMatchObject({
      selection: { ids: ["id-1", "id-2"] },
    });
  });
});
