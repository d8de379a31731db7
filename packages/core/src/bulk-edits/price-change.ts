import { changeSets, type DbOrTx, listings, rowsOf } from "@mbe/db";
import { eq, type SQL, sql } from "drizzle-orm";
import { chunkInsertSql } from "../change-sets/record";
import type { BulkOperation } from "./schema";

type PriceOp = Extract<BulkOperation, { kind: "priceChange" }>;

/**
 * ISO 4217 currencies with no minor unit: their prices are whole amounts (a yen has no cents), so
 * a price change rounds them to whole units, and ".99" endings become the whole amount above.
 */
export const ZERO_DECIMAL_CURRENCIES = [
  "BIF",
  "CLP",
  "DJF",
  "GNF",
  "ISK",
  "JPY",
  "KMF",
  "KRW",
  "PYG",
  "RWF",
  "UGX",
  "UYI",
  "VND",
  "VUV",
  "XAF",
  "XOF",
  "XPF",
] as const;

/**
 * The new price as a SQL expression of the old one and of the listing's currency: change,
 * rounding, to the currency's minor unit, the direction kept, the floor, never below 0 nor past
 * numeric(12,2). A cut never raises a price and a rise never lowers one.
 */
export function priceExpr(op: PriceOp, old: SQL, currency: SQL): SQL {
  const v = op.value;
  let x =
    op.mode === "percent"
      ? sql`(${old} * (1 + ${v}::numeric / 100))`
      : sql`(${old} + ${v}::numeric)`;
  const whole = sql`${currency} in (${sql.raw(ZERO_DECIMAL_CURRENCIES.map((c) => `'${c}'`).join(", "))})`;
  if (op.rounding === "nearest") x = sql`round(${x})`;
  else if (op.rounding === "up") x = sql`ceil(${x})`;
  else if (op.rounding === "down") x = sql`floor(${x})`;
  // Nothing ends in .99 at or below 0: a free listing stays free, an amount cut past 0 gives 0.
  else if (op.rounding === "99") {
    const up = sql`greatest(ceil(${x}) - 0.01, 0.99)`;
    // A cut never ends at or above the old price: where the .99 ending above does (10.50 − 1% is
    // 10.395, and 10.99 is no cut), it takes the one below (9.99); in whole units, the whole
    // amount above, else below. With no ending below (under 0.99, or 1 in whole units) the cut
    // price is kept as it is.
    x =
      v >= 0
        ? sql`(case when ${x} <= 0 then 0 else ${up} end)`
        : sql`(case when ${x} <= 0 then 0
            when ${whole} then case when ceil(${x}) < ${old} then ceil(${x})
              when floor(${x}) >= 1 then floor(${x}) else ${x} end
            when ${up} < ${old} then ${up}
            when floor(${x} + 0.01) - 0.01 >= 0.99 then floor(${x} + 0.01) - 0.01
            else ${x} end)`;
  }
  let y = sql`(case when ${whole} then round(${x}) else round(${x}, 2) end)`;
  // Rounding keeps the direction of the change: where it would carry a cut above the old price
  // (or a rise below it), the old price is kept.
  if (v < 0) y = sql`least(${y}, ${old})`;
  else if (v > 0) y = sql`greatest(${y}, ${old})`;
  // The floor, in the currency's units, rounded up. A cut stops at it but never raises a price:
  // one already below the floor keeps its price. A rise (or a change of 0 that only rounds) lifts
  // a price below the floor up to it, which is still no cut.
  if (op.floor !== undefined) {
    const floor = sql`(case when ${whole} then ceil(${op.floor}::numeric)
      else ceil(${op.floor}::numeric * 100) / 100 end)`;
    y = v < 0 ? sql`least(greatest(${y}, ${floor}), ${old})` : sql`greatest(${y}, ${floor})`;
  }
  // Typed numeric(12,2) so the preview shows the text the column will hold ("0.00", not "0").
  return sql`least(greatest(${y}, 0),
    case when ${whole} then 9999999999 else 9999999999.99 end)::numeric(12,2)`;
}

/** Counts and samples what a price change would do, without writing. */
export async function previewPriceChange(db: DbOrTx, where: SQL, op: PriceOp) {
  const expr = priceExpr(op, sql`${listings.price}`, sql`${listings.currency}`);
  const [counts] = rowsOf<{ matched: number; changed: number }>(
    await db.execute(
      sql`select count(*)::int as matched, count(*) filter (where ${expr} <> ${listings.price})::int as changed from ${listings} where ${where}`,
    ),
  );
  const sample = rowsOf<{ id: string; title: string; before: string; after: string }>(
    await db.execute(
      sql`select id, title, price::text as before, (${expr})::text as after from ${listings} where ${where} and ${expr} <> ${listings.price} order by updated_at desc limit 20`,
    ),
  );
  return {
    matched: Number(counts?.matched ?? 0),
    changed: Number(counts?.changed ?? 0),
    sample: sample.map((r) => ({
      id: r.id,
      title: r.title,
      before: { price: r.before },
      after: { price: r.after },
    })),
  };
}

/**
 * Applies a price change in set-based SQL: one statement updates the rows and records them as
 * change-set chunks (5,000 rows per chunk row), so 100k rows cost one round trip.
 */
export async function applyPriceChange(
  db: DbOrTx,
  ownerId: string,
  where: SQL,
  op: PriceOp,
  summary: string,
) {
  const [cs] = await db
    .insert(changeSets)
    .values({ ownerId, kind: "price-change", summary })
    .returning({ id: changeSets.id });
  if (!cs) throw new Error("change set not created");
  const expr = priceExpr(op, sql`t.old_price`, sql`t.currency`);
  // The old price comes from a locked read of the same rows, so a concurrent edit cannot slip
  // between the value recorded as "before" and the one the UPDATE starts from.
  const result = rowsOf<{ n: number; ids: string[] | null }>(
    await db.execute(sql`
      with target as (
        select id, price as old_price, currency from ${listings} where ${where} for update
      ), upd as (
        update ${listings} as l set price = ${expr}, version = l.version + 1, updated_at = now()
        from target t where l.id = t.id and ${expr} <> t.old_price
        returning l.id, t.old_price, l.price as new_price, l.version
      ), entries as (
        ${chunkInsertSql(
          cs.id,
          sql`(select id as listing_id, 'update'::text as op,
            jsonb_build_object('price', old_price::text, 'version', version - 1) as before,
            jsonb_build_object('price', new_price::text, 'version', version) as after,
            version from upd)`,
        )}
      )
      select count(*)::int as n, array_agg(id) as ids from upd`),
  );
  const n = Number(result[0]?.n ?? 0);
  if (!n) {
    // No price moved: nothing to undo, so no change set in the history.
    await db.delete(changeSets).where(eq(changeSets.id, cs.id));
    return { changeSetId: null, changed: 0, ids: [] };
  }
  await db.update(changeSets).set({ rowCount: n }).where(eq(changeSets.id, cs.id));
  return { changeSetId: cs.id, changed: n, ids: result[0]?.ids ?? [] };
}
