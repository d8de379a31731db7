import { Readable } from "node:stream";
import { exportJobs, listings, users } from "@mbe/db";
import { type ExportResult, exportFileName, exportGenericRows, FormatError } from "@mbe/formats";
import { jobProgress } from "@mbe/jobs";
import { and, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit/record";
import { type CoreContext, requireActor } from "../context";
import { enqueue, queuesOf } from "../enqueue";
import { CoreError, notFound } from "../errors";
import { listingWhere } from "../listings/filter";
import { descendingPage, pageInput } from "../paging";
import { type LinkSignature, signedLinkMintedAt, signedLinkQuery } from "../signed-links";
import { newStorageKey } from "../storage/storage";
import { copyTextRows, genericCsvCopy, genericTextCopy } from "./copy-source";
import { CsvFormulaGuard } from "./csv-guard";
import { ExportInput, STREAM_COPY_CSV_MAX_ROWS, STREAM_EXPORT_MAX_ROWS } from "./schema";
import { exportSelection } from "./source";
import { type ExportWarning, exportWarnings } from "./warnings";

type ExportRow = typeof exportJobs.$inferSelect;

/** What an export job keeps in its `selection` column. */
type StoredSelection = {
  selection?: z.infer<typeof ExportInput>["selection"] | null;
  total?: number;
  /** The marketplace rules the exported listings broke, counted when the file was written. */
  warnings?: ExportWarning[];
};

function storedWarnings(e: ExportRow): ExportWarning[] {
  const w = (e.selection as StoredSelection | null)?.warnings;
  return Array.isArray(w) ? w : [];
}

function whereOf(ownerId: string, selection: z.infer<typeof ExportInput>["selection"]) {
  if (!selection) return listingWhere(ownerId, {});
  return "ids" in selection
    ? listingWhere(ownerId, { ids: selection.ids })
    : listingWhere(ownerId, selection.filter);
}

function asCoreError(err: unknown): never {
  if (err instanceof FormatError)
    throw new CoreError("VALIDATION_FAILED", err.message, { details: { code: err.code } });
  throw err;
}

/**
 * The longest a signed link is issued for (the emailed one). Links from before `iat` was part of
 * the link are taken as minted this long before they expire, the earliest they can have been.
 */
const LONGEST_LINK_TTL_SECONDS = 24 * 3600;

/**
 * A download link that works without an Authorization header (browsers), valid for 15 minutes.
 * It carries when it was minted so a password change can revoke it.
 */
export function signDownload(ctx: CoreContext, exportId: string, ttlSeconds = 900): string {
  return `/v1/exports/${exportId}/download?${signedLinkQuery(ctx.auth.jwtSecret, `export:${exportId}`, ttlSeconds)}`;
}

/** The parts of a signed download link, as they arrive in its query. */
export type DownloadSignature = LinkSignature;

/**
 * Checks a signed download link: the time it was minted (Unix milliseconds) when its signature
 * and expiry hold, otherwise null.
 */
export function verifyDownload(
  ctx: CoreContext,
  exportId: string,
  signature: DownloadSignature,
): number | null {
  return signedLinkMintedAt(
    ctx.auth.jwtSecret,
    `export:${exportId}`,
    signature,
    LONGEST_LINK_TTL_SECONDS,
  );
}

function exportView(
  ctx: CoreContext,
  e: ExportRow,
  progress?: { processed: number; total: number } | null,
) {
  return {
    id: e.id,
    format: e.format,
    marketplace: e.marketplace,
    status: e.status,
    fileName: e.fileName,
    size: e.size,
    rowCount: e.rowCount,
    error: e.error,
    warnings: storedWarnings(e),
    progress: progress ?? null,
    downloadUrl: e.status === "completed" ? signDownload(ctx, e.id) : null,
    createdAt: e.createdAt.toISOString(),
    completedAt: e.completedAt?.toISOString() ?? null,
  };
}
export type ExportView = ReturnType<typeof exportView>;

/**
 * Up to how many rows an export goes straight into the response. A generic CSV from COPY is
 * formatted by PostgreSQL and passed through with backpressure: 200k rows take about a second
 * and memory stays flat, so a seller gets the file at once. Everything written listing by
 * listing (or XLSX, several seconds for 100k rows) is a job beyond 20k rows.
 */
function streamLimit(ctx: CoreContext, format: string, layout: string): number {
  return ctx.copyOut && layout === "generic" && format === "csv"
    ? STREAM_COPY_CSV_MAX_ROWS
    : STREAM_EXPORT_MAX_ROWS;
}

/** The states of an export its job may still complete or fail. */
export const EXPORT_IN_PROGRESS = ["pending", "running"] as const;

/**
 * Exports being streamed, per database handle and per seller. Each may hold a pooled connection
 * until its client has read the file (a COPY waits for a slow reader, however small the file),
 * so past a few at once, or two of one seller's, the next export becomes a job and the pool
 * stays free for everything else.
 */
const openStreams = new WeakMap<object, { total: number; byOwner: Map<string, number> }>();
const MAX_OPEN_STREAMS = 3;
const MAX_OPEN_STREAMS_PER_SELLER = 2;

function streamsOf(db: object) {
  let s = openStreams.get(db);
  if (!s) {
    s = { total: 0, byOwner: new Map() };
    openStreams.set(db, s);
  }
  return s;
}

/**
 * Takes a place for a streamed export, before it starts (so parallel requests cannot all pass
 * the check): its release, or undefined when every place is taken.
 */
function takeStreamPlace(db: object, ownerId: string): (() => void) | undefined {
  const s = streamsOf(db);
  if (s.total >= MAX_OPEN_STREAMS || (s.byOwner.get(ownerId) ?? 0) >= MAX_OPEN_STREAMS_PER_SELLER)
    return undefined;
  s.total++;
  s.byOwner.set(ownerId, (s.byOwner.get(ownerId) ?? 0) + 1);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    s.total--;
    const n = (s.byOwner.get(ownerId) ?? 1) - 1;
    if (n > 0) s.byOwner.set(ownerId, n);
    else s.byOwner.delete(ownerId);
  };
}

