import { randomInt } from "node:crypto";
import { type Import, importStaging, imports, mappingProfiles } from "@mbe/db";
import {
  type ColumnMapping,
  FormatError,
  isFormatError,
  PREFLIGHT_TEXT_BYTES,
  preflightTable,
  sniffKind,
  type TableKind,
} from "@mbe/formats";
import { and, eq, notInArray, sql } from "drizzle-orm";
import { recordAudit } from "../audit/record";
import { type CoreContext, requireActor } from "../context";
import { enqueue } from "../enqueue";
import { CoreError, clientErrorFromDb, type ErrorCode, notFound } from "../errors";
import { ownImport } from "./own";
import { decideImportRows, type ReadProgress } from "./process";
import { CreateImportOptions, type ImportProblem, ReanalyzeImportInput } from "./schema";
import { listingsFingerprint, stagedMarks, stagingWriter } from "./stage";
import { importView, samplesMark } from "./view";

export interface UploadedFile {
  fileName: string;
  size: number;
  sha256: string;
  storageKey: string;
}

/**
 * Markup (HTML, SVG), images and other binaries are refused at upload with 415 (the caller
 * removes the file), so no import ever holds one; only the first 64 KiB are read to decide.
 * Returns the kind of table with the file's first bytes (up to 1 MiB, for {@link refusalAtUpload}).
 */
async function refuseNonTable(ctx: CoreContext, file: UploadedFile) {
  const parts: Buffer[] = [];
  let size = 0;
  const stream = await ctx.storage.get(file.storageKey);
  try {
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= PREFLIGHT_TEXT_BYTES) break;
    }
  } finally {
    stream.destroy();
  }
  const start = Buffer.concat(parts).subarray(0, PREFLIGHT_TEXT_BYTES);
  try {
    return { kind: sniffKind(start.subarray(0, 64 * 1024)), start };
  } catch (err) {
    if (isFormatError(err, "BINARY_CONTENT") || isFormatError(err, "UNSUPPORTED_FORMAT")) {
      throw new CoreError("UNSUPPORTED_MEDIA_TYPE", err.message);
    }
    return { kind: undefined, start };
  }
}

/** The reader's codes {@link refusalAtUpload} answers with (ERROR_STATUS gives their status). */
const UPLOAD_REFUSALS: ReadonlySet<string> = new Set<ErrorCode>([
  "ZIP_TOO_MANY_ENTRIES",
  "ZIP_TOO_LARGE",
  "ZIP_RATIO_TOO_HIGH",
  "TOO_MANY_COLUMNS",
]);
const isUploadRefusal = (code: string): code is ErrorCode => UPLOAD_REFUSALS.has(code);

/**
 * What the dry run would certainly refuse, decided from bounded reads instead of a full parse: a
 * workbook's central directory (entries, declared inflated bytes; nothing is inflated) or a CSV's
 * first row (columns, within its first MiB).
 */
async function refusalAtUpload(
  ctx: CoreContext,
  file: UploadedFile,
  kind: TableKind | undefined,
  start: Buffer,
): Promise<FormatError | undefined> {
  try {
    if (kind === "csv") await preflightTable({ bytes: start });
    else if (kind === "xlsx") {
      const local = await ctx.storage.localFile(file.storageKey);
      try {
        await preflightTable({ path: local.path });
      } finally {
        await local.release();
      }
    }
  } catch (err) {
    if (err instanceof FormatError && isUploadRefusal(err.code)) return err;
    throw err;
  }
  return undefined;
}

/** The columns every uploaded file's import starts with, whether the upload is refused or not. */
function uploadValues(
  ownerId: string,
  file: UploadedFile,
  opts: ReturnType<typeof CreateImportOptions.parse>,
  mapping: ColumnMapping | undefined,
) {
  return {
    ownerId,
    fileName: file.fileName,
    fileSize: file.size,
    sha256: file.sha256,
    storageKey: file.storageKey,
    marketplace: opts.marketplace ?? null,
    mapping: mapping ?? {},
    mode: opts.mode,
    matchBy: opts.matchBy,
    counts: { applyFixes: opts.applyFixes ? 1 : 0 },
  };
}

