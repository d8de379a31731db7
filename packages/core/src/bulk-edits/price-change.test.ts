import { randomUUID } from "node:crypto";
import { type DbHandle, listings, users } from "@mbe/db";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { databaseDrivers } from "../../test/drivers";
import type { CoreContext } from "../context";
import { bulkUpsertListings } from "../listings/bulk-upsert";
import { applyBulkEdit, previewBulkEdit } from "./run";
import { PERCENT_CUT_REFUSED } from "./schema";

const drivers = databaseDrivers();

const silent = { info() {}, warn() {}, error() {} };

/** One database per driver, opened on first use; each test is a new seller in it. */
function shared(open: () => Promise<DbHandle>) {
  let db: Promise<DbHandle> | undefined;
  return () => {
    db ??= open();
    return db;
  };
}

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

type PriceChange = {
  kind: "priceChange";
  mode: "percent" | "amount";
  value: number;
  rounding: "none" | "nearest" | "up" | "down" | "99";
  floor?: number;
};

/** Listings on both sides of a floor of 100, in dollars and in yen (whole units). */
const SEED = [
  { title: "A below", price: 12.5 },
  { title: "B near", price: 105 },
  { title: "C above", price: 150 },
  { title: "D at", price: 100 },
  { title: "E free", price: 0 },
  { title: "F yen below", price: 80, currency: "JPY" },
  { title: "G yen near", price: 104, currency: "JPY" },
  { title: "H yen above", price: 1000, currency: "JPY" },
];

/**
 * Seeds {@link SEED} for a new seller, previews then applies `op` to every listing, and returns
 * the preview with each title's price before and after.
 */
async function change(open: () => Promise<DbHandle>, op: PriceChange) {
  const ctx = await seller(await open());
  await bulkUpsertListings(ctx, { rows: SEED });
  const owner = (ctx.actor as { userId: string }).userId;
  const prices = async () =>
    new Map(
      (
        await ctx.db
          .select({ title: listings.title, price: listings.price })
          .from(listings)
          .where(eq(listings.ownerId, owner))
          .orderBy(asc(listings.title))
      ).map((l) => [l.title, l.price]),
    );
  const before = await prices();
  const input = { selection: { filter: {} }, operation: op };
  const preview = await previewBulkEdit(ctx, input);
  const applied = await applyBulkEdit(ctx, input);
  const after = await prices();
  const moved = [...after].filter(([t, p]) => before.get(t) !== p).map(([t]) => t);
  // The preview counts and shows exactly the listings the apply changes, as it writes them.
  expect(preview.changed).toBe(moved.length);
  expect(applied.changed).toBe(moved.length);
  expect(preview.sample.map((s) => s.title).sort()).toEqual(moved);
  for (const s of preview.sample) expect(s.after).toEqual({ price: after.get(s.title) });
  return {
    preview,
    rows: [...after].map(([title, price]) => ({ title, old: Number(before.get(title)), price })),
  };
}

const ROUNDINGS = ["none", "nearest", "up", "down", "99"] as const;
const CUTS = [
  { mode: "percent", value: -10 },
  { mode: "amount", value: -5 },
] as const;

