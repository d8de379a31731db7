import { act } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BulkDialog } from "./bulk-dialog";
import { type FakeApi, listing, type Mounted, mountWithApp, settle } from "./screen-test-harness";

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

const button = (text: string) =>
  [...(m?.host.querySelectorAll("button") ?? [])].find(
    (b) => b.textContent?.trim() === text,
  ) as HTMLButtonElement;

function choose(select: HTMLSelectElement, value: string) {
  Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value")?.set?.call(select, value);
  select.dispatchEvent(new Event("change", { bubbles: true }));
}

async function openSetField(field: string) {
  fake.api.reset([listing(0), listing(1)]);
  m = await mountWithApp(
    <BulkDialog selectedIds={null} filter={{}} total={2} onClose={() => {}} onApplied={() => {}} />,
  );
  await act(async () => button("Set a field").click());
  const fieldSelect = [...(m?.host.querySelectorAll("select") ?? [])].find((s) =>
    [...s.options].some((o) => o.value === "quantity"),
  ) as HTMLSelectElement;
  await act(async () => choose(fieldSelect, field));
}

describe("BulkDialog set a field", () => {
  it.each(["price", "quantity"])("refuses a blank value for %s instead of setting 0", async (f) => {
    await openSetField(f);
    const input = m?.host.querySelector<HTMLInputElement>('input[name="set-value"]');
    expect(input?.value).toBe("");
    await act(async () => button("Preview").click());
    await settle();
    expect(m?.host.querySelector('[role="alert"]')?.textContent).toBe("Enter a number");
    expect(fake.api.callsTo("bulkEdits.preview")).toEqual([]);
  });

  it("still previews a number typed for price", async () => {
    await openSetField("price");
    const input = m?.host.querySelector<HTMLInputElement>('input[name="set-value"]');
    if (!input) throw new Error("no value input");
    await act(async () => {
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set?.call(input, "0");
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await act(async () => button("Preview").click());
    await settle();
    const calls = fake.api.callsTo("bulkEdits.preview");
    expect(calls).toHaveLength(1);
    expect(calls[0]?.input.operation).toEqual({ kind: "setField", field: "price", value: 0 });
  });
});

function type(input: HTMLInputElement, value: string) {
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set?.call(input, value);
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

async function openFindReplace() {
  fake.api.reset([listing(0), listing(1)]);
  m = await mountWithApp(
    <BulkDialog selectedIds={null} filter={{}} total={2} onClose={() => {}} onApplied={() => {}} />,
  );
  await act(async () => button("Find & replace").click());
  const [find] = [...(m?.host.querySelectorAll<HTMLInputElement>(".form-grid input") ?? [])];
  if (!find) throw new Error("no find input");
  return find;
}

describe("BulkDialog preview", () => {
  it("does not show, nor offer to apply, a preview that arrives after the edit changed", async () => {
    const find = await openFindReplace();
    await act(async () => type(find, "old"));
    fake.api.hold("bulkEdits.preview");
    await act(async () => button("Preview").click());
    await settle();
    // Changed while the preview of "old" is on its way.
    await act(async () => type(find, "o"));
    await act(async () => fake.api.releaseAll());
    await settle();
    expect(m?.host.querySelector('[data-testid="bulk-preview"]')).toBeNull();
    const apply = [...(m?.host.querySelectorAll("button") ?? [])].find((b) =>
      b.textContent?.startsWith("Apply to"),
    );
    expect(apply?.disabled).toBe(true);
    await act(async () => apply?.click());
    await settle();
    expect(fake.api.callsTo("bulkEdits.execute")).toEqual([]);
    // Previewed again, it applies exactly what was previewed.
    await act(async () => button("Preview").click());
    await settle();
    await act(async () => button("Apply to 2").click());
    await settle();
    const applied = fake.api.callsTo("bulkEdits.execute");
    expect(applied).toHaveLength(1);
    expect(applied[0]?.input.operation).toMatchObject({ kind: "findReplace", find: "o" });
  });

  it("counts every rejected row, not only the ones the preview lists, and shows why", async () => {
    const find = await openFindReplace();
    await act(async () => type(find, "x"));
    const rejected = Array.from({ length: 100 }, (_, i) => ({
      id: `id-${i}`,
      message: "sku: 'X-1' would be given to 2 listings",
    }));
    const preview = fake.api.client.bulkEdits.preview;
    const original = preview.mutate;
    preview.mutate = (async () => ({
      matched: 2500,
      changed: 10,
      sample: [],
      rejected,
      rejectedCount: 2490,
    })) as unknown as typeof original;
    try {
      await act(async () => button("Preview").click());
      await settle();
    } finally {
      preview.mutate = original;
    }
    const shown = m?.host.querySelector('[data-testid="bulk-preview"]')?.textContent ?? "";
    expect(shown).toContain("2,490 would be rejected");
    expect(shown).toContain("sku: 'X-1' would be given to 2 listings");
  });
});

describe("BulkDialog numbers typed with a decimal comma", () => {
  it("reads 12,99 as a price to set, not as a number it cannot read", async () => {
    await openSetField("price");
    const input = m?.host.querySelector<HTMLInputElement>('input[name="set-value"]');
    if (!input) throw new Error("no value input");
    await act(async () => type(input, "12,99"));
    await act(async () => button("Preview").click());
    await settle();
    expect(m?.host.querySelector('[role="alert"]')).toBeNull();
    expect(fake.api.callsTo("bulkEdits.preview")[0]?.input.operation).toEqual({
      kind: "setField",
      field: "price",
      value: 12.99,
    });
  });

  /**
   * Opens the dialog on two listings, types `typed` as the price change (and `floor`, if given;
   * in `mode`, percent unless given) and asks for a preview.
   */
  async function previewPriceChange(typed: string, floor?: string, mode?: "amount") {
    fake.api.reset([listing(0), listing(1)]);
    m = await mountWithApp(
      <BulkDialog
        selectedIds={null}
        filter={{}}
        total={2}
        onClose={() => {}}
        onApplied={() => {}}
      />,
    );
    const value = m.host.querySelector<HTMLInputElement>('input[name="price-value"]');
    if (!value) throw new Error("no price input");
    const modeSelect = m.host.querySelector<HTMLSelectElement>(".form-grid select");
    if (mode && modeSelect) await act(async () => choose(modeSelect, mode));
    await act(async () => type(value, typed));
    if (floor !== undefined) {
      const box = m.host.querySelector<HTMLInputElement>('input[placeholder="no floor"]');
      if (!box) throw new Error("no floor input");
      await act(async () => type(box, floor));
    }
    await act(async () => button("Preview").click());
    await settle();
  }

  it("reads a price change of -2,5 % with a floor of 4,99", async () => {
    await previewPriceChange("-2,5", "4,99");
    expect(m?.host.querySelector('[role="alert"]')).toBeNull();
    expect(fake.api.callsTo("bulkEdits.preview")[0]?.input.operation).toEqual({
      kind: "priceChange",
      mode: "percent",
      value: -2.5,
      rounding: "none",
      floor: 4.99,
    });
  });

  it.each([
    ["1,000", 1000, undefined],
    ["+1,000.50", 1000.5, undefined],
    ["-1.000,50", -1000.5, "amount"],
    ["0,125", 0.125, undefined],
    ["0.125", 0.125, undefined],
    ["5%", 5, undefined],
    ["-2,5 %", -2.5, undefined],
  ] as const)("reads a price change amount of %s as %d", async (typed, expected, mode) => {
    await previewPriceChange(typed, undefined, mode);
    expect(m?.host.querySelector('[role="alert"]')).toBeNull();
    expect(fake.api.callsTo("bulkEdits.preview")[0]?.input.operation).toMatchObject({
      kind: "priceChange",
      value: expected,
    });
  });

  it.each(["1.000", "-2.500"])(
    "asks whether %s holds a thousands point instead of reading it as decimals",
    async (typed) => {
      await previewPriceChange(typed);
      expect(m?.host.querySelector('[role="alert"]')?.textContent).toContain(
        "thousands separator or decimals",
      );
      expect(fake.api.callsTo("bulkEdits.preview")).toHaveLength(0);
    },
  );

  it.each(["-100", "-150", "-100 %", "-1.000,5"])(
    "refuses a percent cut of %s before sending it, and offers nothing to apply",
    async (typed) => {
      await previewPriceChange(typed);
      expect(m?.host.querySelector('[role="alert"]')?.textContent).toBe(
        "A cut of 100 % or more would leave every price at 0",
      );
      expect(fake.api.callsTo("bulkEdits.preview")).toHaveLength(0);
      expect(button("Apply to …").disabled).toBe(true);
    },
  );

  it("withdraws the preview of a cut when it is retyped as 100 % or more", async () => {
    await previewPriceChange("-99,5");
    expect(fake.api.callsTo("bulkEdits.preview")[0]?.input.operation).toMatchObject({
      value: -99.5,
    });
    expect(button("Apply to 2").disabled).toBe(false);
    const value = m?.host.querySelector<HTMLInputElement>('input[name="price-value"]');
    if (!value) throw new Error("no price input");
    await act(async () => type(value, "-150"));
    expect(button("Apply to …").disabled).toBe(true);
    await act(async () => button("Preview").click());
    await settle();
    expect(m?.host.querySelector('[role="alert"]')?.textContent).toContain("100 % or more");
    expect(fake.api.callsTo("bulkEdits.preview")).toHaveLength(1);
  });

  it("sends an amount cut of 150, which the server holds at 0 or the floor", async () => {
    await previewPriceChange("-150", undefined, "amount");
    expect(m?.host.querySelector('[role="alert"]')).toBeNull();
    expect(fake.api.callsTo("bulkEdits.preview")[0]?.input.operation).toMatchObject({
      mode: "amount",
      value: -150,
    });
  });

  it("refuses what is not a number instead of reading 1e3 as 1000", async () => {
    await openSetField("quantity");
    const input = m?.host.querySelector<HTMLInputElement>('input[name="set-value"]');
    if (!input) throw new Error("no value input");
    await act(async () => type(input, "1e3"));
    await act(async () => button("Preview").click());
    await settle();
    expect(m?.host.querySelector('[role="alert"]')?.textContent).toBe("Enter a whole number");
    expect(fake.api.callsTo("bulkEdits.preview")).toEqual([]);
  });
});

describe("BulkDialog over a selection larger than it can take", () => {
  const scopeLabels = () =>
    [...(m?.host.querySelectorAll<HTMLInputElement>('input[name="scope"]') ?? [])].map((r) => ({
      text: r.closest("label")?.textContent ?? "",
      checked: r.checked,
      disabled: r.disabled,
    }));

  it("says the selection is too large and applies nothing until the seller chooses", async () => {
    fake.api.reset([listing(0), listing(1)]);
    m = await mountWithApp(
      <BulkDialog
        selectedIds={null}
        selectedRows={150_000}
        filter={{}}
        total={200_000}
        onClose={() => {}}
        onApplied={() => {}}
      />,
    );
    const [selection, filter] = scopeLabels();
    expect(selection?.text).toContain("150,000");
    expect(selection?.text).toContain("at most 100,000");
    expect(selection?.text).not.toContain("select a range of rows first");
    expect(selection?.disabled).toBe(true);
    // The filter reaches 200,000 listings: it is not chosen for the seller.
    expect(filter?.checked).toBe(false);
    expect(filter?.text).toContain("not only the 150,000 you selected");
    await act(async () => button("Preview").click());
    await settle();
    expect(m?.host.querySelector('[role="alert"]')?.textContent).toContain("Choose what to apply");
    expect(fake.api.callsTo("bulkEdits.preview")).toEqual([]);
  });

  it("takes the filter when the selection is every listing matching it", async () => {
    fake.api.reset([listing(0), listing(1)]);
    m = await mountWithApp(
      <BulkDialog
        selectedIds={null}
        selectedRows={150_000}
        filter={{ q: "lamp" }}
        total={150_000}
        onClose={() => {}}
        onApplied={() => {}}
      />,
    );
    const [, filter] = scopeLabels();
    expect(filter?.checked).toBe(true);
    expect(filter?.text).toContain("the rows you selected");
    await act(async () => button("Preview").click());
    await settle();
    expect(fake.api.callsTo("bulkEdits.preview")[0]?.input.selection).toEqual({
      filter: { q: "lamp" },
    });
  });
});