/** The id of the job that runs an import's dry run (one per import). */
export const importAnalysisJobId = (importId: string) => `analyze-${importId}`;

/**
 * Records an uploaded file as an import and runs the dry run (nothing is written to listings).
 * The same Idempotency-Key returns the first import instead of a second one.
 */
export async function createImport(
  ctx: CoreContext,
  file: UploadedFile,
  raw: CreateImportOptions,
  idempotencyKey?: string,
  /** Files above this size are analysed by a background job (the API stays responsive). */
  inlineLimitBytes = 5 * 1024 * 1024,
) {
  const actor = requireActor(ctx, "write");
  // Until an import row holds the stored file, every way out of here (a replay, a refusal, a
  // failure) removes it, so no upload is left behind in storage without an import.
  let imp: Import | undefined;
  try {
    const opts = CreateImportOptions.parse(raw);
    if (idempotencyKey) {
      const prior = await importByKey(ctx, actor.userId, idempotencyKey);
      if (prior) return { ...importView(prior), replayed: true };
    }
    const { kind, start } = await refuseNonTable(ctx, file);
    const refusal = await refusalAtUpload(ctx, file, kind, start);
    let mapping = opts.mapping;
    if (opts.mappingProfileId) {
      const [profile] = await ctx.db
        .select()
        .from(mappingProfiles)
        .where(
          and(
            eq(mappingProfiles.id, opts.mappingProfileId),
            eq(mappingProfiles.ownerId, actor.userId),
          ),
        );
      if (!profile) throw notFound("Mapping profile");
      mapping = profile.mapping as ColumnMapping;
    }
    if (refusal) {
      // Refused before any dry run, yet kept in the file history as failed, with the code and
      // message a dry run would have given: the seller sees it there like any other failure.
      // No Idempotency-Key is kept: sending the file again is refused again, not replayed.
      const problem = fileProblem(refusal.code, refusal.message);
      [imp] = await ctx.db
        .insert(imports)
        .values({
          ...uploadValues(actor.userId, file, opts, mapping),
          format: kind ?? "unknown",
          status: "failed",
          error: `${refusal.code}: ${refusal.message}`,
          problems: [problem],
        })
        .returning();
      if (!imp) throw new CoreError("INTERNAL", "Import not recorded");
      await recordAudit(ctx, {
        action: "import.upload",
        resourceType: "import",
        resourceId: imp.id,
        details: { fileName: file.fileName, size: file.size, sha256: file.sha256 },
      });
      await recordAudit(ctx, {
        action: "import.analyze",
        outcome: "failure",
        resourceType: "import",
        resourceId: imp.id,
        details: { code: refusal.code },
      });
      const code = isUploadRefusal(refusal.code) ? refusal.code : "UNPROCESSABLE";
      throw new CoreError(code, refusal.message, {
        details: { importId: imp.id, ...refusal.details },
      });
    }
    [imp] = await ctx.db
      .insert(imports)
      .values({
        ...uploadValues(actor.userId, file, opts, mapping),
        format: "unknown",
        idempotencyKey: idempotencyKey ?? null,
      })
      .onConflictDoNothing({ target: [imports.ownerId, imports.idempotencyKey] })
      .returning();
    if (!imp && idempotencyKey) {
      // A parallel upload with the same key recorded its import between the check above and
      // this insert: answer as a repeat would. When that upload is still in its dry run, the
      // replay shows status `uploaded` (like a large file queued for analysis) and the client
      // polls GET /v1/imports/{id}, rather than holding this request open for the whole run.
      const winner = await importByKey(ctx, actor.userId, idempotencyKey);
      if (winner) return { ...importView(winner), replayed: true };
      // That upload has released the key since: its dry run could not be queued.
      throw new CoreError(
        "CONFLICT",
        "A parallel upload with this Idempotency-Key could not be started; send the file again",
      );
    }
    if (!imp) throw new CoreError("INTERNAL", "Import not recorded");
    const queued = file.size > inlineLimitBytes && ctx.queues;
    if (queued) {
      try {
        await enqueue(
          ctx,
          queued.imports,
          "analyze-import",
          {
            importId: imp.id,
            ownerId: actor.userId,
            actorId: actor.userId,
            options: { ...opts, mapping },
          },
          { jobId: importAnalysisJobId(imp.id) },
        );
      } catch (err) {
        // An upload whose dry run could not be queued stays in the file history as failed, so a
        // parallel replay that already answered with it shows the failure rather than an import
        // gone missing. Its Idempotency-Key is released: sending it again starts afresh. A job
        // that reached Redis after all and took the import meanwhile keeps it: the upload then
        // answers with the import as that job leaves it.
        const settled = await failUnqueued(ctx, imp, err);
        if (!settled?.ranMeanwhile) {
          imp = settled?.import;
          throw err;
        }
        imp = settled.import;
      }
    }
    await recordAudit(ctx, {
      action: "import.upload",
      resourceType: "import",
      resourceId: imp.id,
      details: { fileName: file.fileName, size: file.size, sha256: file.sha256 },
    });
    if (queued) return { ...importView(imp), replayed: false };
    return {
      ...(await analyzeImport(ctx, imp.id, { ...opts, mapping, sheet: opts.sheet })),
      replayed: false,
    };
  } finally {
    if (!imp) {
      await ctx.storage.delete(file.storageKey).catch((err: unknown) => {
        ctx.log.warn({ err: String(err), storageKey: file.storageKey }, "upload not removed");
      });
    }
  }
}

