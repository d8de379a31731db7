import { changeSetChunks, changeSets, imports, listings, rowsOf } from "@mbe/db";
import { and, eq, type SQL, sql } from "drizzle-orm";
import { recordAudit } from "../audit/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { CoreError, notFound } from "../errors";
import { givingUpSkus, releaseSkus, snapshotSetClause } from "../listings/apply-snapshots";
import { snapshotSql } from "../listings/sql-snapshot";
import { isUniqueViolation } from "../listings/unique";

type Direction = "undo" | "redo";

/**
 * Every entry of the change set `changeSet` names (an id, or a column of an outer query), one row
 * each, from its chunks (`e` in the statements below).
 */
const entriesOf = (changeSet: SQL) => sql`
  select c.seq, u.ord, u.listing_id, u.op, u.before, u.after, u.version
  from ${changeSetChunks} c
  cross join lateral unnest(c.listing_ids, c.ops, c.befores, c.afters, c.versions)
    with ordinality as u(listing_id, op, before, after, version, ord)
  where c.change_set_id = ${changeSet}`;
const entriesSql = (changeSetId: string) => entriesOf(sql`${changeSetId}::uuid`);

/**
 * Fills \`revert_origin\` (a temporary table, dropped at commit) for the listings of change set
 * \`changeSetId\` whose rows moved: for each listing version an earlier undo or redo produced, the
 * first version whose state it brought back. An undone edit restores the state its \`before\` was
 * taken at, a redone one the state of its \`after\`; a re-created row (an undone delete, a redone
 * creation) the state of the snapshot it was made from (or the first version of that state, which
 * the snapshot records as \`origin\` when its row was itself a restoration). The links are
 * followed to the first version of each state. Indexed, so each moved row is one lookup.
 */
async function buildOrigins(db: CoreContext["db"], owner: string, changeSetId: string) {
  // The listings whose rows moved, then every link recorded for them.
  await db.execute(sql`
    create temp table revert_moved on commit drop as
    select distinct e.listing_id from (${entriesSql(changeSetId)}) e
    left join ${listings} l on l.id = e.listing_id and l.owner_id = ${owner}::uuid
    where l.version is distinct from e.version`);
  await db.execute(sql`alter table revert_moved add primary key (listing_id)`);
  await db.execute(sql`analyze revert_moved`);
  await db.execute(sql`
    create temp table revert_origin on commit drop as
    select listing_id, version, min(state_version) as root from (
      select u.listing_id, u.version, coalesce(snap ->> 'origin', snap ->> 'version')::int as state_version
      from ${changeSets} s
      cross join lateral (${entriesOf(sql`s.id`)}) u
      join revert_moved m on m.listing_id = u.listing_id
      cross join lateral (select case when s.status = 'undone' then u.before else u.after end as snap) x
      where s.owner_id = ${owner}::uuid
        and (u.op = 'update' or u.op = case when s.status = 'undone' then 'delete' else 'create' end)
    ) r
    -- An edit never reverted is at the version its \`after\` records: it restored nothing.
    where version > state_version
    group by listing_id, version`);
  await db.execute(sql`create index on revert_origin (listing_id, version)`);
  await db.execute(sql`analyze revert_origin`);
  // Follow the links: a state brought back is itself often one an earlier undo brought back.
  // Each step moves a root to an earlier version, so this ends; chains are a few links long.
  for (let step = 0; step < 100; step++) {
    const [r] = rowsOf<{ n: number }>(
      await db.execute(sql`
        with u as (
          update revert_origin g set root = p.root
          from revert_origin p
          where p.listing_id = g.listing_id and p.version = g.root and p.root < g.root
          returning 1
        ) select count(*)::int as n from u`),
    );
    if (!r?.n) break;
  }
}

/**
 * The first version with the state listing \`id\` had at \`version\` (see {@link buildOrigins}); the
 * version itself when no row moved (the table is then not built).
 */
const originOf = (built: boolean, id: SQL, version: SQL) =>
  built
    ? sql`coalesce(
  (select g.root from revert_origin g where g.listing_id = ${id} and g.version = ${version}), ${version})`
    : version;

/**
 * Whether row \`alias\` holds exactly the state the listing had at version \`stateVersion\` though
 * its version moved: its version was produced by undos or redos that brought back that very
 * state, and nothing changed it since. This is how undoing changes of one row newest first works:
 * undoing a later edit restores, under a new version, the state an earlier change (an edit, a
 * creation, a re-creation) left.
 */
const restoredTo = (built: boolean, alias: string, stateVersion: SQL) => {
  if (!built) return sql`false`;
  const row = sql.raw(alias);
  return sql`${originOf(built, sql`${row}.id`, sql`${row}.version`)} = ${originOf(built, sql`${row}.id`, stateVersion)}`;
};

/**
 * The version whose state entry \`e\` expects its row in: the version its before or after
 * snapshot (\`state\`) was taken at for an edit, the version it recorded for a created or
 * deleted row.
 */
const expectedState = (state: SQL) =>
  sql`case when e.op = 'update' then (${state} ->> 'version')::int else e.version end`;