describe.each(drivers)("price change floor on %s", (_name, openDriver) => {
  const open = shared(openDriver);
  it("lets a cut stop at the floor but never raise a price already below it", async () => {
    const { preview, rows } = await change(open, {
      kind: "priceChange",
      mode: "percent",
      value: -10,
      rounding: "99",
      floor: 100,
    });
    // 12.50 and 80 yen are below the floor already: kept, and not counted as changing. 105 − 10%
    // is 94.5 (94.99): held at 100; 150 → 135 → 134.99; 104 yen → 93.6 → held at 100 yen.
    expect(rows.map((r) => [r.title, r.price])).toEqual([
      ["A below", "12.50"],
      ["B near", "100.00"],
      ["C above", "134.99"],
      ["D at", "100.00"],
      ["E free", "0.00"],
      ["F yen below", "80.00"],
      ["G yen near", "100.00"],
      ["H yen above", "900.00"],
    ]);
    expect(preview.changed).toBe(4);
  });

  for (const cut of CUTS)
    it.each(ROUNDINGS)(
      `never raises a price on a ${cut.mode} cut, rounding %s`,
      async (rounding) => {
        const { rows } = await change(open, { kind: "priceChange", ...cut, rounding, floor: 100 });
        for (const r of rows) {
          const price = Number(r.price);
          expect(price, r.title).toBeLessThanOrEqual(r.old);
          // Below the floor a price is kept; from it up, a cut never takes it under the floor.
          if (r.old < 100) expect(price, r.title).toBe(r.old);
          else expect(price, r.title).toBeGreaterThanOrEqual(100);
        }
        // Near the floor the cut stops at it; well above it, the cut is made.
        const by = new Map(rows.map((r) => [r.title, Number(r.price)]));
        expect(by.get("B near")).toBe(100);
        expect(by.get("C above")).toBeLessThan(150);
        expect(by.get("H yen above")).toBeLessThan(1000);
      },
    );

  it.each(ROUNDINGS)(
    "lifts a price below the floor to it on a rise, rounding %s",
    async (rounding) => {
      // A rise with a floor still only raises: 12.50 + 10% is 13.75, under the floor, so it ends at
      // the floor, as "never below" says, and that is no cut.
      const { rows } = await change(open, {
        kind: "priceChange",
        mode: "percent",
        value: 10,
        rounding,
        floor: 100,
      });
      for (const r of rows) {
        expect(Number(r.price), r.title).toBeGreaterThanOrEqual(r.old);
        expect(Number(r.price), r.title).toBeGreaterThanOrEqual(100);
      }
      const by = new Map(rows.map((r) => [r.title, r.price]));
      expect(by.get("A below")).toBe("100.00");
      expect(by.get("F yen below")).toBe("100.00");
      expect(by.get("E free")).toBe("100.00");
    },
  );

  it.each(ROUNDINGS)(
    "holds an amount cut past 0 at 0, or at the floor, rounding %s",
    async (rounding) => {
      const bare = await change(open, {
        kind: "priceChange",
        mode: "amount",
        value: -2000,
        rounding,
      });
      expect(bare.rows.map((r) => r.price)).toEqual(Array(SEED.length).fill("0.00"));
      const floored = await change(open, {
        kind: "priceChange",
        mode: "amount",
        value: -2000,
        rounding,
        floor: 99.5,
      });
      // Whole units take the floor rounded up (100 yen); a price under the floor is kept.
      expect(floored.rows.map((r) => r.price)).toEqual([
        "12.50",
        "99.50",
        "99.50",
        "99.50",
        "0.00",
        "80.00",
        "100.00",
        "100.00",
      ]);
    },
  );
});

describe("percent cut limit", () => {
  const first = drivers[0]?.[1];
  const postgres = first && shared(first);
  it.each([-100, -150])(
    "refuses a percent cut of %d, in the preview as in the apply",
    async (value) => {
      if (!postgres) throw new Error("no postgres driver");
      const ctx = await seller(await postgres());
      await bulkUpsertListings(ctx, { rows: SEED });
      const input = {
        selection: { filter: {} },
        operation: { kind: "priceChange" as const, mode: "percent" as const, value },
      };
      const refused = { issues: [expect.objectContaining({ message: PERCENT_CUT_REFUSED })] };
      await expect(previewBulkEdit(ctx, input)).rejects.toMatchObject(refused);
      await expect(applyBulkEdit(ctx, input)).rejects.toMatchObject(refused);
      const stored = await ctx.db
        .select({ price: listings.price })
        .from(listings)
        .where(eq(listings.ownerId, (ctx.actor as { userId: string }).userId));
      // Nothing was written: only the free listing is at 0.
      expect(stored.filter((l) => l.price === "0.00")).toHaveLength(1);
      // Just short of it, and an amount cut of as much, are taken.
      for (const operation of [
        { kind: "priceChange" as const, mode: "percent" as const, value: -99.99 },
        { kind: "priceChange" as const, mode: "amount" as const, value },
      ])
        await expect(
          previewBulkEdit(ctx, { selection: { filter: {} }, operation }),
        ).resolves.toMatchObject({ matched: SEED.length });
    },
  );
});
