import { changeSetEntries, changeSets, type DbOrTx } from "@mbe/db";
import { eq, sql } from "drizzle-orm";
import { CoreError } from "../errors";
import type { Snapshot } from "../listings/fields";

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

/** Appends entries as one JSON parameter per batch (fast for 100k rows on both drivers). */
export async function addEntries(
  db: DbOrTx,
  changeSetId: string,
  entries: EntryInput[],
): Promise<void> {
  for (let i = 0; i < entries.length; i += 5000) {
    const chunk = entries
      .slice(i, i + 5000)
      .map((e) => ({ l: e.listingId, o: e.op, b: e.before, a: e.after, v: e.currentVersion }));
    await db.execute(sql`insert into ${changeSetEntries} (change_set_id, listing_id, op, before, after, current_version)
      select ${changeSetId}::uuid, x.l, x.o, x.b, x.a, x.v from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) as x(l uuid, o text, b jsonb, a jsonb, v int)`);
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