/**
 * Starts an export. Small selections (larger for the generic CSV, see {@link streamLimit}) come
 * back as a stream to send at once; large ones (or `mode: "job"`) are queued and reported by id.
 */
export async function startExport(ctx: CoreContext, raw: ExportInput) {
  const input = ExportInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const where = whereOf(actor.userId, input.selection);
  const [c] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(listings).where(where);
  const total = Number(c?.n ?? 0);
  const format =
    input.marketplace === "facebook"
      ? "xlsx"
      : input.marketplace === "ebay" || input.marketplace === "shopify"
        ? "csv"
        : input.format;
  const layout = input.marketplace ?? "generic";
  const release =
    input.mode === "auto" && total <= streamLimit(ctx, format, layout)
      ? takeStreamPlace(ctx.db, actor.userId)
      : undefined;
  if (release) {
    try {
      // Recorded before the COPY starts: a COPY nobody reads would hold its connection.
      await recordAudit(ctx, {
        action: "export.stream",
        resourceType: "export",
        details: { format, marketplace: input.marketplace ?? "generic", rows: total },
      });
      // Counted before the first byte goes out, so the response can carry them in a header.
      const warnings = await exportWarnings(ctx, where, layout);
      const fast = await copyExport(ctx, where, format, layout);
      const result =
        fast?.result ?? (await exportSelection(ctx, where, { format, layout }).catch(asCoreError));
      result.stream.once("close", release);
      return { kind: "stream" as const, total, warnings, ...result };
    } catch (err) {
      release();
      throw err;
    }
  }
  const queues = queuesOf(ctx);
  const [job] = await ctx.db
    .insert(exportJobs)
    .values({
      ownerId: actor.userId,
      format,
      marketplace: input.marketplace ?? null,
      selection: { selection: input.selection ?? null, total },
    })
    .returning();
  if (!job) throw new CoreError("INTERNAL", "Export not recorded");
  await enqueue(
    ctx,
    queues.exports,
    "run-export",
    { exportId: job.id, ownerId: actor.userId },
    { jobId: `export-${job.id}` },
  ).catch(async (err) => {
    await ctx.db.delete(exportJobs).where(eq(exportJobs.id, job.id));
    throw err;
  });
  await recordAudit(ctx, {
    action: "export.queued",
    resourceType: "export",
    resourceId: job.id,
    details: { format, rows: total },
  });
  return { kind: "job" as const, total, export: exportView(ctx, job) };
}

/**
 * The export job: writes the file to storage with rows/total progress. `lastAttempt`: whether a
 * failure is final (the export is then marked failed) or the job will be retried.
 */
