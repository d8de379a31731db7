import { randomUUID } from "node:crypto";
import { type DbHandle, listings, users } from "@mbe/db";
import { asc, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { databaseDrivers } from "../../test/drivers";
import { undoChangeSet } from "../change-sets/revert";
import type { CoreContext } from "../context";
import { bulkUpsertListings } from "../listings/bulk-upsert";
import { applyBulkEdit, BULK_EDIT_MAX_ROWS, previewBulkEdit } from "./run";
import type { BulkEditInput } from "./schema";

const drivers = databaseDrivers();

const silent = { info() {}, warn() {}, error() {} };

async function seller(h: DbHandle) {
  const userId = randomUUID();
  await h.db.insert(users).values({ id: userId, email: `${userId}@x.test`, passwordHash: "x" });
  return {
    db: h.db,
    rootDb: h.db,
    actor: { userId, role: "seller", via: "jwt", scopes: ["read", "write"] },
    requestId: "test",
    log: silent,
    hooks: {},
  } as unknown as CoreContext;
}

/** Each listing's title, price (as stored) and currency, by title. */
const stored = async (ctx: CoreContext) =>
  (
    await ctx.db
      .select({ title: listings.title, price: listings.price, currency: listings.currency })
      .from(listings)
      .orderBy(asc(listings.title))
  ).map((l) => [l.title, l.price, l.currency]);

/** Previews then applies `operation` on every listing; the preview must show what is written. */
async function previewAndApply(ctx: CoreContext, operation: BulkEditInput["operation"]) {
  const input = { selection: { filter: {} }, operation };
  const pv = await previewBulkEdit(ctx, input);
  const ap = await applyBulkEdit(ctx, input);
  expect(ap.changed).toBe(pv.changed);
  const now = await ctx.db.select().from(listings);
  for (const x of pv.sample) {
    const row = now.find((l) => l.id === x.id);
    for (const [k, v] of Object.entries(x.after)) expect(row?.[k as "price"]).toEqual(v);
  }
  return ap;
}

describe.each(drivers)("bulk edits on %s", (_name, open) => {
  const seedPrices = (ctx: CoreContext) =>
    bulkUpsertListings(ctx, {
      rows: [
        { title: "A", price: 10.5 },
        { title: "B", price: 11 },
        { title: "C", price: 20 },
        { title: "D", price: 1.5 },
        { title: "E", price: 0.8 },
        { title: "F yen", price: 1000, currency: "JPY" },
        { title: "G yen", price: 999, currency: "JPY" },
        { title: "H free", price: 0 },
      ],
    });

  it("keeps whole-unit rounding on the side of the change: a rise never ends lower, a cut never higher", async () => {
    const ctx = await seller(await open());
    await seedPrices(ctx);
    const seeded = await stored(ctx);
    // 10.51 rounded down would be 10, 1.51 would be 1, 0.81 would be 0: each keeps its price.
    const down = await previewAndApply(ctx, {
      kind: "priceChange",
      mode: "amount",
      value: 0.01,
      rounding: "down",
    });
    expect(down.changed).toBe(0);
    expect(await stored(ctx)).toEqual(seeded);
    // 10.49 rounded up would be 11, above 10.50; 0.70 to the nearest unit would be 1, above 0.80.
    const up = await previewAndApply(ctx, {
      kind: "priceChange",
      mode: "amount",
      value: -0.01,
      rounding: "up",
    });
    expect(up.changed).toBe(0);
    const nearest = await previewAndApply(ctx, {
      kind: "priceChange",
      mode: "amount",
      value: -0.1,
      rounding: "nearest",
    });
    expect(await stored(ctx)).toEqual([
      ["A", "10.00", "USD"],
      ["B", "11.00", "USD"],
      ["C", "20.00", "USD"],
      ["D", "1.00", "USD"],
      ["E", "0.80", "USD"],
      ["F yen", "1000.00", "JPY"],
      ["G yen", "999.00", "JPY"],
      ["H free", "0.00", "USD"],
    ]);
    expect(nearest.changed).toBe(2);
  });

  it("rounds a cut to the .99 ending below when the one above is no cut", async () => {
    const ctx = await seller(await open());
    await seedPrices(ctx);
    const seeded = await stored(ctx);
    await previewAndApply(ctx, { kind: "priceChange", mode: "percent", value: -1, rounding: "99" });
    const cut = await stored(ctx);
    // 10.395 would end at 10.99, above 10.50: 9.99; 10.89 → 10.99 and 19.8 → 19.99 are below the
    // old price; 1.485 → 0.99; 0.792 has no .99 ending below and is kept as cut; in yen the whole
    // amount above (990), as it is below the old price.
    expect(cut).toEqual([
      ["A", "9.99", "USD"],
      ["B", "10.99", "USD"],
      ["C", "19.99", "USD"],
      ["D", "0.99", "USD"],
      ["E", "0.79", "USD"],
      ["F yen", "990.00", "JPY"],
      ["G yen", "990.00", "JPY"],
      ["H free", "0.00", "USD"],
    ]);
    for (const [i, [, price]] of cut.entries())
      expect(Number(price)).toBeLessThanOrEqual(Number(seeded[i]?.[1]));
    // The floor holds a cut up at it, but a cut raises no price already below it (0.99, 0.79, a
    // free listing); and a rise still takes the .99 ending above.
    await previewAndApply(ctx, {
      kind: "priceChange",
      mode: "percent",
      value: -50,
      rounding: "99",
      floor: 9.5,
    });
    expect((await stored(ctx)).map(([, p]) => p)).toEqual([
      "9.50",
      "9.50",
      "9.99",
      "0.99",
      "0.79",
      "495.00",
      "495.00",
      "0.00",
    ]);
    await previewAndApply(ctx, { kind: "priceChange", mode: "amount", value: 0.2, rounding: "99" });
    expect((await stored(ctx)).map(([, p]) => p)).toEqual([
      "9.99",
      "9.99",
      "10.99",
      "1.99",
      "0.99",
      "496.00",
      "496.00",
      "0.99",
    ]);
  });

  it("sets a currency without minor units with prices in whole units, previewed as applied, and undoes it", async () => {
    const ctx = await seller(await open());
    await bulkUpsertListings(ctx, {
      rows: [
        { title: "A", price: 10.5 },
        { title: "B", price: 7 },
        { title: "C", price: 3.49, currency: "EUR" },
      ],
    });
    const before = await stored(ctx);
    const pv = await previewBulkEdit(ctx, {
      selection: { filter: {} },
      operation: { kind: "setField", field: "currency", value: "JPY" },
    });
    expect(pv.rejectedCount).toBe(0);
    expect(pv.sample.find((s) => s.title === "A")).toMatchObject({
      before: { price: "10.50", currency: "USD" },
      after: { price: "11.00", currency: "JPY" },
    });
    const ap = await previewAndApply(ctx, { kind: "setField", field: "currency", value: "JPY" });
    expect(ap.changed).toBe(3);
    expect(await stored(ctx)).toEqual([
      ["A", "11.00", "JPY"],
      ["B", "7.00", "JPY"],
      ["C", "3.00", "JPY"],
    ]);
    await undoChangeSet(ctx, ap.changeSetId as string);
    expect(await stored(ctx)).toEqual(before);
  });
});

describe("bulk edit size limit", () => {
  const postgres = drivers[0]?.[1];
  it("refuses to preview a duplicate of more than BULK_EDIT_MAX_ROWS listings, as applying it does", async () => {
    if (!postgres) throw new Error("no postgres driver");
    const ctx = await seller(await postgres());
    const userId = (ctx.actor as { userId: string }).userId;
    await ctx.db.execute(
      sql`insert into listings (owner_id, title, price)
          select ${userId}::uuid, 'Lamp ' || i, 1 from generate_series(1, ${BULK_EDIT_MAX_ROWS + 1}) i`,
    );
    const input = { selection: { filter: {} }, operation: { kind: "duplicate" as const } };
    const size = { code: "PAYLOAD_TOO_LARGE" };
    await expect(applyBulkEdit(ctx, input)).rejects.toMatchObject(size);
    await expect(
      previewBulkEdit(ctx, {
        ...input,
        operation: { kind: "setField", field: "status", value: "active" },
      }),
    ).rejects.toMatchObject(size);
    await expect(previewBulkEdit(ctx, input)).rejects.toMatchObject(size);
    // A delete is one statement and has no such limit.
    await expect(
      previewBulkEdit(ctx, { ...input, operation: { kind: "delete" } }),
    ).resolves.toMatchObject({ matched: BULK_EDIT_MAX_ROWS + 1 });
  }, 180_000);
});
