import { changeSetEntries, changeSets } from "@mbe/db";
import { and, asc, desc, eq, gt, lt } from "drizzle-orm";
import { z } from "zod";
import { type CoreContext, requireActor } from "../context";
import { notFound } from "../errors";

export const ListChangeSetsInput = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime().optional(),
});
export type ListChangeSetsInput = z.input<typeof ListChangeSetsInput>;

const view = (c: typeof changeSets.$inferSelect) => ({
  id: c.id,
  kind: c.kind,
  summary: c.summary,
  status: c.status,
  rowCount: c.rowCount,
  createdAt: c.createdAt.toISOString(),
  undoneAt: c.undoneAt?.toISOString() ?? null,
  redoneAt: c.redoneAt?.toISOString() ?? null,
});

/** The caller's change sets, newest first. */
export async function listChangeSets(ctx: CoreContext, raw: ListChangeSetsInput) {
  const input = ListChangeSetsInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const rows = await ctx.db
    .select()
    .from(changeSets)
    .where(
      and(
        eq(changeSets.ownerId, actor.userId),
        input.before ? lt(changeSets.createdAt, new Date(input.before)) : undefined,
      ),
    )
    .orderBy(desc(changeSets.createdAt))
    .limit(input.limit);
  return { items: rows.map(view) };
}

export const GetChangeSetInput = z.object({
  id: z.uuid(),
  entriesLimit: z.coerce.number().int().min(1).max(1000).default(200),
  entriesAfter: z.coerce.number().int().min(0).optional(),
});
export type GetChangeSetInput = z.input<typeof GetChangeSetInput>;

/** One change set with a page of its per-row before/after entries. */
export async function getChangeSet(ctx: CoreContext, raw: GetChangeSetInput) {
  const input = GetChangeSetInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const [cs] = await ctx.db
    .select()
    .from(changeSets)
    .where(and(eq(changeSets.id, input.id), eq(changeSets.ownerId, actor.userId)));
  if (!cs) throw notFound("Change set");
  const entries = await ctx.db
    .select()
    .from(changeSetEntries)
    .where(
      and(
        eq(changeSetEntries.changeSetId, cs.id),
        input.entriesAfter ? gt(changeSetEntries.id, input.entriesAfter) : undefined,
      ),
    )
    .orderBy(asc(changeSetEntries.id))
    .limit(input.entriesLimit);
  const last = entries.at(-1);
  return {
    ...view(cs),
    entries: entries.map((e) => ({
      id: e.id,
      listingId: e.listingId,
      op: e.op,
      before: e.before,
      after: e.after,
    })),
    nextEntriesCursor: entries.length === input.entriesLimit && last ? last.id : null,
  };
}
