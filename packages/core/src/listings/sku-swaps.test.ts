import { randomUUID } from "node:crypto";
import { listings, users } from "@mbe/db";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { databaseDrivers } from "../../test/drivers";
import { applyBulkEdit, previewBulkEdit } from "../bulk-edits/run";
import { redoChangeSet, undoChangeSet } from "../change-sets/revert";
import type { CoreContext } from "../context";
import { bulkUpsertListings } from "./bulk-upsert";

const drivers = databaseDrivers();

const silent = { info() {}, warn() {}, error() {} };

// The unique index on (owner_id, sku) is checked row by row inside one statement, so SKUs that
// move between the listings of one request (or one undo/redo) need the rows written in an order
// the index accepts; on both drivers the product runs on.
describe.each(drivers)("SKU swaps and rotations on %s", (_name, open) => {
  async function seller(skus: (string | null)[]) {
    const h = await open();
    const userId = randomUUID();
    await h.db.insert(users).values({ id: userId, email: `${userId}@x.test`, passwordHash: "x" });
    const ctx = {
      db: h.db,
      rootDb: h.db,
      actor: { userId, role: "seller", via: "jwt", scopes: ["read", "write"] },
      requestId: "test",
      log: silent,
      hooks: {},
    } as unknown as CoreContext;
    const made = await bulkUpsertListings(ctx, {
      rows: skus.map((sku, i) => ({ title: `Item ${i}`, price: 5, sku })),
      matchBy: "id",
    });
    expect(made.created).toBe(skus.length);
    const ids = made.results.map((r) => r.id as string);
    /** Each listing's SKU, in the order the listings were created. */
    const skusNow = async () => {
      const rows = await h.db
        .select({ id: listings.id, sku: listings.sku })
        .from(listings)
        .where(eq(listings.ownerId, userId));
      const byId = new Map(rows.map((r) => [r.id, r.sku]));
      return ids.map((id) => byId.get(id) ?? null);
    };
    return { ctx, ids, skusNow };
  }

  it("swaps the SKUs of two listings in one request, and undoes and redoes the swap", async () => {
    const { ctx, ids, skusNow } = await seller(["SKU-1", "SKU-2", "SKU-3"]);
    const [a, b] = ids;
    const swap = await bulkUpsertListings(ctx, {
      rows: [
        { id: a, sku: "SKU-2" },
        { id: b, sku: "SKU-1" },
      ],
    });
    expect(swap.results.map((r) => [r.status, r.version])).toEqual([
      ["updated", 2],
      ["updated", 2],
    ]);
    expect(await skusNow()).toEqual(["SKU-2", "SKU-1", "SKU-3"]);

    await undoChangeSet(ctx, swap.changeSetId as string);
    expect(await skusNow()).toEqual(["SKU-1", "SKU-2", "SKU-3"]);
    await redoChangeSet(ctx, swap.changeSetId as string);
    expect(await skusNow()).toEqual(["SKU-2", "SKU-1", "SKU-3"]);
    // A later edit of one of the rows, undone, leaves the swap undoable again.
    const price = await bulkUpsertListings(ctx, { rows: [{ id: a, price: 8 }] });
    await undoChangeSet(ctx, price.changeSetId as string);
    await undoChangeSet(ctx, swap.changeSetId as string);
    expect(await skusNow()).toEqual(["SKU-1", "SKU-2", "SKU-3"]);
  });

  it("rotates SKUs down a column (a paste shifted by one row) and back by undo", async () => {
    const { ctx, ids, skusNow } = await seller(["R-1", "R-2", "R-3", "R-4", "R-5"]);
    // The first four take the next row's SKU; the last takes a new one.
    const shift = await bulkUpsertListings(ctx, {
      rows: ids.map((id, i) => ({ id, sku: i < 4 ? `R-${i + 2}` : "R-6", price: 6 })),
    });
    expect(shift.updated).toBe(5);
    expect(await skusNow()).toEqual(["R-2", "R-3", "R-4", "R-5", "R-6"]);
    // A full cycle, rows sent in reverse order.
    const cycle = await bulkUpsertListings(ctx, {
      rows: ids.map((id, i) => ({ id, sku: `R-${((i + 4) % 5) + 2}` })).reverse(),
    });
    expect(cycle.updated).toBe(5);
    expect(await skusNow()).toEqual(["R-6", "R-2", "R-3", "R-4", "R-5"]);

    await undoChangeSet(ctx, cycle.changeSetId as string);
    expect(await skusNow()).toEqual(["R-2", "R-3", "R-4", "R-5", "R-6"]);
    await undoChangeSet(ctx, shift.changeSetId as string);
    expect(await skusNow()).toEqual(["R-1", "R-2", "R-3", "R-4", "R-5"]);
    await redoChangeSet(ctx, shift.changeSetId as string);
    expect(await skusNow()).toEqual(["R-2", "R-3", "R-4", "R-5", "R-6"]);
  });

  it("still refuses a SKU a listing outside the request holds, and the rows that needed it", async () => {
    const { ctx, ids, skusNow } = await seller(["C-1", "C-2", "C-3", "C-4", "C-5"]);
    const [a, b, c, d] = ids;
    // B asks for C-3, which C keeps (C is not in the request): B is refused, so B keeps C-2 and
    // A, which asked for C-2, is refused too. D's swap with E's SKU stands apart and is refused
    // the same way, as E is not in the request either. The new row clashes with nothing.
    const r = await bulkUpsertListings(ctx, {
      rows: [
        { id: a, sku: "C-2" },
        { id: b, sku: "C-3" },
        { id: d, sku: "C-5" },
        { id: c, title: "Renamed" },
      ],
    });
    expect(r.results.map((x) => [x.status, x.error?.code, x.error?.message])).toEqual([
      ["error", "CONFLICT", "SKU 'C-2' is already used"],
      ["error", "CONFLICT", "SKU 'C-3' is already used"],
      ["error", "CONFLICT", "SKU 'C-5' is already used"],
      ["updated", undefined, undefined],
    ]);
    expect(await skusNow()).toEqual(["C-1", "C-2", "C-3", "C-4", "C-5"]);
    // B is matched by its SKU by the first row, so the row that would give B another SKU is a
    // duplicate; B keeps C-2, and the row asking for C-2 is refused.
    const matched = await bulkUpsertListings(ctx, {
      rows: [
        { sku: "C-2", price: 9 },
        { id: b, sku: "C-7" },
        { id: a, sku: "C-2" },
      ],
    });
    expect(matched.results.map((x) => [x.status, x.error?.code])).toEqual([
      ["updated", undefined],
      ["error", "DUPLICATE_ROW"],
      ["error", "CONFLICT"],
    ]);
    expect(await skusNow()).toEqual(["C-1", "C-2", "C-3", "C-4", "C-5"]);
    // Two rows of one request asking for the same SKU are still refused.
    const twice = await bulkUpsertListings(ctx, {
      rows: [
        { id: a, sku: "C-9" },
        { id: b, sku: "C-9" },
      ],
    });
    expect(twice.results.map((x) => x.status)).toEqual(["updated", "error"]);
    expect(await skusNow()).toEqual(["C-9", "C-2", "C-3", "C-4", "C-5"]);
  });

  it("swaps and shifts SKUs by a find-and-replace, refusing what a listing outside keeps", async () => {
    const { ctx, ids, skusNow } = await seller(["RED-L", "L-RED", "BLUE-S", "S-BLUE", "M-GREEN"]);
    const at = (...n: number[]) => n.map((i) => ids[i] as string);
    // The pattern reorders the two parts: RED-L and L-RED trade places, so do BLUE-S and S-BLUE.
    const reorder = {
      kind: "findReplace" as const,
      field: "sku" as const,
      find: "^(\\w+)-(\\w+)$",
      replace: "$2-$1",
      regex: true,
    };
    const preview = await previewBulkEdit(ctx, { selection: { ids }, operation: reorder });
    expect(preview).toMatchObject({ changed: 5, rejectedCount: 0 });
    const edit = await applyBulkEdit(ctx, { selection: { ids }, operation: reorder });
    expect(edit).toMatchObject({ changed: 5, rejected: 0 });
    expect(await skusNow()).toEqual(["L-RED", "RED-L", "S-BLUE", "BLUE-S", "GREEN-M"]);
    await undoChangeSet(ctx, edit.changeSetId as string);
    expect(await skusNow()).toEqual(["RED-L", "L-RED", "BLUE-S", "S-BLUE", "M-GREEN"]);
    await redoChangeSet(ctx, edit.changeSetId as string);
    await undoChangeSet(ctx, edit.changeSetId as string);

    // With only the first and third selected, each new SKU is kept by an unselected listing.
    const outside = await applyBulkEdit(ctx, { selection: { ids: at(0, 2) }, operation: reorder });
    expect(outside).toMatchObject({ changed: 0, rejected: 2 });
    expect(await skusNow()).toEqual(["RED-L", "L-RED", "BLUE-S", "S-BLUE", "M-GREEN"]);
  });

  it("shifts a chain of SKUs by a find-and-replace only when its end is free", async () => {
    const { ctx, ids, skusNow } = await seller(["A", "AA", "AAA", "AAAA"]);
    const at = (...n: number[]) => n.map((i) => ids[i] as string);
    const grow = {
      kind: "findReplace" as const,
      field: "sku" as const,
      find: "^A",
      replace: "AA",
      regex: true,
    };
    // AAA would take AAAA, which the unselected fourth listing keeps: AAA stays, so AA cannot
    // take it, and so A cannot take AA.
    const preview = await previewBulkEdit(ctx, {
      selection: { ids: at(0, 1, 2) },
      operation: grow,
    });
    expect(preview).toMatchObject({ changed: 0, rejectedCount: 3 });
    expect(preview.rejected.map((r) => r.message).sort()).toEqual([
      "sku: 'AA' is already used by another listing",
      "sku: 'AAA' is already used by another listing",
      "sku: 'AAAA' is already used by another listing",
    ]);
    const blocked = await applyBulkEdit(ctx, { selection: { ids: at(0, 1, 2) }, operation: grow });
    expect(blocked).toMatchObject({ changed: 0, rejected: 3 });
    expect(await skusNow()).toEqual(["A", "AA", "AAA", "AAAA"]);
    const all = await applyBulkEdit(ctx, { selection: { ids }, operation: grow });
    expect(all).toMatchObject({ changed: 4, rejected: 0 });
    expect(await skusNow()).toEqual(["AA", "AAA", "AAAA", "AAAAA"]);
    await undoChangeSet(ctx, all.changeSetId as string);
    expect(await skusNow()).toEqual(["A", "AA", "AAA", "AAAA"]);
  });

  it("refuses undoing an earlier change set whose SKU another listing took since", async () => {
    const { ctx, ids, skusNow } = await seller(["U-1", "U-2"]);
    const [a, b] = ids;
    const first = await bulkUpsertListings(ctx, { rows: [{ id: a, sku: "U-9" }] });
    const second = await bulkUpsertListings(ctx, { rows: [{ id: b, sku: "U-1" }] });
    expect(await skusNow()).toEqual(["U-9", "U-1"]);
    await expect(undoChangeSet(ctx, first.changeSetId as string)).rejects.toMatchObject({
      code: "CONFLICT",
      message:
        "A listing in this change set has a SKU another listing uses now; change that SKU first",
    });
    expect(await skusNow()).toEqual(["U-9", "U-1"]);
    await undoChangeSet(ctx, second.changeSetId as string);
    await undoChangeSet(ctx, first.changeSetId as string);
    expect(await skusNow()).toEqual(["U-1", "U-2"]);
  });
});
