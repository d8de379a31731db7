import { changeSetChunks, changeSets, type DbOrTx } from "@mbe/db";
import { eq, type SQL, sql } from "drizzle-orm";
import { CoreError } from "../errors";
import type { Snapshot } from "../listings/fields";

/** Entries per `change_set_chunks` row. */
export const CHUNK_ROWS = 5000;

export interface EntryInput {
  listingId: string;
  op: "create" | "update" | "delete";
  before: Snapshot | null;
  after: Snapshot | null;
  /** Listing version after the change; null for a delete. */
  currentVersion: number | null;
}

/** Opens a change set row; entries are added with `addEntries` (or by set-based SQL). */
export async function openChangeSet(
  db: DbOrTx,
  opts: { ownerId: string; kind: string; summary: string },
): Promise<string> {
  const [cs] = await db.insert(changeSets).values(opts).returning({ id: changeSets.id });
  if (!cs) throw new CoreError("INTERNAL", "Change set not created");
  return cs.id;
}

/**
 * An INSERT of change-set chunks from `rows`, a query yielding `listing_id uuid, op text,
 * before jsonb, after jsonb, version int` (a CTE name or a subquery): its rows are packed
 * 5,000 to a chunk after the chunks the change set already has. Usable as the last part of a
 * `with … ` statement, so a set-based write records its change set in the same statement.
 */
export function chunkInsertSql(changeSetId: string, rows: SQL): SQL {
  return sql`insert into ${changeSetChunks} (change_set_id, seq, listing_ids, ops, befores, afters, versions)
    select ${changeSetId}::uuid, b.base + g.k, g.ids, g.ops, g.befores, g.afters, g.versions
    from (
      select (t.n - 1) / ${CHUNK_ROWS} as k, array_agg(t.listing_id order by t.n) as ids,
        array_agg(t.op order by t.n) as ops, array_agg(t.before order by t.n) as befores,
        array_agg(t.after order by t.n) as afters, array_agg(t.version order by t.n) as versions
      from (select r.listing_id, r.op, r.before, r.after, r.version, row_number() over () as n from ${rows} r) t
      group by 1
    ) g
    cross join (select coalesce(max(seq) + 1, 0) as base from ${changeSetChunks} where change_set_id = ${changeSetId}::uuid) b`;
}

/** Appends entries as one JSON parameter per chunk (fast for 100k rows on both drivers). */
export async function addEntries(
  db: DbOrTx,
  changeSetId: string,
  entries: EntryInput[],
): Promise<void> {
  for (let i = 0; i < entries.length; i += CHUNK_ROWS) {
    const chunk = entries
      .slice(i, i + CHUNK_ROWS)
      .map((e) => ({ l: e.listingId, o: e.op, b: e.before, a: e.after, v: e.currentVersion }));
    await db.execute(
      chunkInsertSql(
        changeSetId,
        sql`(select x.l as listing_id, x.o as op, x.b as before, x.a as after, x.v as version from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as x(l uuid, o text, b jsonb, a jsonb, v int))`,
      ),
    );
  }
}

/** Records the final row count once every entry is written. */
export async function closeChangeSet(
  db: DbOrTx,
  changeSetId: string,
  rowCount: number,
): Promise<void> {
  await db.update(changeSets).set({ rowCount }).where(eq(changeSets.id, changeSetId));
}

/** Writes one change set and its entries inside the caller's transaction. */
export async function writeChangeSet(
  db: DbOrTx,
  opts: { ownerId: string; kind: string; summary: string; entries: EntryInput[] },
): Promise<string> {
  const id = await openChangeSet(db, opts);
  await addEntries(db, id, opts.entries);
  await closeChangeSet(db, id, opts.entries.length);
  return id;
}
