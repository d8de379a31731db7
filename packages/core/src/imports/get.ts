import { Readable } from "node:stream";
import { imports } from "@mbe/db";
import { writeCsvRows } from "@mbe/formats";
import { jobProgress } from "@mbe/jobs";
import { and, desc, eq, lt } from "drizzle-orm";
import { z } from "zod";
import { type CoreContext, requireActor } from "../context";
import { notFound } from "../errors";
import { importCommitJobId } from "./commit";
import { ownImport } from "./own";
import type { ImportProblem } from "./schema";
import { importView } from "./view";

async function progressOf(ctx: CoreContext, id: string) {
  const job = await ctx.queues?.imports.getJob(importCommitJobId(id)).catch(() => undefined);
  return jobProgress(job?.progress);
}

/** One import with its dry-run counts, problems and, while committing, processed/total. */
export async function getImport(ctx: CoreContext, id: string) {
  const actor = requireActor(ctx, "read");
  if (!z.uuid().safeParse(id).success) throw notFound("Import");
  const imp = await ownImport(ctx, actor.userId, id);
  return importView(
    imp,
    imp.status === "committing" || imp.status === "committed" ? await progressOf(ctx, id) : null,
  );
}

export const ListImportsInput = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime({ offset: true }).optional(),
});

/** The caller's file history, newest first. */
export async function listImports(ctx: CoreContext, raw: z.input<typeof ListImportsInput>) {
  const input = ListImportsInput.parse(raw);
  const actor = requireActor(ctx, "read");
  const rows = await ctx.db
    .select()
    .from(imports)
    .where(
      and(
        eq(imports.ownerId, actor.userId),
        input.before ? lt(imports.createdAt, new Date(input.before)) : undefined,
      ),
    )
    .orderBy(desc(imports.createdAt))
    .limit(input.limit);
  return { items: rows.map((r) => ({ ...importView(r), problems: [] as unknown[] })) };
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
