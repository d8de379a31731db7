import { describe, expect, it } from "vitest";
import { fieldsToLoad, type PlanRow, planChanges } from "./compute";
import { BulkOperation } from "./schema";

const op = (raw: unknown) => BulkOperation.parse(raw);

describe("bulk edit planning", () => {
  it("loads only the fields an edit touches", () => {
    expect(
      fieldsToLoad(op({ kind: "findReplace", field: "title", find: "a", replace: "b" })),
    ).toEqual(["title"]);
    expect(
      fieldsToLoad(op({ kind: "findReplace", field: "all", find: "a", replace: "b" })),
    ).toEqual(["title", "condition", "description", "category", "sku"]);
    expect(fieldsToLoad(op({ kind: "setField", field: "title", value: "x" }))).toEqual(["title"]);
    // A price is whole in some currencies, so either field brings the other.
    expect(fieldsToLoad(op({ kind: "setField", field: "price", value: 3 }))).toEqual([
      "price",
      "currency",
    ]);
    expect(fieldsToLoad(op({ kind: "setField", field: "currency", value: "JPY" }))).toEqual([
      "price",
      "currency",
    ]);
    expect(
      fieldsToLoad(op({ kind: "applyTemplate", templateId: crypto.randomUUID() }), {
        status: "active",
        marketplaceFields: {},
        unknown: 1,
      }),
    ).toEqual(["marketplaceFields", "status"]);
  });

  it("plans on rows that carry only those fields, with the right before and after", async () => {
    const rows: PlanRow[] = [
      { id: "a", version: 3, title: "Old lamp", price: "12.50" },
      { id: "b", version: 1, title: "Chair", price: "5.00" },
    ];
    const setPrice = await planChanges(
      rows.map((r) => ({ ...r, currency: "USD" })),
      op({ kind: "setField", field: "price", value: 5 }),
    );
    expect(setPrice.planned).toEqual([
      {
        row: { ...rows[0], currency: "USD" },
        before: { price: "12.50" },
        after: { price: "5.00" },
      },
    ]);
    const replace = await planChanges(
      rows,
      op({ kind: "findReplace", field: "title", find: "old ", replace: "" }),
    );
    expect(replace.planned.map((p) => [p.row.id, p.before, p.after])).toEqual([
      ["a", { title: "Old lamp" }, { title: "lamp" }],
    ]);
  });

  it("fills empty and missing values of one field when the pattern matches the empty string", async () => {
    const rows: PlanRow[] = [
      { id: "a", version: 1, title: "Lamp", description: "", category: null, sku: null },
      { id: "b", version: 1, title: "Chair", description: "Oak", category: "Seating", sku: "C" },
    ];
    const fill = (field: string, find: string, replace = "N/A") =>
      planChanges(rows, op({ kind: "findReplace", field, find, replace, regex: true }));
    const description = await fill("description", "^$");
    expect(description.planned.map((p) => [p.row.id, p.before, p.after])).toEqual([
      ["a", { description: "" }, { description: "N/A" }],
    ]);
    const category = await fill("category", "^\\s*$");
    expect(category.planned.map((p) => [p.row.id, p.before, p.after])).toEqual([
      ["a", { category: null }, { category: "N/A" }],
    ]);
    // An empty result leaves a missing value missing.
    expect((await fill("sku", "^$", "")).planned).toEqual([]);
    // A prefix goes before an empty description too, as String.prototype.replace puts it.
    const prefix = await fill("description", "^", "New: ");
    expect(prefix.planned.map((p) => p.after)).toEqual([
      { description: "New: " },
      { description: "New: Oak" },
    ]);
    // Across all text fields only text is searched: blank SKUs, categories and conditions of
    // every row are not all given the same value.
    expect((await fill("all", "^$")).planned).toEqual([]);
    expect((await fill("all", "^(?=C)")).planned.map((p) => p.after)).toEqual([
      { title: "N/AChair", sku: "N/AC" },
    ]);
    // Plain text cannot be empty.
    expect(() =>
      op({ kind: "findReplace", field: "description", find: "", replace: "N/A" }),
    ).toThrow();
  });

  it("rounds prices to whole units when a listing ends up in a currency without minor units", async () => {
    const rows: PlanRow[] = [
      { id: "a", version: 1, title: "Lamp", price: "10.50", currency: "USD" },
      { id: "b", version: 1, title: "Chair", price: "7.00", currency: "USD" },
      { id: "c", version: 1, title: "Desk", price: "3.49", currency: "EUR" },
      { id: "d", version: 1, title: "Rug", price: "1200.00", currency: "JPY" },
    ];
    const toYen = await planChanges(
      rows,
      op({ kind: "setField", field: "currency", value: "JPY" }),
    );
    expect(toYen.rejected).toEqual([]);
    expect(toYen.planned.map((p) => [p.row.id, p.before, p.after])).toEqual([
      ["a", { price: "10.50", currency: "USD" }, { price: "11.00", currency: "JPY" }],
      ["b", { currency: "USD" }, { currency: "JPY" }],
      ["c", { price: "3.49", currency: "EUR" }, { price: "3.00", currency: "JPY" }],
    ]);
    // A currency with cents keeps them.
    const toEuro = await planChanges(
      rows,
      op({ kind: "setField", field: "currency", value: "EUR" }),
    );
    expect(toEuro.planned.map((p) => p.after)).toEqual([
      { currency: "EUR" },
      { currency: "EUR" },
      { currency: "EUR" },
    ]);
    // A price in cents set on listings in won or yen is whole there, and kept elsewhere.
    const setPrice = await planChanges(
      [...rows, { id: "e", version: 1, title: "Vase", price: "5.00", currency: "KRW" }],
      op({ kind: "setField", field: "price", value: "2499.50" }),
    );
    expect(setPrice.planned.map((p) => [p.row.id, p.after])).toEqual([
      ["a", { price: "2499.50" }],
      ["b", { price: "2499.50" }],
      ["c", { price: "2499.50" }],
      ["d", { price: "2500.00" }],
      ["e", { price: "2500.00" }],
    ]);
    // A template setting the currency rounds too; an invalid price is still refused, not rounded.
    const template = await planChanges(
      rows.slice(0, 1),
      op({ kind: "applyTemplate", templateId: crypto.randomUUID() }),
      { currency: "KRW" },
    );
    expect(template.planned.map((p) => p.after)).toEqual([{ price: "11.00", currency: "KRW" }]);
    const invalid = await planChanges(
      rows.slice(3),
      op({ kind: "setField", field: "price", value: "12.345" }),
    );
    expect(invalid.planned).toEqual([]);
    expect(invalid.rejected).toHaveLength(1);
  });
});
