import { randomInt } from "node:crypto";
import { type DbOrTx, type Import, importStaging, imports, rowsOf } from "@mbe/db";
import type { ColumnMapping } from "@mbe/formats";
import { and, eq, lte, sql } from "drizzle-orm";
import { recordAudit } from "../audit/record";
import { chunkInsertSql, closeChangeSet, openChangeSet } from "../change-sets/record";
import { type CoreContext, inTx, requireActor } from "../context";
import { enqueue, JobNotQueued, queuesOf } from "../enqueue";
import { CoreError, notFound } from "../errors";
import { givingUpSkus, releaseSkus, snapshotSetClause } from "../listings/apply-snapshots";
import { insertRecords } from "../listings/insert-many";
import { snapshotSql } from "../listings/sql-snapshot";
import { isUniqueViolation } from "../listings/unique";
import { ownImport } from "./own";
import { decideImportRows } from "./process";
import { CommitImportInput } from "./schema";
import { publicCounts, stagedCreates, stagedRowsHold, stagingWriter } from "./stage";
import { importSamples, importView, samplesMark } from "./view";

export const importCommitJobId = (importId: string) => `commit-${importId}`;

/** The staged rows of this run are not the ones it staged (or found staged by the dry run). */
class StagingChanged extends CoreError {
  constructor(message: string) {
    super("CONFLICT", message);
  }
}

/**
 * A commit run another run of the same commit took over (its job's lock was lost and BullMQ
 * started the job again while it still ran): it stops without merging and without failing the
 * import, which the newer run is committing.
 */
export class CommitSuperseded extends CoreError {
  constructor() {
    super("CONFLICT", "Another run of this commit took over");
  }
}

/**
 * The answer to a commit request for an import already past its preview: the import as it stands
 * (a replay) while it commits or when the Idempotency-Key is the one it was committed with,
 * otherwise 409. Undefined while the import can still be committed.
 */
function answerForCommitted(imp: Import, idempotencyKey: string | undefined) {
  if (imp.status !== "committing" && imp.status !== "committed" && imp.status !== "undone") return;
  if (
    imp.status === "committing" ||
    (idempotencyKey && imp.commitIdempotencyKey === idempotencyKey)
  )
    return { ...importView(imp), replayed: true };
  throw new CoreError("CONFLICT", `This import is already ${imp.status}`);
}

/**
 * Queues the commit of a previewed import (a BullMQ job with progress). Asking again, or with the
 * same Idempotency-Key, returns the import as it stands instead of committing twice.
 */
export async function requestImportCommit(
  ctx: CoreContext,
  id: string,
  raw: CommitImportInput,
  idempotencyKey?: string,
) {
  const actor = requireActor(ctx, "write");
  const input = CommitImportInput.parse(raw);
  const queues = queuesOf(ctx);
  const imp = await ownImport(ctx, actor.userId, id);
  const queueCommit = () =>
    enqueue(
      ctx,
      queues.imports,
      "run-import",
      { importId: id, ownerId: actor.userId, actorId: actor.userId },
      { jobId: importCommitJobId(id) },
      // A commit that failed for good left its job under this id; a commit of the import
      // analysed again, or asked again while its job is dead, must run.
      { replaceFinished: true },
    );
  const prior = answerForCommitted(imp, idempotencyKey);
  if (prior) {
    // Asked again while committing: queue it again in case an earlier request could not tell
    // whether Redis took the job (BullMQ keeps the one job when it did).
    if (imp.status === "committing") await queueCommit();
    return prior;
  }
  if (imp.status !== "previewed")
    throw new CoreError("CONFLICT", "Only a previewed import can be committed");
  const [updated] = await ctx.db
    .update(imports)
    .set({
      status: "committing",
      mode: input.mode ?? imp.mode,
      matchBy: input.matchBy ?? imp.matchBy,
      counts: {
        ...imp.counts,
        ...(input.applyFixes !== undefined ? { applyFixes: input.applyFixes ? 1 : 0 } : {}),
      },
      commitIdempotencyKey: idempotencyKey ?? null,
      updatedAt: new Date(),
    })
    .where(and(eq(imports.id, id), eq(imports.status, "previewed")))
    .returning();
  if (!updated) {
    // A parallel request moved it first: answer as a repeat of that request would.
    const now = answerForCommitted(await ownImport(ctx, actor.userId, id), idempotencyKey);
    if (now) return now;
    throw new CoreError("CONFLICT", "The import changed state; reload it");
  }
  try {
    await queueCommit();
  } catch (err) {
    // A job Redis refused: the import goes back to previewed, so committing it later works. A
    // job that may have reached Redis can still run: the import stays committing, and asking
    // again queues it again.
    if (!(err instanceof JobNotQueued) || !err.maybeQueued)
      await ctx.db
        .update(imports)
        .set({
          status: "previewed",
          mode: imp.mode,
          matchBy: imp.matchBy,
          counts: imp.counts,
          commitIdempotencyKey: imp.commitIdempotencyKey,
          updatedAt: new Date(),
        })
        .where(and(eq(imports.id, id), eq(imports.status, "committing")));
    throw err;
  }
  await recordAudit(ctx, {
    action: "import.commit_requested",
    resourceType: "import",
    resourceId: id,
  });
  return { ...importView(updated), replayed: false };
}