/** A problem with the import as a whole rather than with one of its rows. */
function fileProblem(code: ImportProblem["code"], message: string): ImportProblem {
  return { row: 0, column: "", value: "", code, severity: "error", message };
}

/**
 * Marks an import whose dry run could not be queued failed and frees its Idempotency-Key, but only
 * while it still waits for that dry run: `uploaded`, with no analysis holding it. A job that may
 * have reached Redis can have run already (the import previewed, or failed with the reader's
 * reason) or be running; then the import is returned as it stands, with `ranMeanwhile`.
 * Undefined when the import is gone: removed meanwhile, or, as a last resort, here, when the failure
 * could not be recorded.
 */
async function failUnqueued(
  ctx: CoreContext,
  imp: Import,
  err: unknown,
): Promise<{ import: Import; ranMeanwhile: boolean } | undefined> {
  const code: ErrorCode = err instanceof CoreError ? err.code : "INTERNAL";
  const message = "The dry run could not be queued; upload the file again";
  const problem = fileProblem(code, message);
  const awaiting = and(
    eq(imports.id, imp.id),
    eq(imports.status, "uploaded"),
    notHeldByAnalysis(Date.now()),
  );
  try {
    const [failed] = await ctx.db
      .update(imports)
      .set({
        status: "failed",
        error: `${code}: ${message}`,
        problems: [problem],
        idempotencyKey: null,
        updatedAt: new Date(),
      })
      .where(awaiting)
      .returning();
    if (failed) return { import: failed, ranMeanwhile: false };
    const [current] = await ctx.db.select().from(imports).where(eq(imports.id, imp.id));
    // Removed meanwhile (its owner deleted it): there is nothing to answer with.
    return current && { import: current, ranMeanwhile: true };
  } catch (recordErr) {
    ctx.log.error({ importId: imp.id, err: String(recordErr) }, "unqueued upload not recorded");
    const removed = await ctx.db
      .delete(imports)
      .where(awaiting)
      .returning({ id: imports.id })
      .catch(() => []);
    // An import left in place (a job took it, or the database refused) keeps its file.
    return removed.length ? undefined : { import: imp, ranMeanwhile: false };
  }
}

/** The import the owner recorded with this Idempotency-Key, if any. */
async function importByKey(ctx: CoreContext, ownerId: string, idempotencyKey: string) {
  const [row] = await ctx.db
    .select()
    .from(imports)
    .where(and(eq(imports.ownerId, ownerId), eq(imports.idempotencyKey, idempotencyKey)));
  return row;
}

/** How long an analysis holds its import before another request may take it over (a crashed run). */
const ANALYSIS_LEASE_MS = 10 * 60_000;

/** No analysis holds the import: none has marked it, or the one that did is past its lease. */
const notHeldByAnalysis = (now: number) =>
  sql`coalesce((${imports.counts} ->> '_analysisAt')::bigint, 0) < ${now - ANALYSIS_LEASE_MS}`;

