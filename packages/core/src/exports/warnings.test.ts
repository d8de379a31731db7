import { randomUUID } from "node:crypto";
import { type DbHandle, listings, users } from "@mbe/db";
import { and, asc, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { databaseDrivers } from "../../test/drivers";
import type { CoreContext } from "../context";
import { exportWarnings, WARNING_SAMPLE } from "./warnings";

const drivers = databaseDrivers();

/** Listings in the selection below; all but {@link FEW} titles are over eBay's 80 characters. */
const MANY = 20_000;
/** Listings with a quantity of 0: far fewer than one in a hundred. */
const FEW = 3;

async function seller(h: DbHandle): Promise<string> {
  const id = randomUUID();
  await h.db.insert(users).values({ id, email: `${id}@x.test`, passwordHash: "x" });
  return id;
}

/**
 * `MANY` listings for `owner`: every title but the last `FEW` (by SKU) is 90 characters long,
 * and those `FEW` have a quantity of 0.
 */
async function seed(h: DbHandle, owner: string) {
  await h.db.execute(sql`insert into listings (owner_id, title, price, quantity, condition, status)
    select ${owner}, case when i <= ${MANY - FEW} then rpad('Long ' || i, 90, 'x') else 'Short ' || i end,
      10, case when i <= ${MANY - FEW} then 1 else 0 end, 'New', 'active'
    from generate_series(1, ${MANY}) as i`);
}

describe.each(drivers)("export warnings on %s", (_name, open) => {
  let h: DbHandle;
  let owner: string;
  const ctx = () => ({ db: h.db }) as unknown as CoreContext;
  const where = () => eq(listings.ownerId, owner);

  /** The first ids by id order of the owner's listings that match `breaks`. */
  const firstIds = async (breaks: ReturnType<typeof sql>) =>
    (
      await h.db
        .select({ id: listings.id })
        .from(listings)
        .where(and(where(), breaks))
        .orderBy(asc(listings.id))
        .limit(WARNING_SAMPLE)
    ).map((r) => r.id);

  beforeAll(async () => {
    h = await open();
    owner = await seller(h);
    await seed(h, owner);
    // Another seller's rule breakers share the table and are never counted or named.
    await seed(h, await seller(h));
  }, 120_000);

  it("counts every listing that breaks a rule and names the first ones by id", async () => {
    const warnings = await exportWarnings(ctx(), where(), "ebay");
    expect(warnings.map((w) => w.code)).toEqual(["TITLE_TOO_LONG", "QUANTITY_BELOW_ONE"]);
    const [long, empty] = warnings;
    // A rule most of the selection breaks, and one a handful of listings break.
    expect(long?.count).toBe(MANY - FEW);
    expect(long?.sample).toEqual(await firstIds(sql`char_length(${listings.title}) > 80`));
    expect(long?.sample).toHaveLength(WARNING_SAMPLE);
    expect(empty?.count).toBe(FEW);
    expect(empty?.sample).toEqual(await firstIds(sql`${listings.quantity} < 1`));
    expect(empty?.sample).toHaveLength(FEW);
  });

  it("names the first ones when every rule broken is broken by many", async () => {
    const selected = and(where(), sql`${listings.quantity} >= 1`);
    const warnings = await exportWarnings(ctx(), selected as never, "ebay");
    expect(warnings.map((w) => [w.code, w.count])).toEqual([["TITLE_TOO_LONG", MANY - FEW]]);
    expect(warnings[0]?.sample).toEqual(await firstIds(sql`char_length(${listings.title}) > 80`));
  });

  it("names a handful of listings without gathering the ids of every one that breaks the rule", async () => {
    // Sorting or collecting 20,000 ids does not fit in 64 kB of work memory; with no temporary
    // file allowed, a query that does either fails instead of spilling.
    const warnings = await h.db.transaction(async (tx) => {
      await tx.execute(sql`set local work_mem = '64kB'`);
      await tx.execute(sql`set local temp_file_limit = 0`);
      return exportWarnings({ db: tx } as unknown as CoreContext, where(), "ebay");
    });
    expect(warnings.map((w) => [w.code, w.count, w.sample.length])).toEqual([
      ["TITLE_TOO_LONG", MANY - FEW, WARNING_SAMPLE],
      ["QUANTITY_BELOW_ONE", FEW, FEW],
    ]);
  });
});