/**
 * The commit job: re-reads the file, stages accepted rows (COPY on PostgreSQL), then merges them
 * into listings in ONE transaction with one change set — every accepted row lands or none does.
 */
export async function runImportCommit(
  ctx: CoreContext,
  id: string,
  onProgress: (p: {
    processed: number;
    total: number;
    stage: string;
  }) => Promise<void> = async () => {},
) {
  const actor = requireActor(ctx, "write");
  const imp = await ownImport(ctx, actor.userId, id);
  if (imp.status === "committed") return importView(imp);
  if (imp.status !== "committing")
    throw new CoreError("CONFLICT", `Import is ${imp.status}, not committing`);
  // This run's number: a later run of the same commit takes the import over, and only the run
  // holding it may merge (checked under the import's row lock with the staged rows counted).
  const run = randomInt(2 ** 47);
  const [claimed] = await ctx.db
    .update(imports)
    .set({ counts: sql`${imports.counts} || ${JSON.stringify({ _commitRun: run })}::jsonb` })
    .where(and(eq(imports.id, id), eq(imports.status, "committing")))
    .returning({ id: imports.id });
  if (!claimed) {
    // The run this one was to take over merged meanwhile: the commit is done.
    const now = await ownImport(ctx, actor.userId, id);
    if (now.status === "committed") return importView(now);
    throw new CoreError("CONFLICT", "The import changed state; reload it");
  }
  const total = imp.counts.rows ?? 0;
  const startedAt = performance.now();
  let processed = 0;
  const options = {
    marketplace: (imp.marketplace as never) ?? undefined,
    mapping: Object.keys(imp.mapping).length ? (imp.mapping as ColumnMapping) : undefined,
    applyFixes: imp.counts.applyFixes === 1,
    mode: imp.mode,
    matchBy: imp.matchBy,
    // The workbook sheet the dry run read: reading the file again reads the same one.
    sheet: imp.counts._sheet,
  };
  // The dry run staged its decisions under its own run; while the seller's listings and the
  // options are as they were then, this run adopts that run's rows and merges them as they stand
  // instead of reading the file again.
  const adopted = await stagedRowsHold(ctx, id, actor.userId, imp.counts, options);
  // The run whose staged rows this one merges: rows any other run stages (one taken over that
  // still runs) are never merged, and cannot collide with these on the staging key.
  const stageRun = adopted ?? run;
  let summary: { counts: Record<string, number> };
  let staged: number;
  if (adopted !== undefined) {
    summary = { counts: publicCounts(imp.counts) };
    staged = imp.counts._staged ?? 0;
    processed = total;
  } else {
    // A retried job, or a dry run that no longer holds, starts from a clean staging area: the rows
    // of every earlier run go.
    await ctx.db.delete(importStaging).where(eq(importStaging.importId, id));
    const writer = stagingWriter(ctx, id, run);
    try {
      summary = await decideImportRows(ctx, imp, options, async (rows) => {
        await writer.add(rows);
        processed += rows.length;
        if (processed % 2000 < rows.length)
          await onProgress({ processed, total, stage: "staging" });
      });
      await writer.flush();
      staged = writer.count;
    } catch (err) {
      // A COPY still running would land after the failure handling cleared the staging rows.
      // Bounded: after a lost connection it may never settle, and the job must fail to be retried.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        writer.idle().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 10_000);
        }),
      ]);
      clearTimeout(timer);
      throw err;
    }
  }
  const stagedAt = performance.now();
  await onProgress({ processed, total, stage: "merging" });

  const result = await inTx(ctx, async (tx) => {
    // Held until the merge commits: work marked failed meanwhile (a job BullMQ failed while this
    // one still ran, see settleFailedJob) is not merged, and cannot be failed halfway through.
    const [now] = rowsOf<{ status: string; run: string | null; staged: number }>(
      await tx.db.execute(sql`select status, counts ->> '_commitRun' as run,
        (select count(*)::int from ${importStaging} s
          where s.import_id = ${id}::uuid and s.run = ${stageRun}::bigint) as staged
        from ${imports} where id = ${id}::uuid for update`),
    );
    if (now?.status !== "committing")
      throw new CoreError("CONFLICT", `Import is ${now?.status ?? "gone"}, not committing`);
    if (now.run !== String(run)) throw new CommitSuperseded();
    // This run's rows, cleared since it staged them (by a run that started afresh): merging what
    // is left would leave listings out. The retry stages the file again.
    if (now.staged !== staged)
      throw new StagingChanged(
        `The staged rows changed while the import committed (${now.staged} staged, ${staged} expected)`,
      );
    const changeSetId = await openChangeSet(tx.db, {
      ownerId: actor.userId,
      kind: "import",
      summary: `Import of ${imp.fileName}`,
    });
    // The counts describe the staged rows, so a kind none were staged for is not looked for: an
    // import of new listings only skips joining the seller's listings with the staging rows.
    const { create: creates, update: updates } = summary.counts;
    const created =
      creates === 0
        ? []
        : await insertRecords(tx.db, changeSetId, stagedCreates(id, actor.userId, stageRun));
    const released =
      updates === 0 ? [] : await releaseMovingSkus(tx.db, id, stageRun, actor.userId);
    const updated =
      updates === 0
        ? []
        : rowsOf<{ id: string }>(
            await tx.db.execute(sql`
        with src as (
          select l.id, l.version, s.data,
            -- A listing whose SKU was released above is recorded with the SKU it held, so
            -- undoing the import gives it back.
            case when r.id is null then ${snapshotSql("l")}
              else ${snapshotSql("l")} || jsonb_build_object('sku', r.sku) end as old
          from listings l join ${importStaging} s on s.target_id = l.id
          left join jsonb_to_recordset(${JSON.stringify(released)}::jsonb) as r(id uuid, sku text)
            on r.id = l.id
          where s.import_id = ${id}::uuid and s.run = ${stageRun}::bigint
            and l.owner_id = ${actor.userId}::uuid
          for update of l
        ), upd as (
          update listings l set ${snapshotSetClause("src.data")}, version = l.version + 1, updated_at = now()
          from src where l.id = src.id
          -- What the entries need comes back with each row: joining src and upd again could be
          -- planned as a nested loop (the planner does not know how many rows are staged),
          -- quadratic in the rows.
          returning l.id, l.version, src.data, src.old, src.version as was
        ), entries as (
          ${chunkInsertSql(
            changeSetId,
            sql`(select upd.id as listing_id, 'update'::text as op,
              (select coalesce(jsonb_object_agg(k, upd.old -> k), '{}'::jsonb) from jsonb_object_keys(upd.data) k) || jsonb_build_object('version', upd.was) as before,
              upd.data || jsonb_build_object('version', upd.version) as after,
              upd.version
            from upd)`,
          )}
        )
        select id from upd`),
          );
    // A listing the dry run was to update that is gone (deleted, or its import undone, since):
    // merging the rest would drop its file row without a word. Rolled back; the retry decides
    // the rows from the file again, as the seller's listings no longer match the dry run.
    if (updated.length < (updates ?? 0))
      throw new CoreError(
        "CONFLICT",
        `${(updates ?? 0) - updated.length} listings this import updates were deleted while it was committing`,
      );
    await closeChangeSet(tx.db, changeSetId, created.length + updated.length);
    // Every run's rows go: the merged ones and any a run taken over left behind.
    await tx.db.delete(importStaging).where(eq(importStaging.importId, id));
    const [done] = await tx.db
      .update(imports)
      .set({
        status: "committed",
        changeSetId,
        counts: {
          ...publicCounts(imp.counts),
          ...summary.counts,
          created: created.length,
          updated: updated.length,
          // Kept for a new dry run of the import once undone.
          ...(imp.counts._sheet !== undefined ? { _sheet: imp.counts._sheet } : {}),
          ...samplesMark(importSamples(imp.counts)),
        },
        updatedAt: new Date(),
      })
      .where(eq(imports.id, id))
      .returning();
    await recordAudit(tx, {
      action: "import.commit",
      resourceType: "import",
      resourceId: id,
      details: { changeSetId, created: created.length, updated: updated.length },
    });
    return { done, upsert: [...created.map((c) => c.id), ...updated.map((u) => u.id)] };
  }).catch(async (err) => {
    // A SKU the dry run saw free was taken since by a write its fingerprint could not see (one
    // that began before the dry run and ended after it), or this run's staged rows changed.
    // The staged decisions are dropped, so the retry decides the rows from the file again (that
    // row becomes an update or a problem).
    const unique = isUniqueViolation(err);
    if (!unique && !(err instanceof StagingChanged)) throw err;
    await ctx.db
      .update(imports)
      .set({ counts: sql`${imports.counts} - '_staged'` })
      .where(and(eq(imports.id, id), eq(imports.status, "committing")));
    if (unique)
      throw new CoreError("CONFLICT", "A SKU in the file was taken while the import committed");
    throw err;
  });
  await onProgress({ processed: total, total, stage: "done" });
  ctx.log.info(
    {
      importId: id,
      rows: total,
      stageMs: Math.round(stagedAt - startedAt),
      mergeMs: Math.round(performance.now() - stagedAt),
    },
    "import committed",
  );
  if (result.upsert.length)
    await ctx.hooks.listingsChanged?.(actor.userId, { upsert: result.upsert, remove: [] });
  if (!result.done) throw notFound("Import");
  return importView(result.done);
}