const lostClaim = () =>
  new CoreError(
    "CONFLICT",
    "The import was analysed again meanwhile; reload it for the latest dry run",
  );

/**
 * A dry run's job found its import no longer waiting for it: failed (its job could not be queued,
 * as far as the upload could tell), or analysed already. The import is left as it is.
 */
export class AnalysisNotAwaited extends CoreError {
  constructor(readonly importStatus: string) {
    super("CONFLICT", `The import is ${importStatus}; it no longer waits for this dry run`);
  }
}

/**
 * Takes the import for one dry run: it goes back to `uploaded` (so it cannot be committed while
 * its staging rows are rewritten) and is marked with this run's number, which every later write of
 * the run checks and under which it stages its rows. Refused while it commits or is committed, or
 * while another run holds it; with `onlyUploaded` (the upload's own dry run, run by its job),
 * refused too once the import is no longer `uploaded`, so a late job revives no failed import.
 */
async function claimAnalysis(ctx: CoreContext, ownerId: string, id: string, onlyUploaded: boolean) {
  const imp = await ownImport(ctx, ownerId, id);
  const run = randomInt(2 ** 47);
  const now = Date.now();
  const [taken] = await ctx.db
    .update(imports)
    .set({
      status: "uploaded",
      counts: sql`${imports.counts} || ${JSON.stringify({ _analysis: run, _analysisAt: now })}::jsonb`,
      updatedAt: new Date(),
    })
    .where(
      and(
        eq(imports.id, imp.id),
        onlyUploaded
          ? eq(imports.status, "uploaded")
          : notInArray(imports.status, ["committing", "committed"]),
        notHeldByAnalysis(now),
      ),
    )
    .returning();
  if (!taken) {
    const current = await ownImport(ctx, ownerId, id);
    if (onlyUploaded && current.status !== "uploaded") throw new AnalysisNotAwaited(current.status);
    if (current.status === "committing" || current.status === "committed")
      throw new CoreError("CONFLICT", "This import was already committed");
    throw new CoreError("CONFLICT", "This import is being analysed; wait for its dry run");
  }
  const held = and(
    eq(imports.id, imp.id),
    eq(imports.status, "uploaded"),
    sql`(${imports.counts} ->> '_analysis')::bigint = ${run}`,
  );
  return { imp: taken, held, run };
}

/**
 * The dry run: reads the whole file, decides each listing and stores counts and problems. A file
 * the readers refuse ends as status `failed` with the reader's code, never as a server error.
 */
