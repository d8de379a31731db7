import type { Import } from "@mbe/db";
import { publicCounts } from "./stage";

/**
 * How far an import's job has got: the commit counts rows of the import; the dry run counts bytes
 * read of the file (CSV, JSON) or of the workbook sheet's XML, with the rows checked so far.
 */
export interface ImportProgress {
  processed: number;
  total: number;
  /** What `processed` and `total` count (always given by the API; rows when absent). */
  unit?: "rows" | "bytes";
  rows?: number;
}

/**
 * The dry run's sample values (the first non-empty value of each column) are kept in the import's
 * counts under `_samples`, which {@link publicCounts} leaves out.
 */
export const samplesMark = (samples: Record<string, string>) => ({
  _samples: samples as unknown as number,
});

/** The sample values {@link samplesMark} stored in `counts`; empty when there are none. */
export function importSamples(counts: Record<string, unknown>): Record<string, string> {
  const s = counts._samples;
  return s && typeof s === "object" ? (s as Record<string, string>) : {};
}

/** API shape of an import (the file history entry). */
export function importView(i: Import, progress?: ImportProgress | null) {
  return {
    id: i.id,
    fileName: i.fileName,
    fileSize: i.fileSize,
    sha256: i.sha256,
    format: i.format,
    marketplace: i.marketplace,
    mapping: i.mapping,
    samples: importSamples(i.counts),
    mode: i.mode,
    matchBy: i.matchBy,
    status: i.status,
    counts: publicCounts(i.counts),
    problems: (i.problems as unknown[]).slice(0, 200),
    problemCount: i.counts.problems ?? 0,
    changeSetId: i.changeSetId,
    error: i.error,
    progress: progress ?? null,
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}
export type ImportView = ReturnType<typeof importView>;
