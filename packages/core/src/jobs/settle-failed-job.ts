import { exportJobs, imports } from "@mbe/db";
import {
  AnalyzeImportPayload,
  ProcessScanPayload,
  QUEUES,
  RunExportPayload,
  RunImportPayload,
} from "@mbe/jobs";
import { and, eq, inArray, lte } from "drizzle-orm";
import type { CoreContext } from "../context";
import { EXPORT_IN_PROGRESS } from "../exports/run";
import { failImportCommit } from "../imports/commit";
import { markScanFailed } from "../ocr/process";
import { SCAN_IN_PROGRESS } from "../ocr/scans";

/** A job BullMQ holds as failed for good, as the worker's sweep reads it. */
export interface FailedJob {
  queue: string;
  name: string;
  data: unknown;
  failedReason: string;
  /** When it failed (ms since the epoch). */
  finishedOn: number;
}

/**
 * Records a job's final failure on what the job was working on: an import committing or being
 * analysed, an export, a scan. The processors do this themselves when their last attempt throws,
 * but a job whose worker died more times than BullMQ allows is failed by BullMQ's stalled check
 * without running the processor at all, and a failure the database could not record at that moment
 * is lost; either left the work "in progress" forever. Only work still in progress changes, and
 * work started again after the failure (an import committed or analysed again, a scan run again)
 * is left alone; an export is never started again. A maintenance job: it acts for
 * no seller, and the job's own owner id bounds what it touches. True when something changed.
 */
export async function settleFailedJob(
  ctx: Pick<CoreContext, "db">,
  job: FailedJob,
): Promise<boolean> {
  // The job's own reason may be an internal error (the processor could not record it); the seller
  // is told what happened, the worker logs the reason.
  const stopped = "its background job failed";
  const failedAt = new Date(job.finishedOn);
  const at = new Date();
  if (job.queue === QUEUES.imports && job.name === "run-import") {
    const p = RunImportPayload.safeParse(job.data);
    if (!p.success) return false;
    return failImportCommit(
      ctx,
      p.data.importId,
      `INTERNAL: The commit did not finish: ${stopped}`,
      {
        ownerId: p.data.ownerId,
        failedAt,
      },
    );
  }
  if (job.queue === QUEUES.imports && job.name === "analyze-import") {
    const p = AnalyzeImportPayload.safeParse(job.data);
    if (!p.success) return false;
    const failed = await ctx.db
      .update(imports)
      .set({
        status: "failed",
        error: `INTERNAL: The dry run could not finish: ${stopped}`,
        updatedAt: at,
      })
      .where(
        and(
          eq(imports.id, p.data.importId),
          eq(imports.ownerId, p.data.ownerId),
          eq(imports.status, "uploaded"),
          lte(imports.updatedAt, failedAt),
        ),
      )
      .returning({ id: imports.id });
    return failed.length > 0;
  }
  if (job.queue === QUEUES.exports && job.name === "run-export") {
    const p = RunExportPayload.safeParse(job.data);
    if (!p.success) return false;
    const failed = await ctx.db
      .update(exportJobs)
      .set({ status: "failed", error: `The export did not finish: ${stopped}` })
      .where(
        and(
          eq(exportJobs.id, p.data.exportId),
          eq(exportJobs.ownerId, p.data.ownerId),
          inArray(exportJobs.status, EXPORT_IN_PROGRESS),
        ),
      )
      .returning({ id: exportJobs.id });
    return failed.length > 0;
  }
  if (job.queue === QUEUES.ocr && job.name === "process-scan") {
    const p = ProcessScanPayload.safeParse(job.data);
    if (!p.success) return false;
    return markScanFailed(ctx, p.data.scanId, `OCR_FAILED: The scan did not finish: ${stopped}`, {
      statuses: SCAN_IN_PROGRESS,
      ownerId: p.data.ownerId,
      failedAt,
    });
  }
  return false;
}