const versionConflict = (n: number, direction: Direction, ids: string[]) =>
  new CoreError("VERSION_CONFLICT", `${n} listing(s) changed since; ${direction} refused`, {
    details: { listingIds: ids.slice(0, 100) },
  });

/**
 * Undo or redo a change set as one transaction. Every row must still be at the version the change
 * set last left it at; if any row moved on, nothing is touched and VERSION_CONFLICT lists them.
 * The rows are restored set-based — one statement updates, deletes and re-creates them and
 * records the versions it produced — so reverting 100k rows is a few seconds, not minutes.
 */
async function revert(ctx: CoreContext, id: string, direction: Direction) {
  const actor = requireActor(ctx, "write");
  const owner = actor.userId;
  const result = await inTx(ctx, async (tx) => {
    const [cs] = await tx.db
      .select()
      .from(changeSets)
      .where(and(eq(changeSets.id, id), eq(changeSets.ownerId, owner)))
      .for("update");
    if (!cs) throw notFound("Change set");
    const wanted = direction === "undo" ? "applied" : "undone";
    if (cs.status !== wanted)
      throw new CoreError(
        "CONFLICT",
        direction === "undo"
          ? "This change set is already undone"
          : "Only an undone change set can be redone",
      );
    const state = direction === "undo" ? sql`e.after` : sql`e.before`;
    // Rows at another version than the change set left them are conflicts, unless an undo or
    // redo brought them back to the expected state: that is looked up only when some moved.
    const conflictsOf = async (built: boolean) =>
      rowsOf<{ id: string; n: number }>(
        await tx.db.execute(sql`
          select e.listing_id as id, count(*) over ()::int as n
          from (${entriesSql(cs.id)}) e
          left join ${listings} l on l.id = e.listing_id and l.owner_id = ${owner}::uuid
          where l.version is distinct from e.version
            and not coalesce(${restoredTo(built, "l", expectedState(state))}, false)
          limit 100`),
      );
    let built = false;
    let conflicts = await conflictsOf(built);
    if (conflicts.length > 0) {
      await buildOrigins(tx.db, owner, cs.id);
      built = true;
      conflicts = await conflictsOf(built);
    }
    if (conflicts.length > 0)
      throw versionConflict(
        Number(conflicts[0]?.n ?? conflicts.length),
        direction,
        conflicts.map((c) => c.id),
      );

    // What this direction must make each row look like: its field values for an update, the full
    // snapshot to re-create for a deleted row, or nothing (delete it).
    const undo = direction === "undo";
    const removeOp = undo ? "create" : "delete";
    const insertOp = undo ? "delete" : "create";
    const target = undo ? sql`e.before` : sql`e.after`;
    await releaseMovingSkus(tx.db, owner, cs.id, target, insertOp);
    const [r] = rowsOf<{
      total: number;
      changed: number;
      upsert: string[] | null;
      remove: string[] | null;
    }>(
      await restoreRows(
        tx.db,
        sql`
        with e as (${entriesSql(cs.id)}),
        upd as (
          update ${listings} l set ${snapshotSetClause("t.target")}, version = l.version + 1, updated_at = now()
          from (select listing_id, version, ${target} as target, ${state} as state from e where op = 'update') t
          where l.id = t.listing_id and l.owner_id = ${owner}::uuid
            and (l.version = t.version or ${restoredTo(built, "l", sql`(t.state ->> 'version')::int`)})
          returning l.id, l.version
        ),
        del as (
          delete from ${listings} l using e
          where e.op = ${removeOp} and l.id = e.listing_id and l.owner_id = ${owner}::uuid
            and (l.version = e.version or ${restoredTo(built, "l", sql`e.version`)})
          -- The snapshot records the first version of the row's state (\`origin\`), for the
          -- re-creation that undoing this makes from it: the snapshot's own origin when the row
          -- still stands as that re-creation left it.
          returning l.id, ${snapshotSql("l")} || jsonb_build_object('origin', case
            when l.version = e.version
              then coalesce((${state} ->> 'origin')::int, (${state} ->> 'version')::int, l.version)
            else ${originOf(built, sql`l.id`, sql`l.version`)} end) as snap
        ),
        ins as (
          insert into ${listings} (id, owner_id, title, price, currency, condition, description, category, offer_shipping, sku, quantity, image_urls, marketplace_fields, status, source, source_ref, version, created_at)
          select e.listing_id, ${owner}::uuid, s->>'title', (s->>'price')::numeric, coalesce(s->>'currency', 'USD'),
            s->>'condition', coalesce(s->>'description', ''), s->>'category', coalesce((s->>'offerShipping')::boolean, false),
            s->>'sku', coalesce((s->>'quantity')::int, 1),
            case when jsonb_typeof(s->'imageUrls') = 'array' then array(select jsonb_array_elements_text(s->'imageUrls')) else '{}'::text[] end,
            case when jsonb_typeof(s->'marketplaceFields') = 'object' then s->'marketplaceFields' else '{}'::jsonb end,
            coalesce(s->>'status', 'draft')::listing_status, coalesce(s->>'source', 'manual')::listing_source,
            s->>'sourceRef', coalesce((s->>'version')::int, 0) + 1, coalesce((s->>'createdAt')::timestamptz, now())
          from (select e.listing_id, ${target} as s from e where e.op = ${insertOp} and e.version is null) e
          where s is not null
          returning id, version
        ),
        res as (
          select e.seq, e.ord, coalesce(upd.version, ins.version) as version,
            ${undo ? sql`case when e.op = 'create' then coalesce(del.snap, e.after) else e.after end` : sql`e.after`} as after,
            -- A row a redo deletes again is snapshotted anew, so undoing that re-creates it from
            -- its last state under a version it never had.
            ${undo ? sql`e.before` : sql`case when e.op = 'delete' then coalesce(del.snap, e.before) else e.before end`} as before
          from e
          left join upd on upd.id = e.listing_id
          left join ins on ins.id = e.listing_id
          left join del on del.id = e.listing_id
        ),
        chunks as (
          update ${changeSetChunks} c set versions = r.versions, afters = r.afters, befores = r.befores
          from (
            select seq, array_agg(version order by ord) as versions, array_agg(after order by ord) as afters,
              array_agg(before order by ord) as befores
            from res group by seq
          ) r
          where c.change_set_id = ${cs.id}::uuid and c.seq = r.seq
        )
        select (select count(*) from e)::int as total,
          ((select count(*) from upd) + (select count(*) from ins) + (select count(*) from del))::int as changed,
          (select array_agg(id) from (select id from upd union all select id from ins) x) as upsert,
          (select array_agg(id) from del) as remove`,
      ),
    );
    const total = Number(r?.total ?? 0);
    // A row edited between the check above and this statement was skipped by its version test;
    // throwing rolls the whole revert back.
    if (Number(r?.changed ?? 0) !== total)
      throw versionConflict(total - Number(r?.changed ?? 0), direction, []);
    const now = new Date();
    await tx.db
      .update(changeSets)
      .set(undo ? { status: "undone", undoneAt: now } : { status: "applied", redoneAt: now })
      .where(eq(changeSets.id, cs.id));
    // An import's state follows its change set, whichever route reverted it.
    if (cs.kind === "import")
      await tx.db
        .update(imports)
        .set({ status: undo ? "undone" : "committed", updatedAt: now })
        .where(and(eq(imports.changeSetId, cs.id), eq(imports.ownerId, owner)));
    await recordAudit(tx, {
      action: `change_set.${direction}`,
      resourceType: "change_set",
      resourceId: cs.id,
      details: { rows: total, kind: cs.kind },
    });
    return {
      id: cs.id,
      status: undo ? ("undone" as const) : ("applied" as const),
      rowCount: total,
      upsert: r?.upsert ?? [],
      remove: r?.remove ?? [],
    };
  });
  await ctx.hooks.listingsChanged?.(actor.userId, { upsert: result.upsert, remove: result.remove });
  return { id: result.id, status: result.status, rowCount: result.rowCount };
}

