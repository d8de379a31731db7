import { describe, expect, it } from "vitest";
import { blockPatches, clearPatches, fillBlock, tileBlock } from "./block-edit";
import { columnsFor, type Row } from "./columns";
import { listing } from "./row-fixture";
import { parseTsv } from "./tsv";

const cols = columnsFor("generic"); // title, price, currency, quantity, status, condition, ...
const rows: Row[] = Array.from({ length: 5 }, (_, i) =>
  listing(i, {
    title: `Row ${i}`,
    price: 1,
    condition: null,
    status: "draft",
    createdAt: "",
    updatedAt: "",
  }),
);

describe("pasting a block from a spreadsheet", () => {
  it("maps each pasted cell to the column under it, one patch per row", () => {
    const block = parseTsv('"Lamp, ""brass""\nwith shade"\t$19.99\nChair\t5\n');
    const { patches, problems, clipped } = blockPatches(
      block,
      { r: 1, c: 0 },
      cols,
      (i) => rows[i],
      rows.length,
    );
    expect(problems).toEqual([]);
    expect(clipped).toBe(0);
    expect(patches.map((p) => [p.row.id, p.patch])).toEqual([
      ["id-1", { title: 'Lamp, "brass"\nwith shade', price: 19.99 }],
      ["id-2", { title: "Chair", price: 5 }],
    ]);
  });

  it("reports unparseable cells but keeps the rest of the row", () => {
    const { patches, problems } = blockPatches(
      [["Ok", "free"]],
      { r: 0, c: 0 },
      cols,
      (i) => rows[i],
      rows.length,
    );
    expect(patches[0]?.patch).toEqual({ title: "Ok" });
    expect(problems[0]?.message).toMatch(/Price/);
  });

  it("cuts rows past the end and columns past the last one", () => {
    const wide = [Array.from({ length: cols.length + 3 }, () => "x")];
    const { clipped } = blockPatches(
      [["a"], ["b"], ["c"]],
      { r: 3, c: 0 },
      cols,
      (i) => rows[i],
      rows.length,
    );
    expect(clipped).toBe(1);
    const r = blockPatches(wide, { r: 0, c: cols.length - 1 }, cols, (i) => rows[i], rows.length);
    expect(r.patches.length + r.problems.length).toBeLessThanOrEqual(1);
  });

  it("counts what it could not place: columns past the edge and read-only cells", () => {
    const updated = cols.findIndex((c) => c.key === "updatedAt");
    const desc = cols.findIndex((c) => c.key === "description");
    expect(updated).toBe(cols.length - 1);
    // Description, then Updated (read-only), then two columns with nothing under them.
    const r = blockPatches(
      [
        ["d1", "2026-02-02", "x", "y"],
        ["d2", "", "x", ""],
      ],
      { r: 0, c: desc },
      cols,
      (i) => rows[i],
      rows.length,
    );
    expect(r.patches.map((p) => p.patch)).toEqual([{ description: "d1" }, { description: "d2" }]);
    expect(r.clippedCols).toBe(2);
    expect(r.readOnly).toEqual({ Updated: 1 });
  });

  it("fills a selected range with one copied value", () => {
    expect(fillBlock("7", { r0: 0, r1: 2, c0: 1, c1: 2 })).toEqual([
      ["7", "7"],
      ["7", "7"],
      ["7", "7"],
    ]);
  });

  it("clears optional cells and refuses required ones", () => {
    const { patches, problems } = clearPatches(
      { r0: 0, r1: 1, c0: 0, c1: 5 },
      cols,
      (i) => rows[i],
    );
    expect(patches.map((p) => p.patch)).toEqual([
      { quantity: 0, condition: null },
      { quantity: 0, condition: null },
    ]);
    expect(problems.length).toBe(8);
  });
});

describe("pasting a block into a larger selection", () => {
  it("repeats the block when the selection is a whole multiple of it in both directions", () => {
    expect(tileBlock([["a"]], { r0: 0, r1: 1, c0: 0, c1: 2 })).toEqual([
      ["a", "a", "a"],
      ["a", "a", "a"],
    ]);
    expect(
      tileBlock(
        [
          ["a", "b"],
          ["c", "d"],
        ],
        { r0: 3, r1: 6, c0: 1, c1: 4 },
      ),
    ).toEqual([
      ["a", "b", "a", "b"],
      ["c", "d", "c", "d"],
      ["a", "b", "a", "b"],
      ["c", "d", "c", "d"],
    ]);
  });

  it("pastes once when the selection is not a multiple of the block, or the rows are ragged", () => {
    const two = [["a"], ["b"]];
    expect(tileBlock(two, { r0: 0, r1: 2, c0: 0, c1: 0 })).toBe(two);
    expect(tileBlock(two, { r0: 0, r1: 0, c0: 0, c1: 1 })).toBe(two);
    const ragged = [["a", "b"], ["c"]];
    expect(tileBlock(ragged, { r0: 0, r1: 3, c0: 0, c1: 1 })).toBe(ragged);
  });
});
