import { importStaging, imports, rowsOf } from "@mbe/db";
import { sql } from "drizzle-orm";
import type { CoreContext } from "../context";

/**
 * Deletes the staged rows of imports nobody is committing that were last touched longer ago than
 * `olderThanHours` (dry runs that were never committed, failed or finished commits), and rows
 * whose import is gone. A later commit of such an import reads its file again, as it does when the
 * seller's listings changed since the dry run. A maintenance job: it acts for no seller.
 */
export async function pruneImportStaging(
  ctx: Pick<CoreContext, "db">,
  opts: { olderThanHours?: number } = {},
): Promise<{ imports: number; rows: number }> {
  const hours = opts.olderThanHours ?? 24;
  // The imports are locked while their rows go: a commit request flipping one to `committing`
  // meanwhile waits, and then stages its rows again instead of merging a half-deleted set.
  const [r] = rowsOf<{ imports: number; rows: number }>(
    await ctx.db.execute(sql`
      with stale as (
        select i.id as import_id from ${imports} i
        where i.status <> 'committing'
          and i.updated_at < now() - make_interval(hours => ${hours}::int)
          and exists (select 1 from ${importStaging} s where s.import_id = i.id)
        for update of i skip locked
      ), orphans as (
        select distinct s.import_id from ${importStaging} s
        where not exists (select 1 from ${imports} i where i.id = s.import_id)
      ), doomed as (
        select import_id from stale union select import_id from orphans
      ), gone as (
        delete from ${importStaging} s using doomed d where s.import_id = d.import_id returning 1
      )
      select (select count(*) from doomed)::int as imports, (select count(*) from gone)::int as rows`),
  );
  return { imports: r?.imports ?? 0, rows: r?.rows ?? 0 };
}
