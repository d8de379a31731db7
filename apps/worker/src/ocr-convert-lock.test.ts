import { convertScan } from "@mbe/core";
import { pollUntil } from "@mbe/core/testing";
import { listings, ocrScans, rowsOf } from "@mbe/db";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ocrScansOf } from "../test/ocr";
import { testRuntime } from "../test/runtime";

const { db, opts, seller, close } = testRuntime("ocv");
beforeAll(() => db.migrate());
afterAll(() => close());

const scanOf = ocrScansOf({ db, opts, seller });

describe("converting a scan while it is corrected", () => {
  it("converts the items as corrected when the correction is saved while the convert waits", async () => {
    const { ctx, id, ownerId } = await scanOf("completed", [
      { title: "Desk lamp", price: 20, currency: "USD", description: "" },
    ]);
    let converting: ReturnType<typeof convertScan> | undefined;
    // A correction holds the scan's row while it saves; the convert sent meanwhile must wait for
    // it and then read the corrected items, not the ones it saw before.
    await db.db.transaction(async (tx) => {
      await tx.execute(sql`select id from ${ocrScans} where id = ${id}::uuid for update`);
      converting = convertScan(ctx, id, {});
      converting.catch(() => {});
      await pollUntil(async () => {
        const [waiting] = rowsOf<{ n: number }>(
          await db.db.execute(
            sql`select count(*)::int as n from pg_stat_activity
                where datname = current_database() and wait_event_type = 'Lock'`,
          ),
        );
        return (waiting?.n ?? 0) > 0;
      }, 10_000);
      await tx
        .update(ocrScans)
        .set({
          items: [{ title: "Desk lamp, brass", price: 25, currency: "USD", description: "" }],
          status: "corrected",
        })
        .where(eq(ocrScans.id, id));
    });
    const out = await converting;
    expect(out?.created).toBe(1);
    const rows = await db.db.select().from(listings).where(eq(listings.ownerId, ownerId));
    expect(rows.map((r) => [r.title, Number(r.price)])).toEqual([["Desk lamp, brass", 25]]);
    const [scan] = await db.db.select().from(ocrScans).where(eq(ocrScans.id, id));
    expect((scan?.items as { listingId?: string }[] | undefined)?.[0]?.listingId).toBe(rows[0]?.id);
  });
});
