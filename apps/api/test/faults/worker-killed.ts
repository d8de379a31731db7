/**
 * A worker SIGKILLed in the middle of an import commit and of an OCR scan: a fresh worker takes the
 * stalled job over and its effect happens exactly once.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { createQueues } from "@mbe/jobs";
import { Redis } from "ioredis";
import postgres from "postgres";
import {
  type AppProcess,
  commitImport,
  importCsv,
  json,
  registerSeller,
  startApi,
  startWorker,
  uploadImport,
  waitFor,
} from "../processes";
import { type FaultEnv, scenarioEnv } from "./env";

const ROWS = 20_000;
const FIXTURE = "packages/ocr/test/fixtures/clean-price-list.png";
const EXPECTED = "packages/ocr/test/fixtures/clean-price-list.expected.json";

function filesUnder(dir: string): string[] {
  let out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e);
    out = statSync(p).isDirectory() ? out.concat(filesUnder(p)) : out.concat(p);
  }
  return out;
}

interface ScanView {
  id: string;
  status: string;
  error: string | null;
  pages: { imageUrl?: string | null }[];
  items: { title: string; sku: string | null; price: number | null }[];
}

export async function workerKilled(env: FaultEnv) {
  const { v, pg, redis } = env;
  const { dbName, dbUrl, prefix, appEnv } = await scenarioEnv(env, "worker");
  // Short locks so a crashed worker's job is taken over in seconds instead of a minute.
  const workerEnv = { ...appEnv, WORKER_LOCK_MS: "4000", WORKER_STALLED_INTERVAL_MS: "1000" };
  const api = await startApi(appEnv);
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  const admin = postgres(pg.url(), { max: 1, onnotice: () => {} });
  const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queues = createQueues(conn, prefix);
  const workers: AppProcess[] = [];
  try {
    // Import commit.
    const seller = await registerSeller(api.url, "wk-import");
    const imp = await uploadImport(api.url, seller, importCsv(ROWS, "WK"));
    const first = await startWorker(workerEnv);
    workers.push(first);
    await commitImport(api.url, seller, imp.id);
    await waitFor(
      "the merge statement",
      async () => {
        const rows = await admin<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = ${dbName} and state = 'active' and query ilike '%jsonb_to_record(s.data)%'`;
        return (rows[0]?.n ?? 0) > 0;
      },
      60_000,
      10,
    );
    await first.kill("SIGKILL");
    const killedAt = performance.now();
    const second = await startWorker(workerEnv);
    workers.push(second);
    const done = await waitFor(
      "the import to be committed by the new worker",
      async () => {
        const [row] = await sql<
          { status: string }[]
        >`select status from imports where id = ${imp.id}`;
        return row && (row.status === "committed" || row.status === "failed") ? row : undefined;
      },
      90_000,
      200,
    );
    const takeoverS = (performance.now() - killedAt) / 1000;
    const [c] = await sql<{ listings: number; skus: number; changeSets: number }[]>`
      select count(*)::int as listings, count(distinct sku)::int as skus,
        (select count(*)::int from change_sets where owner_id = ${seller.userId} and kind = 'import') as "changeSets"
      from listings where owner_id = ${seller.userId}`;
    const job = await queues.imports.getJob(`commit-${imp.id}`);
    v.check(
      "c. worker SIGKILLed during an import commit",
      done.status === "committed" &&
        c?.listings === ROWS &&
        c?.skus === ROWS &&
        c?.changeSets === 1 &&
        (await job?.isCompleted()) === true,
      `import ${done.status} ${takeoverS.toFixed(1)} s after the kill; listings ${c?.listings} (expected exactly ${ROWS}, distinct SKUs ${c?.skus}); import change sets ${c?.changeSets}; job started ${job?.attemptsStarted ?? "?"}× (attempts made ${job?.attemptsMade ?? "?"})`,
    );

    // OCR scan.
    const scanner = await registerSeller(api.url, "wk-ocr");
    const form = new FormData();
    form.append("file", new Blob([readFileSync(FIXTURE)]), "clean-price-list.png");
    const created = await json<{ id: string }>(
      await fetch(`${api.url}/v1/ocr/scans`, {
        method: "POST",
        headers: { authorization: scanner.headers.authorization as string },
        body: form,
      }),
    );
    const getScan = async () =>
      json<ScanView>(
        await fetch(`${api.url}/v1/ocr/scans/${created.id}`, { headers: scanner.headers }),
      );
    await waitFor(
      "the scan to start",
      async () => (await getScan()).status === "processing",
      60_000,
      50,
    );
    // Let the OCR itself get under way before the crash.
    await new Promise((r) => setTimeout(r, 1000));
    const stillRunning = (await getScan()).status === "processing";
    await second.kill("SIGKILL");
    const scanKilledAt = performance.now();
    workers.push(await startWorker(workerEnv));
    const scan = await waitFor(
      "the scan to complete on the new worker",
      async () => {
        const s = await getScan();
        return s.status === "completed" || s.status === "failed" ? s : undefined;
      },
      90_000,
      250,
    ).catch(() => getScan());
    const scanTakeoverS = (performance.now() - scanKilledAt) / 1000;
    const expected = (JSON.parse(readFileSync(EXPECTED, "utf8")) as { items: unknown[] }).items
      .length;
    const keys = new Set(scan.items.map((i) => `${i.sku}|${i.title}|${i.price}`));
    const pageImages = filesUnder(
      path.join(env.dataDir, "files", scanner.userId, "ocr-pages"),
    ).length;
    const withImages = scan.pages.filter((p) => p.imageUrl).length;
    const ocrJobs = await queues.ocr.getJobCounts("completed", "failed", "active", "wait");
    v.check(
      "c. worker SIGKILLed during an OCR scan",
      stillRunning &&
        scan.status === "completed" &&
        scan.items.length === expected &&
        keys.size === scan.items.length &&
        pageImages === withImages &&
        ocrJobs.completed === 1 &&
        ocrJobs.failed === 0,
      `killed while ${stillRunning ? "processing" : "NOT processing"}; scan ${scan.status}${scan.error ? ` (${scan.error})` : ""} ${scanTakeoverS.toFixed(1)} s after the kill; items ${scan.items.length} (fixture has ${expected}, ${keys.size} distinct); page images stored ${pageImages} for ${withImages} page(s); ocr jobs completed ${ocrJobs.completed}, failed ${ocrJobs.failed}`,
    );
  } finally {
    for (const w of workers) await w.kill("SIGKILL");
    await queues.close();
    conn.disconnect();
    await sql.end();
    await admin.end({ timeout: 1 }).catch(() => {});
    await api.kill();
  }
}
