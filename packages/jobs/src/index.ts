import { Queue, type QueueOptions } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";

/** Queue names are nouns; job names are verb-noun. */
export const QUEUES = {
  imports: "imports",
  exports: "exports",
  ocr: "ocr",
  searchIndex: "search-index",
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** `run-import`: merges an import's accepted rows into listings. */
export const RunImportPayload = z.object({
  importId: z.uuid(),
  ownerId: z.uuid(),
  actorId: z.uuid(),
});

/** `analyze-import`: the dry run of a large upload, off the API's event loop. */
export const AnalyzeImportPayload = RunImportPayload.extend({
  options: z.record(z.string(), z.unknown()).default({}),
});
export type AnalyzeImportPayload = z.infer<typeof AnalyzeImportPayload>;
export type RunImportPayload = z.infer<typeof RunImportPayload>;

/** `run-export`: writes an export file to storage. */
export const RunExportPayload = z.object({ exportId: z.uuid(), ownerId: z.uuid() });
export type RunExportPayload = z.infer<typeof RunExportPayload>;

/** `process-scan`: OCRs one uploaded scan. */
export const ProcessScanPayload = z.object({ scanId: z.uuid(), ownerId: z.uuid() });
export type ProcessScanPayload = z.infer<typeof ProcessScanPayload>;

/** `index-listings`: re-embeds or removes listings of one seller; `rebuild-index`: all sellers. */
export const IndexListingsPayload = z.object({
  ownerId: z.uuid(),
  upsert: z.array(z.uuid()).max(10_000),
  remove: z.array(z.uuid()).max(10_000),
});
export type IndexListingsPayload = z.infer<typeof IndexListingsPayload>;

/** Progress as the import commit and export jobs report it. */
export interface JobProgress {
  processed: number;
  total: number;
}

/** A job's progress as {@link JobProgress}, or null while it has reported none of that shape. */
export function jobProgress(progress: unknown): JobProgress | null {
  return progress && typeof progress === "object" && "processed" in progress && "total" in progress
    ? { processed: Number(progress.processed), total: Number(progress.total) }
    : null;
}

export interface Queues {
  imports: Queue;
  exports: Queue;
  ocr: Queue;
  searchIndex: Queue;
  close(): Promise<void>;
}

/** Builds the queues on one shared connection; `prefix` isolates deployments and test runs. */
export function createQueues(connection: Redis, prefix = "mbe"): Queues {
  const opts: QueueOptions = {
    connection,
    prefix,
    // BullMQ otherwise sends INFO once per queue when it starts, to check the server's version;
    // should that one command fail (Redis restarting at that moment, on the API's fail-fast
    // connection) the queue stays broken until the process restarts. Producers need no version
    // capabilities, and the workers' own connections still check it.
    skipVersionCheck: true,
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: "exponential", delay: 1000 },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  };
  const imports = new Queue(QUEUES.imports, opts);
  const exports = new Queue(QUEUES.exports, opts);
  const ocr = new Queue(QUEUES.ocr, opts);
  const searchIndex = new Queue(QUEUES.searchIndex, opts);
  // A queue repeats its connection's errors; unheard, BullMQ prints each with its stack on stderr.
  // The connection reconnects by itself and a command sent meanwhile fails to its caller.
  for (const q of [imports, exports, ocr, searchIndex]) q.on("error", () => {});
  return {
    imports,
    exports,
    ocr,
    searchIndex,
    async close() {
      await Promise.all([imports.close(), exports.close(), ocr.close(), searchIndex.close()]);
    },
  };
}
