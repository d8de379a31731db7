import { CANONICAL_FIELDS, MARKETPLACES } from "@mbe/formats";
import { z } from "zod";
import { CoreError } from "../errors";

export const ImportMode = z.enum(["create", "update", "upsert"]);
export const MatchBy = z.enum(["id", "sku"]);

/** Options sent with an upload (multipart fields, as strings). */
export const CreateImportOptions = z.object({
  marketplace: z.enum(MARKETPLACES).optional(),
  /** Generic files: `{ "<header>": "<field>" | "ignore" }` as JSON. */
  mapping: z.record(z.string().max(200), z.enum([...CANONICAL_FIELDS, "ignore"])).optional(),
  mappingProfileId: z.uuid().optional(),
  mode: ImportMode.default("upsert"),
  matchBy: MatchBy.default("sku"),
  /** Apply the suggested fixes (condition, category…) instead of rejecting those rows. */
  applyFixes: z.boolean().default(false),
  /** XLSX with several sheets: a sheet's name, else its 1-based position (digits or a number). */
  sheet: z.union([z.string().max(100), z.number().int().min(1).max(1000)]).optional(),
});
export type CreateImportOptions = z.input<typeof CreateImportOptions>;

export const CommitImportInput = z.object({
  mode: ImportMode.optional(),
  matchBy: MatchBy.optional(),
  applyFixes: z.boolean().optional(),
});
export type CommitImportInput = z.input<typeof CommitImportInput>;

/**
 * What a new dry run changes; anything left out keeps the import's current choice. Written out,
 * as `.partial()` of the upload options would still fill in their defaults.
 */
export const ReanalyzeImportInput = z
  .object({
    marketplace: CreateImportOptions.shape.marketplace,
    mapping: CreateImportOptions.shape.mapping,
    applyFixes: z.boolean(),
    mode: ImportMode,
    matchBy: MatchBy,
  })
  .partial();
export type ReanalyzeImportInput = z.input<typeof ReanalyzeImportInput>;

/** A problem as the dry run reports it (row and column as the seller sees them in the file). */
export interface ImportProblem {
  row: number;
  column: string;
  value: string;
  code: string;
  severity: "error" | "warning";
  message: string;
  suggestion?: string;
}

/** Stored problems per import; the errors.csv states how many more there were. */
export const MAX_STORED_PROBLEMS = 10_000;

/** Parses the small text fields that come with a multipart upload into import options. */
export function importOptionsFromFields(fields: Record<string, string>) {
  const parsed: Record<string, unknown> = { ...fields };
  try {
    if (fields.mapping) parsed.mapping = JSON.parse(fields.mapping);
  } catch {
    throw new CoreError("VALIDATION_FAILED", "mapping must be JSON");
  }
  if (fields.applyFixes !== undefined)
    parsed.applyFixes = fields.applyFixes === "true" || fields.applyFixes === "1";
  // A sheet stays text even when it is digits: the reader matches a sheet of that name first
  // (a sheet called "2024"), and only then takes the digits as a position.
  delete parsed.idempotencyKey;
  const r = CreateImportOptions.safeParse(parsed);
  if (!r.success)
    throw new CoreError("VALIDATION_FAILED", "Invalid import options", {
      details: {
        issues: r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      },
    });
  return r.data;
}
