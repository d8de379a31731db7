/**
 * PostgreSQL restarted (`pg_ctl restart -m fast`) while an import commits, once during staging and
 * once during the merge: the import completes on a retry or rolls back, never half-written. (A
 * commit stages only when the dry run's staged rows no longer hold, so the staging scenario saves
 * a listing between preview and commit.)
 */
import postgres from "postgres";
import {
  commitImport,
  importCsv,
  registerSeller,
  startApi,
  startWorker,
  uploadImport,
  waitFor,
} from "../processes";
import { type FaultEnv, scenarioEnv } from "./env";

const ROWS = 20_000;

/** Matches the worker's statement of a phase in pg_stat_activity. */
const PHASES = {
  staging: "copy%import_staging%",
  merge: "%jsonb_to_record(s.data)%",
} as const;

export async function postgresRestart(env: FaultEnv) {
  const { v, pg } = env;
  const { dbName, dbUrl, appEnv } = await scenarioEnv(env, "pg");
  const api = await startApi(appEnv);
  const worker = await startWorker(appEnv);
  const admin = postgres(pg.url(), { max: 1, onnotice: () => {} });
  try {
    for (const phase of ["staging", "merge"] as const) {
      const seller = await registerSeller(api.url, `pg-${phase}`);
      const imp = await uploadImport(api.url, seller, importCsv(ROWS, `PG${phase}`));
      if (phase === "staging") {
        // A listing saved after the preview means the dry run's staged rows no longer hold, so
        // the commit reads the file and stages again: the phase this scenario interrupts.
        const r = await fetch(`${api.url}/v1/listings`, {
          method: "POST",
          headers: seller.headers,
          body: JSON.stringify({ title: "Saved after the preview", price: 5 }),
        });
        if (r.status !== 201) throw new Error(`saving a listing gave ${r.status}`);
      }
      await commitImport(api.url, seller, imp.id);
      const pattern = PHASES[phase];
      const seen = await waitFor(
        `the ${phase} statement`,
        async () => {
          const rows = await admin<{ n: number }[]>`
            select count(*)::int as n from pg_stat_activity
            where datname = ${dbName} and state = 'active' and query ilike ${pattern}`;
          return (rows[0]?.n ?? 0) > 0;
        },
        60_000,
        10,
      );
      const t = performance.now();
      pg.restart();
      const restartMs = performance.now() - t;
      // The admin connection died with the server; postgres.js reconnects on the next query.
      const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
      const end = await waitFor(
        "the import to settle",
        async () => {
          const [row] = await sql<{ status: string; error: string | null }[]>`
            select status, error from imports where id = ${imp.id}`;
          return row && (row.status === "committed" || row.status === "failed") ? row : undefined;
        },
        90_000,
        200,
      );
      const [counts] = await sql<{ listings: number; changeSets: number; staging: number }[]>`
        select
          (select count(*)::int from listings where owner_id = ${seller.userId} and source = 'import') as listings,
          (select count(*)::int from change_sets where owner_id = ${seller.userId} and kind = 'import') as "changeSets",
          (select count(*)::int from import_staging where import_id = ${imp.id}) as staging`;
      await sql.end();
      const n = counts?.listings ?? -1;
      const whole =
        (end.status === "committed" && n === ROWS && counts?.changeSets === 1) ||
        (end.status === "failed" && n === 0 && counts?.changeSets === 0);
      v.check(
        `b. PostgreSQL restarted during the import ${phase}`,
        Boolean(seen) && whole && counts?.staging === 0,
        `restart took ${restartMs.toFixed(0)} ms; import ${end.status}${end.error ? ` (${end.error.slice(0, 80)})` : ""}; listings ${n} of ${ROWS} (0 or ${ROWS} allowed); import change sets ${counts?.changeSets}; staging rows left ${counts?.staging}; ${((performance.now() - t) / 1000).toFixed(1)} s from restart to settled`,
      );
    }
  } finally {
    await admin.end({ timeout: 1 }).catch(() => {});
    await worker.kill();
    await api.kill();
  }
}
