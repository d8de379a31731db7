import { EXPORT_FORMATS, MARKETPLACES } from "@mbe/formats";
import { z } from "zod";
import { Selection } from "../bulk-edits/schema";

export const ExportInput = z.object({
  format: z.enum(EXPORT_FORMATS).default("csv"),
  /** Marketplace layout; generic (default) writes every field, re-importable. */
  marketplace: z.enum(MARKETPLACES).optional(),
  /** Ids or a filter; all listings when absent. */
  selection: Selection.optional(),
  /** `auto` streams small exports at once and queues large ones; `job` always queues. */
  mode: z.enum(["auto", "job"]).default("auto"),
});
export type ExportInput = z.input<typeof ExportInput>;

/** Up to this many rows an export streams straight into the response. */
export const STREAM_EXPORT_MAX_ROWS = 20_000;
/** The same for the generic CSV, which PostgreSQL's COPY formats (1M rows stay a job). */
export const STREAM_COPY_CSV_MAX_ROWS = 200_000;
