import { importStaging, listings, rowsOf } from "@mbe/db";
import { eq, sql } from "drizzle-orm";
import type { CoreContext } from "../context";
import type { DecidedRow, ImportRunOptions } from "./process";

function copyLine(values: (string | null)[]): string {
  // COPY text format: backslash escapes; JSON text already has no raw tabs or newlines.
  return values
    .map((v) =>
      v === null
        ? "\\N"
        : v
            .replace(/\\/g, "\\\\")
            .replace(/\t/g, "\\t")
            .replace(/\n/g, "\\n")
            .replace(/\r/g, "\\r"),
    )
    .join("\t");
}

/**
 * Collects the rows an import will create or update into `import_staging` (COPY on PostgreSQL,
 * JSON batches elsewhere), 5,000 at a time.
 */
export function stagingWriter(ctx: CoreContext, importId: string) {
  const staged: DecidedRow[] = [];
  let count = 0;
  const flush = async () => {
    if (!staged.length) return;
    const chunk = staged.splice(0, staged.length);
    count += chunk.length;
    if (ctx.copyInto) {
      await ctx.copyInto(
        "import_staging",
        ["import_id", "row_no", "target_id", "new_id", "data"],
        (async function* () {
          for (const r of chunk)
            yield copyLine([
              importId,
              String(r.row),
              r.targetId ?? null,
              (r.data?.id as string | undefined) ?? null,
              JSON.stringify(r.data ?? {}),
            ]);
        })(),
      );
      return;
    }
    const payload = JSON.stringify(
      chunk.map((r) => ({
        i: importId,
        r: r.row,
        t: r.targetId ?? null,
        n: r.data?.id ?? null,
        d: r.data ?? {},
      })),
    );
    await ctx.db.execute(sql`insert into ${importStaging} (import_id, row_no, target_id, new_id, data)
      select x.i, x.r, x.t, x.n, x.d from jsonb_to_recordset(${payload}::jsonb) as x(i uuid, r int, t uuid, n uuid, d jsonb)`);
  };
  return {
    async add(rows: DecidedRow[]) {
      for (const r of rows) if (r.action === "create" || r.action === "update") staged.push(r);
      if (staged.length >= 5000) await flush();
    },
    flush,
    get count() {
      return count + staged.length;
    },
  };
}

/**
 * What the seller's listings look like, in three numbers: a dry run's decisions still hold at
 * commit time only if nothing was created, changed or deleted in between.
 */
export async function listingsFingerprint(ctx: CoreContext, ownerId: string) {
  const [r] = rowsOf<{ n: number; u: string | null; c: string | null }>(
    await ctx.db.execute(
      sql`select count(*)::int as n, (extract(epoch from max(${listings.updatedAt})) * 1000000)::bigint::text as u, (extract(epoch from max(${listings.createdAt})) * 1000000)::bigint::text as c from ${listings} where ${listings.ownerId} = ${ownerId}`,
    ),
  );
  return `${r?.n ?? 0}:${r?.u ?? ""}:${r?.c ?? ""}`;
}

const MODES = ["create", "update", "upsert"] as const;

/**
 * Counts a dry run leaves so the commit can tell whether its staged rows still hold: how many
 * were staged, under which options, against which state of the listings. Kept in the import's
 * counts under `_` names, which the API does not show.
 */
export function stagedMarks(
  staged: number,
  opts: Pick<ImportRunOptions, "mode" | "matchBy" | "applyFixes">,
  fingerprint: string,
): Record<string, number> {
  return {
    _staged: staged,
    _mode: MODES.indexOf(opts.mode),
    _matchBySku: opts.matchBy === "sku" ? 1 : 0,
    _applyFixes: opts.applyFixes ? 1 : 0,
    _fingerprint: fingerprintNumber(fingerprint),
  };
}

/** The fingerprint as one number (a 48-bit hash), since counts hold numbers. */
function fingerprintNumber(fp: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < fp.length; i++) {
    const c = fp.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619) >>> 0;
    h2 = Math.imul(h2 ^ c, 2246822519) >>> 0;
  }
  return h1 * 65536 + (h2 & 0xffff);
}

/** Whether the rows a dry run staged may be merged as they are. */
export async function stagedRowsHold(
  ctx: CoreContext,
  importId: string,
  ownerId: string,
  counts: Record<string, number>,
  opts: Pick<ImportRunOptions, "mode" | "matchBy" | "applyFixes">,
): Promise<boolean> {
  if (counts._staged === undefined) return false;
  const want = stagedMarks(counts._staged, opts, await listingsFingerprint(ctx, ownerId));
  for (const [k, v] of Object.entries(want)) if (counts[k] !== v) return false;
  const [r] = rowsOf<{ n: number }>(
    await ctx.db.execute(
      sql`select count(*)::int as n from ${importStaging} where ${eq(importStaging.importId, importId)}`,
    ),
  );
  return (r?.n ?? -1) === counts._staged;
}

/** The import's counts without the internal `_` marks. */
export const publicCounts = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([k]) => !k.startsWith("_")));