/**
 * Clears the SKU of each listing the import gives another SKU while another of its rows takes the
 * one it holds (SKUs swapped or rotated among the file's rows), and returns those listings with
 * the SKU each held. The unique index on (owner, sku) is checked row by row within the merge's
 * statement, so the rows giving a SKU up lose it first. A SKU a listing outside the import holds
 * is not released: the merge trips on it and the rollback puts back what was released.
 */
async function releaseMovingSkus(
  db: DbOrTx,
  importId: string,
  run: number,
  ownerId: string,
): Promise<{ id: string; sku: string }[]> {
  // Each staged row that names a SKU, with the SKU its listing holds (locked, so it stays that
  // until the merge). Which of them give a SKU another row takes is decided here rather than in
  // SQL: the planner cannot estimate the JSON filters over the staged rows, and a join between
  // the staged SKUs and the listings' was planned as a nested loop (quadratic in the rows).
  const staged = rowsOf<{ id: string; next: string | null; held: string | null }>(
    await db.execute(sql`
      select g.target_id as id, g.data ->> 'sku' as next, l.sku as held
      from ${importStaging} g join listings l on l.id = g.target_id
      where g.import_id = ${importId}::uuid and g.run = ${run}::bigint
        and g.data ? 'sku' and l.owner_id = ${ownerId}::uuid
      for update of l`),
  );
  const released = givingUpSkus(staged).map((s) => ({ id: s.id, sku: s.held as string }));
  await releaseSkus(
    db,
    ownerId,
    released.map((r) => r.id),
  );
  return released;
}

/**
 * Marks a commit that ran out of retries as failed, with the reason, and clears its staging rows.
 * True when it was still committing. `ownerId` and `failedAt` bound it for callers acting for no
 * seller: only that owner's import, and only a commit requested before the job failed.
 */
export async function failImportCommit(
  ctx: Pick<CoreContext, "db">,
  id: string,
  message: string,
  guard: { ownerId?: string; failedAt?: Date } = {},
): Promise<boolean> {
  // Only a commit still running is failed: a late job of a commit that was refused (the import
  // went back to previewed) leaves the import and its staged dry run alone.
  return ctx.db.transaction(async (tx) => {
    const [failed] = await tx
      .update(imports)
      .set({ status: "failed", error: message.slice(0, 1000), updatedAt: new Date() })
      .where(
        and(
          eq(imports.id, id),
          eq(imports.status, "committing"),
          guard.ownerId ? eq(imports.ownerId, guard.ownerId) : undefined,
          guard.failedAt ? lte(imports.updatedAt, guard.failedAt) : undefined,
        ),
      )
      .returning({ id: imports.id });
    // The rows of every run of the commit, the runs taken over included.
    if (failed) await tx.delete(importStaging).where(eq(importStaging.importId, id));
    return !!failed;
  });
}