export async function runExport(
  ctx: CoreContext,
  id: string,
  onProgress: (p: { processed: number; total: number }) => Promise<void> = async () => {},
  { lastAttempt = true }: { lastAttempt?: boolean } = {},
) {
  const actor = requireActor(ctx, "read");
  const [job] = await ctx.db
    .select()
    .from(exportJobs)
    .where(and(eq(exportJobs.id, id), eq(exportJobs.ownerId, actor.userId)));
  if (!job) throw notFound("Export");
  if (job.status === "completed") return exportView(ctx, job);
  // A run that comes late (after the export failed for good) leaves it failed.
  const [started] = await ctx.db
    .update(exportJobs)
    .set({ status: "running" })
    .where(and(eq(exportJobs.id, id), inArray(exportJobs.status, EXPORT_IN_PROGRESS)))
    .returning();
  if (!started) {
    // Another run finished (or the export failed) since the read above: answer with what stands.
    const [now] = await ctx.db.select().from(exportJobs).where(eq(exportJobs.id, id));
    return exportView(ctx, now ?? job);
  }
  const sel = (job.selection as StoredSelection | null) ?? {};
  const total = sel.total ?? 0;
  let processed = 0;
  const where = whereOf(actor.userId, sel.selection ?? undefined);
  try {
    const layout = job.marketplace ?? "generic";
    const warnings = await exportWarnings(ctx, where, layout);
    const fast = await copyExport(ctx, where, job.format, layout, (n) =>
      onProgress({ processed: n, total }),
    );
    const result =
      fast?.result ??
      (await exportSelection(
        ctx,
        where,
        { format: job.format as never, layout: layout as never },
        async (n) => {
          processed += n;
          await onProgress({ processed, total });
        },
      ));
    const key = newStorageKey(actor.userId, "exports", `.${result.extension}`);
    const { size } = await ctx.storage.put(key, result.stream);
    if (fast) processed = fast.rows();
    // Only an export still in progress is completed: a second run of the same job (BullMQ took
    // it for stalled) that finished first, or a failure recorded meanwhile, stands.
    const [done] = await ctx.db
      .update(exportJobs)
      .set({
        status: "completed",
        fileName: result.fileName,
        storageKey: key,
        size,
        rowCount: processed,
        selection: { ...sel, warnings },
        completedAt: new Date(),
      })
      .where(and(eq(exportJobs.id, id), inArray(exportJobs.status, EXPORT_IN_PROGRESS)))
      .returning()
      .catch(async (err) => {
        await ctx.storage.delete(key).catch(() => undefined);
        throw err;
      });
    if (!done) {
      await ctx.storage.delete(key).catch(() => undefined);
      const [now] = await ctx.db.select().from(exportJobs).where(eq(exportJobs.id, id));
      if (!now) throw notFound("Export");
      return exportView(ctx, now);
    }
    return exportView(ctx, done);
  } catch (err) {
    // A job with attempts left is retried: it stays running rather than showing the seller a
    // failure that the next attempt may mend. The seller reads the error, so an unexpected one
    // (a storage path, a database message) is told in general terms and logged in full.
    if (lastAttempt) {
      const error =
        err instanceof CoreError ? err.message : "The export could not be written; try again";
      await ctx.db
        .update(exportJobs)
        .set({ status: "failed", error: error.slice(0, 1000) })
        .where(and(eq(exportJobs.id, id), inArray(exportJobs.status, EXPORT_IN_PROGRESS)));
    }
    ctx.log.warn({ exportId: id, err: (err as Error).message, lastAttempt }, "export failed");
    throw err;
  }
}

/** One export with progress and, once completed, a signed download link. */
export async function getExport(ctx: CoreContext, id: string) {
  const actor = requireActor(ctx, "read");
  if (!z.uuid().safeParse(id).success) throw notFound("Export");
  const [job] = await ctx.db
    .select()
    .from(exportJobs)
    .where(and(eq(exportJobs.id, id), eq(exportJobs.ownerId, actor.userId)));
  if (!job) throw notFound("Export");
  const q = await ctx.queues?.exports.getJob(`export-${id}`).catch(() => undefined);
  return exportView(ctx, job, jobProgress(q?.progress));
}

export const ListExportsInput = pageInput(100, 200);

/** The caller's exports, newest first, a page at a time. */
export async function listExports(ctx: CoreContext, raw: z.input<typeof ListExportsInput> = {}) {
  const input = ListExportsInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const paging = descendingPage(
    [{ col: exportJobs.createdAt, kind: "timestamp" }],
    exportJobs.id,
    input.cursor,
  );
  const rows = await ctx.db
    .select({ ...getTableColumns(exportJobs), pageKey: paging.keyText })
    .from(exportJobs)
    .where(and(eq(exportJobs.ownerId, actor.userId), paging.after))
    .orderBy(...paging.orderBy)
    .limit(input.limit + 1);
  const { items, nextCursor } = paging.page(rows, input.limit);
  return { items: items.map((r) => exportView(ctx, r)), nextCursor };
}