export async function analyzeImport(
  ctx: CoreContext,
  id: string,
  raw: ReanalyzeImportInput & { sheet?: string | number } = {},
  {
    lastAttempt = true,
    onlyUploaded = false,
    onProgress,
  }: {
    /** False when a job will run the dry run again after an unexpected failure. */
    lastAttempt?: boolean;
    /**
     * The upload's dry run, run by the job queued for it: only while the import is still
     * `uploaded` ({@link AnalysisNotAwaited} otherwise).
     */
    onlyUploaded?: boolean;
    /** Where the job reports how far the file has been read (throttled). */
    onProgress?: (p: ReadProgress) => Promise<unknown>;
  } = {},
) {
  const actor = requireActor(ctx, "write");
  const opts = ReanalyzeImportInput.parse(raw);
  const { imp, held, run } = await claimAnalysis(ctx, actor.userId, id, onlyUploaded);
  const mapping =
    opts.mapping ?? (Object.keys(imp.mapping).length ? (imp.mapping as ColumnMapping) : undefined);
  const applyFixes = opts.applyFixes ?? imp.counts.applyFixes === 1;
  const startedAt = performance.now();
  const runOpts = {
    marketplace: opts.marketplace ?? (imp.marketplace as never) ?? undefined,
    mapping,
    applyFixes,
    mode: opts.mode ?? imp.mode,
    matchBy: opts.matchBy ?? imp.matchBy,
    // A new dry run that names no sheet reads the one the last dry run read.
    sheet: raw.sheet ?? imp.counts._sheet,
  };
  // The decisions are staged as they are made, so a commit soon after need not read the file
  // again; the listings' fingerprint, taken first, tells the commit whether they still hold. They
  // are staged under this run's number, which the commit adopts.
  const writer = stagingWriter(ctx, imp.id, run);
  try {
    await ctx.db.delete(importStaging).where(eq(importStaging.importId, imp.id));
    const fingerprint = await listingsFingerprint(ctx, imp.ownerId);
    const summary = await decideImportRows(
      ctx,
      imp,
      { ...runOpts, noListings: fingerprint.startsWith("0:") },
      (rows) => writer.add(rows),
      onProgress &&
        (async (p) => {
          // Progress only informs: a report that does not reach the queue never fails the run.
          await onProgress(p).catch((err: unknown) =>
            ctx.log.warn({ importId: imp.id, err: String(err) }, "import progress not reported"),
          );
        }),
    );
    await writer.flush();
    const [updated] = await ctx.db
      .update(imports)
      .set({
        format: summary.format,
        marketplace: summary.marketplace,
        mapping: summary.mapping as Record<string, string>,
        mode: opts.mode ?? imp.mode,
        matchBy: opts.matchBy ?? imp.matchBy,
        status: "previewed",
        counts: {
          ...summary.counts,
          applyFixes: applyFixes ? 1 : 0,
          ...stagedMarks(writer.count, run, runOpts, fingerprint),
          // The sheet the seller chose, for a commit that reads the workbook again.
          ...(summary.sheet !== undefined ? { _sheet: summary.sheet } : {}),
          ...samplesMark(summary.samples),
        },
        problems: summary.problems,
        error: null,
        updatedAt: new Date(),
      })
      .where(held)
      .returning();
    if (!updated) throw lostClaim();
    ctx.log.info(
      {
        importId: imp.id,
        rows: summary.counts.rows,
        ms: Math.round(performance.now() - startedAt),
      },
      "import analyzed",
    );
    return importView(updated);
  } catch (err) {
    // However the run stopped, the import ends `failed` with a reason instead of staying
    // `uploaded` (or showing a preview whose staged rows are gone). A file the readers refuse is
    // the answer itself; anything else is recorded and then still thrown to the caller.
    const refused = err instanceof FormatError;
    // A value the database cannot hold is the file's fault (the API answers 400 for it too).
    const known = refused || err instanceof CoreError ? err : clientErrorFromDb(err);
    const code = known ? known.code : "INTERNAL";
    const message = known ? known.message : "The dry run could not finish";
    const problem = fileProblem(code, message);
    let failed: Import | undefined;
    if (!known && !lastAttempt) {
      // An unexpected failure the job retries (a lost connection, say): the import stays
      // `uploaded` for the next attempt to take, rather than showing failed in between.
      await writer.idle().catch(() => undefined);
      const released = await ctx.db
        .update(imports)
        .set({
          counts: sql`${imports.counts} - '_analysis' - '_analysisAt'`,
          updatedAt: new Date(),
        })
        .where(held)
        .returning({ id: imports.id })
        .catch(() => []);
      if (released.length)
        await ctx.db
          .delete(importStaging)
          .where(eq(importStaging.importId, imp.id))
          .catch(() => undefined);
      throw err;
    }
    try {
      await writer.idle();
      // Only while this run still holds the import: otherwise its staging rows are another's.
      [failed] = await ctx.db
        .update(imports)
        .set({
          status: "failed",
          error: `${code}: ${message}`,
          problems: [problem],
          counts: sql`${imports.counts} - '_analysis' - '_analysisAt'`,
          updatedAt: new Date(),
        })
        .where(held)
        .returning();
      if (failed) await ctx.db.delete(importStaging).where(eq(importStaging.importId, imp.id));
      await recordAudit(ctx, {
        action: "import.analyze",
        outcome: "failure",
        resourceType: "import",
        resourceId: imp.id,
        details: { code },
      });
    } catch (recordErr) {
      if (refused) throw recordErr;
      ctx.log.error({ importId: imp.id, err: String(recordErr) }, "import failure not recorded");
    }
    if (!refused) {
      ctx.log.error(
        { importId: imp.id, err: err instanceof Error ? (err.stack ?? err.message) : String(err) },
        "import analysis failed",
      );
      throw err;
    }
    if (!failed) throw notFound("Import");
    return importView(failed);
  }
}
