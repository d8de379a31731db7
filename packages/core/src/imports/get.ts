import { Readable } from "node:stream";
import { type Import, imports } from "@mbe/db";
import { writeCsvRows } from "@mbe/formats";
import { jobProgress } from "@mbe/jobs";
import { and, eq, getTableColumns, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { type CoreContext, requireActor } from "../context";
import { notFound } from "../errors";
import { descendingPage, pageInput } from "../paging";
import { importCommitJobId } from "./commit";
import { importAnalysisJobId } from "./create";
import { ownImport } from "./own";
import type { ImportProblem } from "./schema";
import { type ImportProgress, importView } from "./view";

const DryRunProgress = z.object({
  processed: z.number(),
  total: z.number(),
  unit: z.literal("bytes"),
  rows: z.number(),
});

/**
 * The progress of the import's job: rows merged while it commits (and once committed), or, while
 * its dry run job runs, bytes read of the file (CSV, JSON) or of the workbook sheet's XML.
 */
async function progressOf(
  ctx: CoreContext,
  id: string,
  status: string,
): Promise<ImportProgress | null> {
  if (status === "committing" || status === "committed") {
    const job = await ctx.queues?.imports.getJob(importCommitJobId(id)).catch(() => undefined);
    const p = jobProgress(job?.progress);
    return p && { ...p, unit: "rows" };
  }
  if (status !== "uploaded") return null;
  const job = await ctx.queues?.imports.getJob(importAnalysisJobId(id)).catch(() => undefined);
  // A finished job's progress is of a dry run that has ended; one the API runs again reports none.
  if (!job || job.finishedOn) return null;
  const p = DryRunProgress.safeParse(job.progress);
  return p.success ? p.data : null;
}

/**
 * One import with its dry-run counts, problems and, while a job analyses or commits it, its
 * progress.
 */
export async function getImport(ctx: CoreContext, id: string) {
  const actor = requireActor(ctx, "read");
  if (!z.uuid().safeParse(id).success) throw notFound("Import");
  const imp = await ownImport(ctx, actor.userId, id);
  return importView(imp, await progressOf(ctx, id, imp.status));
}

export const ListImportsInput = pageInput(50, 200).extend({
  /** Only imports created before this time. */
  before: z.iso.datetime({ offset: true }).optional(),
});

/** The caller's file history, newest first, a page at a time. */
export async function listImports(ctx: CoreContext, raw: z.input<typeof ListImportsInput>) {
  const input = ListImportsInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const paging = descendingPage(
    [{ col: imports.createdAt, kind: "timestamp" }],
    imports.id,
    input.cursor,
  );
  // A list shows no problems, nor the columns' sample values: a dry run's stay in the database.
  const rows = await ctx.db
    .select({
      ...getTableColumns(imports),
      problems: sql<unknown[]>`'[]'::jsonb`,
      counts: sql<Import["counts"]>`${imports.counts} - '_samples'`,
      pageKey: paging.keyText,
    })
    .from(imports)
    .where(
      and(
        eq(imports.ownerId, actor.userId),
        input.before ? lt(imports.createdAt, new Date(input.before)) : undefined,
        paging.after,
      ),
    )
    .orderBy(...paging.orderBy)
    .limit(input.limit + 1);
  const { items, nextCursor } = paging.page(rows, input.limit);
  return {
    items: items.map((r) => importView(r)),
    nextCursor,
  };
}

/** Every stored problem of the dry run as a CSV a seller can open next to the file. */
export async function importErrorsCsv(ctx: CoreContext, id: string) {
  const actor = requireActor(ctx, "read");
  if (!z.uuid().safeParse(id).success) throw notFound("Import");
  const imp = await ownImport(ctx, actor.userId, id);
  const problems = imp.problems as ImportProblem[];
  const total = imp.counts.problems ?? problems.length;
  async function* rows() {
    yield ["row", "column", "value", "severity", "code", "message", "suggestion"];
    for (const p of problems)
      yield [String(p.row), p.column, p.value, p.severity, p.code, p.message, p.suggestion ?? ""];
    if (total > problems.length)
      yield [
        "",
        "",
        "",
        "",
        "TRUNCATED",
        `${total - problems.length} more problems not listed`,
        "",
      ];
  }
  const base =
    imp.fileName
      .replace(/\.[^.]+$/, "")
      .replace(/[^A-Za-z0-9._-]+/g, "_")
      .slice(0, 100) || "import";
  return {
    fileName: `${base}-errors.csv`,
    stream: Readable.from(writeCsvRows(rows(), { bom: true })),
  };
}