/**
 * Opens a finished export's file. With `signature`, the link itself is the credential (for
 * browser downloads and emailed links), while the account that made the export is active: a
 * deactivated seller's links stop working at once, as their sessions and keys do. A link minted
 * before the seller's password last changed is refused, as their sessions are: the change may be
 * the seller taking their account back, and the links in someone else's hands must go with it.
 * Otherwise the caller must own the export.
 */
export async function openExportDownload(
  ctx: CoreContext,
  id: string,
  signature?: DownloadSignature,
) {
  if (!z.uuid().safeParse(id).success) throw notFound("Export");
  const mintedAt = signature?.sig !== undefined ? verifyDownload(ctx, id, signature) : null;
  if (signature?.sig !== undefined && mintedAt === null)
    throw new CoreError("UNAUTHORIZED", "This download link is invalid or has expired");
  const owner = mintedAt === null ? requireActor(ctx, "read").userId : undefined;
  const [found] = owner
    ? await ctx.db
        .select({ job: exportJobs, passwordChangedAt: sql<null>`null` })
        .from(exportJobs)
        .where(and(eq(exportJobs.id, id), eq(exportJobs.ownerId, owner)))
    : await ctx.db
        .select({ job: exportJobs, passwordChangedAt: users.passwordChangedAt })
        .from(exportJobs)
        .innerJoin(users, eq(users.id, exportJobs.ownerId))
        .where(and(eq(exportJobs.id, id), eq(users.active, true)));
  if (!found) throw notFound("Export");
  if (mintedAt !== null && found.passwordChangedAt && mintedAt < found.passwordChangedAt.getTime())
    throw new CoreError(
      "UNAUTHORIZED",
      "This download link was revoked because the account's password was changed; open the export in the console for a new link",
    );
  const { job } = found;
  if (job.status !== "completed" || !job.storageKey || !job.fileName)
    throw new CoreError("CONFLICT", `The export is ${job.status}`);
  return { fileName: job.fileName, stream: await ctx.storage.get(job.storageKey) };
}

const PROGRESS_EVERY = 5000;

/**
 * Closing the file's stream, however early, ends the COPY behind it. The generators in between
 * do not reach the COPY when they are closed before pulling from it (a download dropped after the
 * BOM), which would leave the query, and its pooled connection, waiting for a reader for good.
 */
function endCopyWith(stream: NodeJS.EventEmitter, source: AsyncIterable<Buffer>) {
  stream.once("close", () => {
    void source[Symbol.asyncIterator]()
      .return?.()
      ?.catch(() => undefined);
  });
}

/**
 * The generic CSV and XLSX exports straight from PostgreSQL's COPY: CSV is formatted by the
 * database and passed through with a BOM, formula-guarded on the way (a cell's first bytes are
 * all the guard needs), XLSX cells come from a text-format COPY. Null where COPY is unavailable
 * (PGlite) or the layout needs listing objects.
 */
async function copyExport(
  ctx: CoreContext,
  where: ReturnType<typeof whereOf>,
  format: string,
  layout: string,
  onProgress?: (rows: number) => Promise<void>,
): Promise<{ result: ExportResult; rows(): number } | null> {
  if (!ctx.copyOut || layout !== "generic" || (format !== "csv" && format !== "xlsx")) return null;
  const now = new Date();
  let rows = 0;
  const report = async (n: number) => {
    if (onProgress && Math.floor(n / PROGRESS_EVERY) > Math.floor(rows / PROGRESS_EVERY))
      await onProgress(n).catch(() => {});
  };
  if (format === "xlsx") {
    const source = await ctx.copyOut(genericTextCopy(where));
    const cells = (async function* () {
      for await (const row of copyTextRows(source)) {
        await report(rows + 1);
        rows++;
        yield row;
      }
    })();
    const result = exportGenericRows(cells, { format: "xlsx", now });
    endCopyWith(result.stream, source);
    return { result, rows: () => rows };
  }
  const source = await ctx.copyOut(genericCsvCopy(where));
  const guard = new CsvFormulaGuard();
  const bytes = (async function* () {
    yield Buffer.from("\uFEFF");
    for await (const chunk of source) {
      const out = guard.push(chunk);
      if (!out) continue;
      const n = Math.max(0, guard.records - 1);
      await report(n);
      rows = n;
      yield out;
    }
    const last = guard.flush(true);
    rows = Math.max(0, guard.records - 1);
    if (last) yield last;
  })();
  const stream = Readable.from(bytes);
  endCopyWith(stream, source);
  return {
    result: {
      stream,
      extension: "csv",
      contentType: "text/csv; charset=utf-8",
      fileName: exportFileName("csv", now),
      zipped: false,
    },
    rows: () => rows,
  };
}
