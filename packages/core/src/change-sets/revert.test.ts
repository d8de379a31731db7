import { randomUUID } from "node:crypto";
import { users } from "@mbe/db";
import { describe, expect, it } from "vitest";
import { databaseDrivers } from "../../test/drivers";
import { applyBulkEdit } from "../bulk-edits/run";
import type { CoreContext } from "../context";
import { bulkUpsertListings } from "../listings/bulk-upsert";
import { listListings } from "../listings/list";
import { updateListing } from "../listings/update";
import { getChangeSet } from "./list";
import { redoChangeSet, undoChangeSet } from "./revert";

const drivers = databaseDrivers();

const silent = { info() {}, warn() {}, error() {} };

// The change-set SQL (chunks, set-based undo/redo) and the search side table on both drivers the
// product runs on: PostgreSQL in production, PGlite under `pnpm start`.
describe.each(drivers)("change sets on %s", (_name, open) => {
  it("records, pages, undoes and redoes creates and a price change, refusing moved rows", async () => {
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
    const rows = Array.from({ length: 30 }, (_, i) => ({
      title: `Lamp ${i}`,
      price: 10,
      sku: `L-${i}`,
      category: i % 2 ? "Lighting" : "Decor",
      status: "active" as const,
    }));
    const created = await bulkUpsertListings(ctx, { rows });
    expect(created.created).toBe(30);
    const createSet = created.changeSetId as string;
    const page = async (q?: string) =>
      (await listListings(ctx, { limit: 100, includeTotal: true, ...(q ? { q } : {}) })) as {
        items: { id: string; price: number; version: number }[];
        total: number;
      };
    expect((await page("lamp 2")).total).toBe(11); // Lamp 2, Lamp 20…29

    const price = await applyBulkEdit(ctx, {
      selection: { filter: { category: "Lighting" } },
      operation: { kind: "priceChange", mode: "percent", value: 10, rounding: "99" },
    });
    expect(price.changed).toBe(15);
    const detail = await getChangeSet(ctx, { id: price.changeSetId as string, entriesLimit: 10 });
    expect(detail.entries).toHaveLength(10);
    expect(detail.entries[0]).toMatchObject({
      op: "update",
      before: { price: "10.00", version: 1 },
      after: { price: "10.99", version: 2 },
    });
    const rest = await getChangeSet(ctx, {
      id: price.changeSetId as string,
      entriesAfter: detail.nextEntriesCursor ?? undefined,
    });
    expect(rest.entries).toHaveLength(5);
    expect(rest.nextEntriesCursor).toBeNull();

    // One row edited since: undo is refused and nothing moves.
    const moved = (await page("lamp 1")).items.find((i) => i.price > 10);
    if (!moved) throw new Error("no changed row");
    await updateListing(ctx, moved.id, { quantity: 9 });
    await expect(undoChangeSet(ctx, price.changeSetId as string)).rejects.toMatchObject({
      code: "VERSION_CONFLICT",
      details: { listingIds: [moved.id] },
    });
    expect((await page()).items.filter((i) => i.price === 10.99)).toHaveLength(15);

    // A price change on the other half undoes and redoes cleanly.
    const decor = await applyBulkEdit(ctx, {
      selection: { filter: { category: "Decor" } },
      operation: { kind: "priceChange", mode: "amount", value: -3 },
    });
    expect(decor.changed).toBe(15);
    await undoChangeSet(ctx, decor.changeSetId as string);
    expect((await page()).items.filter((i) => i.price === 10)).toHaveLength(15);
    await redoChangeSet(ctx, decor.changeSetId as string);
    expect((await page()).items.filter((i) => i.price === 7)).toHaveLength(15);

    // Creates whose rows moved on cannot be undone; a fresh batch can, and comes back whole.
    await expect(undoChangeSet(ctx, createSet)).rejects.toMatchObject({
      code: "VERSION_CONFLICT",
    });
    const more = await bulkUpsertListings(ctx, {
      rows: [{ title: "Brass floor lamp", price: 120, sku: "B-1", category: "Lighting" }],
    });
    await undoChangeSet(ctx, more.changeSetId as string);
    expect((await page("brass")).total).toBe(0);
    await redoChangeSet(ctx, more.changeSetId as string);
    const back = await listListings(ctx, { q: "brass" });
    expect(back.items).toHaveLength(1);
    expect(back.items[0]).toMatchObject({ title: "Brass floor lamp", price: 120, sku: "B-1" });

    // A delete by filter is one change set; its undo brings every row back as it was.
    const del = await applyBulkEdit(ctx, {
      selection: { filter: { category: "Decor" } },
      operation: { kind: "delete" },
    });
    expect(del.changed).toBe(15);
    expect((await page()).total).toBe(16);
    expect((await page("lamp 2")).total).toBe(5); // Lamp 21, 23 … 29 are Lighting
    const none = await applyBulkEdit(ctx, {
      selection: { filter: { category: "Decor" } },
      operation: { kind: "delete" },
    });
    expect(none).toMatchObject({ changeSetId: null, changed: 0 });
    await undoChangeSet(ctx, del.changeSetId as string);
    const restored = (await listListings(ctx, { category: "Decor", limit: 100 })) as {
      items: { sku: string; price: number; title: string }[];
    };
    expect(restored.items.map((i) => i.sku).sort()).toEqual(
      Array.from({ length: 15 }, (_, i) => `L-${i * 2}`).sort(),
    );
    expect(new Set(restored.items.map((i) => i.price))).toEqual(new Set([7]));
    expect((await page("lamp 2")).total).toBe(11); // found by text again
  });
});
