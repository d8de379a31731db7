import { importStaging, listings, rowsOf } from "@mbe/db";
import { and, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import type { CoreContext } from "../context";
import { priceText } from "../listings/fields";
import type { CreateListingInput } from "../listings/schema";
import type { DecidedRow, ImportRunOptions } from "./process";

/**
 * A listing an import creates, as its staged record: only what differs from row to row. The
 * owner, source, version and creation time are the import's own and the merge fills them in
 * (`stagedCreates`), and fields at their defaults are left out (the merge's insert applies the
 * same defaults), so a dry run writes, and its commit parses, about a third less JSON.
 */
export function stagedCreate(
  data: z.output<typeof CreateListingInput>,
  id: string,
): Record<string, unknown> {
  const r: Record<string, unknown> = {
    id,
    title: data.title,
    price: priceText(data.price),
    currency: data.currency,
    status: data.status,
  };
  if (data.condition != null) r.condition = data.condition;
  if (data.description) r.description = data.description;
  if (data.category != null) r.category = data.category;
  if (data.offerShipping) r.offer_shipping = true;
  if (data.sku != null) r.sku = data.sku;
  if (data.quantity !== 1) r.quantity = data.quantity;
  if (data.imageUrls.length) r.image_urls = data.imageUrls;
  for (const _ in data.marketplaceFields) {
    r.marketplace_fields = data.marketplaceFields;
    break;
  }
  return r;
}

/**
 * The listings an import's staged rows of run `run` create, as the FROM clause `insertRecords`
 * reads (`x`): each staged record with the import's owner and source filled in.
 */
export function stagedCreates(importId: string, ownerId: string, run: number) {
  return sql`(select r.id, ${ownerId}::uuid as owner_id, r.title, r.price, r.currency, r.condition,
      r.description, r.category, r.offer_shipping, r.sku, r.quantity, r.image_urls, r.marketplace_fields,
      r.status, 'import'::text as source, ${importId}::text as source_ref, null::int as version,
      null::timestamptz as created_at
    from ${importStaging} s cross join lateral jsonb_to_record(s.data) as r(id uuid, title text,
      price numeric, currency text, condition text, description text, category text,
      offer_shipping boolean, sku text, quantity int, image_urls text[], marketplace_fields jsonb,
      status text)
    where s.import_id = ${importId}::uuid and s.run = ${run}::bigint and s.target_id is null) as x`;
}

/**
 * One `import_staging` row in COPY text format. The ids are UUIDs and the run and row numbers, so
 * only the JSON needs escaping, and JSON text has no raw tab, newline or carriage return: doubling
 * its backslashes is all COPY needs.
 */
function copyLine(importId: string, run: number, r: DecidedRow): string {
  const json = JSON.stringify(r.data ?? {});
  const newId = r.data?.id;
  return `${importId}\t${run}\t${r.row}\t${r.targetId ?? "\\N"}\t${typeof newId === "string" ? newId : "\\N"}\t${
    json.indexOf("\\") === -1 ? json : json.replace(/\\/g, "\\\\")
  }`;
}

const CHUNK = 10_000;
const JSON_BATCH = 5000;

/**
 * Collects the rows an import will create or update into `import_staging` under run `run` (COPY
 * on PostgreSQL, JSON batches of 5,000 elsewhere). On PostgreSQL each 10,000 rows go as one block
 * of COPY text, and one COPY is left running while the next chunk is read and decided, so the
 * database works on one while this process works on the other.
 */
export function stagingWriter(ctx: CoreContext, importId: string, run: number) {
  let lines: string[] = [];
  const staged: DecidedRow[] = [];
  let count = 0;
  let inFlight: Promise<void> | undefined;
  let failure: unknown;
  const settle = async () => {
    if (inFlight) await inFlight;
    inFlight = undefined;
    if (failure !== undefined) throw failure;
  };
  const send = async () => {
    await settle();
    if (!lines.length || !ctx.copyInto) return;
    const block = lines.join("\n");
    count += lines.length;
    lines = [];
    inFlight = ctx
      .copyInto(
        "import_staging",
        ["import_id", "run", "row_no", "target_id", "new_id", "data"],
        (async function* () {
          yield block;
        })(),
      )
      .catch((err: unknown) => {
        failure = err;
      });
  };
  const flush = async () => {
    if (ctx.copyInto) {
      await send();
      await settle();
      return;
    }
    if (!staged.length) return;
    const chunk = staged.splice(0, staged.length);
    count += chunk.length;
    const payload = JSON.stringify(
      chunk.map((r) => ({
        i: importId,
        r: r.row,
        t: r.targetId ?? null,
        n: r.data?.id ?? null,
        d: r.data ?? {},
      })),
    );
    await ctx.db.execute(sql`insert into ${importStaging} (import_id, run, row_no, target_id, new_id, data)
      select x.i, ${run}::bigint, x.r, x.t, x.n, x.d from jsonb_to_recordset(${payload}::jsonb) as x(i uuid, r int, t uuid, n uuid, d jsonb)`);
  };
  return {
    async add(rows: DecidedRow[]) {
      if (ctx.copyInto) {
        for (const r of rows)
          if (r.action === "create" || r.action === "update")
            lines.push(copyLine(importId, run, r));
        if (lines.length >= CHUNK) await send();
        return;
      }
      for (const r of rows) if (r.action === "create" || r.action === "update") staged.push(r);
      if (staged.length >= JSON_BATCH) await flush();
    },
    flush,
    /** Waits for a COPY still running (before staging rows are cleared after a failure). */
    async idle() {
      await inFlight;
    },
    get count() {
      return count + staged.length + lines.length;
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
 * were staged under which run, with which options, against which state of the listings. Kept in
 * the import's counts under `_` names, which the API does not show.
 */
export function stagedMarks(
  staged: number,
  run: number,
  opts: Pick<ImportRunOptions, "mode" | "matchBy" | "applyFixes">,
  fingerprint: string,
): Record<string, number> {
  return {
    _staged: staged,
    _stagedRun: run,
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

/**
 * The run whose staged rows a dry run left, when they may be merged as they are; undefined when
 * the commit must read the file again. Rows staged before runs were recorded are run 0.
 */
export async function stagedRowsHold(
  ctx: CoreContext,
  importId: string,
  ownerId: string,
  counts: Record<string, number>,
  opts: Pick<ImportRunOptions, "mode" | "matchBy" | "applyFixes">,
): Promise<number | undefined> {
  if (counts._staged === undefined) return undefined;
  const run = counts._stagedRun ?? 0;
  const want = stagedMarks(counts._staged, run, opts, await listingsFingerprint(ctx, ownerId));
  for (const [k, v] of Object.entries(want))
    if (k !== "_stagedRun" && counts[k] !== v) return undefined;
  const [r] = rowsOf<{ n: number }>(
    await ctx.db.execute(
      sql`select count(*)::int as n from ${importStaging} where ${and(eq(importStaging.importId, importId), eq(importStaging.run, run))}`,
    ),
  );
  return (r?.n ?? -1) === counts._staged ? run : undefined;
}

/** The import's counts without the internal `_` marks. */
export const publicCounts = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([k]) => !k.startsWith("_")));
