import { changeSetEntries, changeSets, type DbOrTx } from "@mbe/db";
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

/** Writes one change set and its entries (batched) inside the caller's transaction. */
export async function writeChangeSet(
  db: DbOrTx,
  opts: { ownerId: string; kind: string; summary: string; entries: EntryInput[] },
): Promise<string> {
  const [cs] = await db
    .insert(changeSets)
    .values({ ownerId: opts.ownerId, kind: opts.kind, summary: opts.summary, rowCount: opts.entries.length })
    .returning({ id: changeSets.id });
  if (!cs) throw new CoreError("INTERNAL", "Change set not created");
  for (let i = 0; i < opts.entries.length; i += 2000) {
    await db.insert(changeSetEntries).values(
      opts.entries.slice(i, i + 2000).map((e) => ({ changeSetId: cs.id, ...e })),
    );
  }
  return cs.id;
}