/**
 * Clears the SKU of each listing the restore gives another SKU while another listing of the change
 * set takes the one it holds (SKUs swapped or rotated among its rows). The unique index is checked
 * row by row within the restoring statement, so without this the row taking the SKU could be
 * written before the row giving it up. A SKU a listing outside the change set holds is not
 * released: the restoring statement refuses it, and the rollback puts back what was released.
 */
async function releaseMovingSkus(
  db: CoreContext["db"],
  owner: string,
  changeSetId: string,
  target: SQL,
  insertOp: string,
) {
  // Each entry giving its listing a SKU, with the SKU the listing holds now. Which of them give
  // up a SKU another entry takes is decided here rather than in SQL: the planner cannot know how
  // many entries the chunks hold, and a semi-join of the entries' SKUs with themselves was
  // planned as a nested loop (quadratic in the rows).
  const moving = rowsOf<{ id: string; next: string | null; held: string | null }>(
    await db.execute(sql`
      with e as (${entriesSql(changeSetId)})
      select e.listing_id as id, ${target} ->> 'sku' as next, l.sku as held
      from e left join ${listings} l on l.id = e.listing_id and l.owner_id = ${owner}::uuid
      where (e.op = 'update' or (e.op = ${insertOp} and e.version is null)) and ${target} ? 'sku'`),
  );
  await releaseSkus(
    db,
    owner,
    givingUpSkus(moving).map((m) => m.id),
  );
}

/**
 * Runs the restoring statement. A row it re-creates or restores may carry a SKU another listing
 * has taken since: that is a conflict for the seller to resolve, not a server error.
 */
async function restoreRows(db: CoreContext["db"], statement: SQL) {
  try {
    return await db.execute(statement);
  } catch (err) {
    if (isUniqueViolation(err))
      throw new CoreError(
        "CONFLICT",
        "A listing in this change set has a SKU another listing uses now; change that SKU first",
      );
    throw err;
  }
}

/** Reverts a change set (409 when a row changed since). */
export const undoChangeSet = (ctx: CoreContext, id: string) => revert(ctx, id, "undo");
/** Re-applies an undone change set (409 when a row changed since). */
export const redoChangeSet = (ctx: CoreContext, id: string) => revert(ctx, id, "redo");
