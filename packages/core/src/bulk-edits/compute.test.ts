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
    expect(fieldsToLoad(op({ kind: "setField", field: "price", value: 3 }))).toEqual(["price"]);
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
    const setPrice = await planChanges(rows, op({ kind: "setField", field: "price", value: 5 }));
    expect(setPrice.planned).toEqual([
      { row: rows[0], before: { price: "12.50" }, after: { price: "5.00" } },
    ]);
    const replace = await planChanges(
      rows,
      op({ kind: "findReplace", field: "title", find: "old ", replace: "" }),
    );
    expect(replace.planned.map((p) => [p.row.id, p.before, p.after])).toEqual([
      ["a", { title: "Old lamp" }, { title: "lamp" }],
    ]);
  });
});
