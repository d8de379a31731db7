import { changeSetChunks, changeSets, listings, rowsOf } from "@mbe/db";
import { and, eq, getTableColumns, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { type CoreContext, requireActor } from "../context";
import { notFound } from "../errors";
import { isUuid } from "../ids";
import { snapshotSql } from "../listings/sql-snapshot";
import { descendingPage, pageInput } from "../paging";

export const ListChangeSetsInput = pageInput(50, 200).extend({
  /** Only change sets created before this time. */
  before: z.iso.datetime({ offset: true }).optional(),
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

/** The caller's change sets, newest first, a page at a time. */
export async function listChangeSets(ctx: CoreContext, raw: ListChangeSetsInput) {
  const input = ListChangeSetsInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const paging = descendingPage(
    [{ col: changeSets.createdAt, kind: "timestamp" }],
    changeSets.id,
    input.cursor,
  );
  const rows = await ctx.db
    .select({ ...getTableColumns(changeSets), pageKey: paging.keyText })
    .from(changeSets)
    .where(
      and(
        eq(changeSets.ownerId, actor.userId),
        input.before ? lt(changeSets.createdAt, new Date(input.before)) : undefined,
        paging.after,
      ),
    )
    .orderBy(...paging.orderBy)
    .limit(input.limit + 1);
  const { items, nextCursor } = paging.page(rows, input.limit);
  return { items: items.map(view), nextCursor };
}

const ENTRY_ID_SPAN = 100_000;

export const GetChangeSetInput = z.object({
  // Any string, like every other resource's id: one that is not a uuid is simply not found (404).
  id: z.string().max(100),
  entriesLimit: z.coerce.number().int().min(1).max(1000).default(200),
  entriesAfter: z.coerce.number().int().min(0).optional(),
});
export type GetChangeSetInput = z.input<typeof GetChangeSetInput>;

/** One change set with a page of its per-row before/after entries. */
export async function getChangeSet(ctx: CoreContext, raw: GetChangeSetInput) {
  const input = GetChangeSetInput.parse(raw);
  const actor = requireActor(ctx, "read");
  if (!isUuid(input.id)) throw notFound("Change set");
  const [cs] = await ctx.db
    .select()
    .from(changeSets)
    .where(and(eq(changeSets.id, input.id), eq(changeSets.ownerId, actor.userId)));
  if (!cs) throw notFound("Change set");
  // Entry ids are positions: chunk number × 100,000 + place in the chunk (chunks hold ≤ 5,000).
  const after = input.entriesAfter ?? 0;
  const entries = rowsOf<{
    id: string | number;
    listingId: string;
    op: "create" | "update" | "delete";
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
  }>(
    await ctx.db.execute(sql`
      select c.seq::bigint * ${ENTRY_ID_SPAN} + u.ord as id, u.listing_id as "listingId", u.op,
        u.before - 'origin' as before,
        -- A created listing that still stands as created is its own "after".
        coalesce(u.after - 'origin', case when u.op = 'create' then (
          select ${snapshotSql("l")} from ${listings} l
          where l.id = u.listing_id and l.owner_id = ${actor.userId}::uuid and l.version = u.version
        ) end) as after
      from ${changeSetChunks} c
      cross join lateral unnest(c.listing_ids, c.ops, c.befores, c.afters, c.versions)
        with ordinality as u(listing_id, op, before, after, version, ord)
      where c.change_set_id = ${cs.id}::uuid and c.seq >= ${Math.floor(after / ENTRY_ID_SPAN)}
        and c.seq::bigint * ${ENTRY_ID_SPAN} + u.ord > ${after}
      order by c.seq, u.ord
      limit ${input.entriesLimit}`),
  );
  const last = entries.at(-1);
  return {
    ...view(cs),
    entries: entries.map((e) => ({
      id: Number(e.id),
      listingId: e.listingId,
      op: e.op,
      before: e.before,
      after: e.after,
    })),
    nextEntriesCursor: entries.length === input.entriesLimit && last ? Number(last.id) : null,
  };
}
