/**
 * Redis SIGKILLed under read load: authenticated reads keep answering (the rate limit falls back to
 * memory), sign-in answers 503 with Retry-After, a save still answers at once, an import commit
 * answers 503 at once and leaves the import previewed (committed once asked again after Redis is
 * back), and import jobs queued before the crash are all processed (appendonly), none lost.
 */
import { createQueues } from "@mbe/jobs";
import { Redis } from "ioredis";
import postgres from "postgres";
import {
  commitImport,
  getImport,
  importCsv,
  json,
  registerSeller,
  type Seller,
  sleep,
  startApi,
  startWorker,
  uploadImport,
  waitFor,
} from "../processes";
import { type FaultEnv, scenarioEnv } from "./env";

const IMPORTS = 5;
const ROWS = 200;

async function queuedImports(redisUrl: string, prefix: string): Promise<number> {
  const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queues = createQueues(conn, prefix);
  try {
    const c = await queues.imports.getJobCounts("wait", "waiting", "prioritized");
    return (c.wait ?? 0) + (c.prioritized ?? 0);
  } finally {
    await queues.close();
    conn.disconnect();
  }
}

/** Reads in a loop with `concurrency` callers until `stop()`; tallies statuses. */
function readLoad(apiUrl: string, seller: Seller, ids: string[], concurrency: number) {
  const statuses = new Map<number, number>();
  let running = true;
  let n = 0;
  const one = async () => {
    while (running) {
      const i = n++;
      const url =
        i % 2 === 0
          ? `${apiUrl}/v1/listings?limit=20`
          : `${apiUrl}/v1/listings/${ids[i % ids.length]}`;
      let status = 0;
      try {
        const r = await fetch(url, { headers: seller.headers, signal: AbortSignal.timeout(5000) });
        await r.arrayBuffer();
        status = r.status;
      } catch {
        status = 0;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  const loops = Array.from({ length: concurrency }, one);
  return {
    snapshot: () => new Map(statuses),
    reset: () => statuses.clear(),
    async stop() {
      running = false;
      await Promise.all(loops);
      return statuses;
    },
  };
}

const fmt = (m: Map<number, number>) =>
  [...m.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([s, c]) => `${s === 0 ? "no answer" : s}×${c}`)
    .join(", ");

export async function redisKilled(env: FaultEnv) {
  const { v, redis } = env;
  const { dbUrl, prefix, appEnv } = await scenarioEnv(env, "redis");
  const api = await startApi(appEnv);
  try {
    const reader = await registerSeller(api.url, "redis-reader");
    const importer = await registerSeller(api.url, "redis-importer");
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const l = await json<{ id: string }>(
        await fetch(`${api.url}/v1/listings`, {
          method: "POST",
          headers: reader.headers,
          body: JSON.stringify({ title: `Read load item ${i}`, price: 10 + i }),
        }),
      );
      ids.push(l.id);
    }
    // No worker runs yet: the commits stay queued in Redis across the crash.
    const importIds: string[] = [];
    for (let i = 0; i < IMPORTS; i++) {
      const imp = await uploadImport(api.url, importer, importCsv(ROWS, `RK${i}`));
      await commitImport(api.url, importer, imp.id);
      importIds.push(imp.id);
    }
    const queuedBefore = await queuedImports(redis.url, prefix);
    // Previewed before the crash, committed while Redis is down.
    const late = await uploadImport(api.url, importer, importCsv(ROWS, "RKLATE"));

    const load = readLoad(api.url, reader, ids, 8);
    await sleep(2000);
    const before = load.snapshot();
    load.reset();
    const killedAt = performance.now();
    await redis.kill();
    await sleep(300);
    const logins: { status: number; retryAfter: string | null }[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${api.url}/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: reader.email, password: reader.password }),
      });
      await r.arrayBuffer();
      logins.push({ status: r.status, retryAfter: r.headers.get("retry-after") });
      await sleep(1000);
    }
    // Writes while Redis is down: a save answers (its search indexing is skipped), a commit
    // answers 503 at once and leaves the import previewed.
    let t0 = performance.now();
    const save = await fetch(`${api.url}/v1/listings`, {
      method: "POST",
      headers: importer.headers,
      body: JSON.stringify({ title: "Saved while Redis is down", price: 5 }),
      signal: AbortSignal.timeout(15_000),
    }).catch(() => undefined);
    const saveMs = performance.now() - t0;
    t0 = performance.now();
    const commit = await fetch(`${api.url}/v1/imports/${late.id}/commit`, {
      method: "POST",
      headers: importer.headers,
      body: "{}",
      signal: AbortSignal.timeout(15_000),
    }).catch(() => undefined);
    const commitMs = performance.now() - t0;
    const commitBody = (await commit?.json().catch(() => undefined)) as
      | { error?: { code?: string } }
      | undefined;
    const lateStatus = (await getImport(api.url, importer, late.id).catch(() => undefined))?.status;
    await sleep(1000);
    const during = await load.stop();
    const outageS = (performance.now() - killedAt) / 1000;
    await redis.start();
    const queuedAfter = await queuedImports(redis.url, prefix);

    const ok200 = during.get(200) ?? 0;
    const total = [...during.values()].reduce((a, b) => a + b, 0);
    v.check(
      "a. reads while Redis is down",
      ok200 > 0 && ok200 === total,
      `${ok200}/${total} authenticated reads answered 200 in ${outageS.toFixed(1)} s of outage (${fmt(during)}); before the kill: ${fmt(before)}`,
    );
    v.check(
      "a. sign-in while Redis is down",
      logins.every((l) => l.status === 503 && Number(l.retryAfter) > 0),
      logins.map((l) => `${l.status} Retry-After=${l.retryAfter}`).join("; "),
    );

    v.check(
      "a. writes while Redis is down",
      save?.status === 201 &&
        saveMs < 5000 &&
        commit?.status === 503 &&
        Number(commit.headers.get("retry-after")) > 0 &&
        commitBody?.error?.code === "SERVICE_UNAVAILABLE" &&
        commitMs < 7000 &&
        lateStatus === "previewed",
      `save ${save?.status ?? "no answer"} in ${saveMs.toFixed(0)} ms; commit ${commit?.status ?? "no answer"} ${commitBody?.error?.code ?? ""} Retry-After=${commit?.headers.get("retry-after")} in ${commitMs.toFixed(0)} ms, import then ${lateStatus}`,
    );
    // Asked again once the API has reconnected (it answers 503 until then), the commit is queued.
    await waitFor(
      "the API to queue a commit again",
      async () => {
        const r = await fetch(`${api.url}/v1/imports/${late.id}/commit`, {
          method: "POST",
          headers: importer.headers,
          body: "{}",
        });
        await r.arrayBuffer();
        return r.status === 202 || r.status === 200;
      },
      30_000,
      500,
    );
    importIds.push(late.id);

    const t = performance.now();
    const worker = await startWorker({ ...appEnv, WORKER_STALLED_INTERVAL_MS: "2000" });
    try {
      const views = await waitFor(
        "the queued imports to commit",
        async () => {
          const all = await Promise.all(importIds.map((id) => getImport(api.url, importer, id)));
          return all.every((x) => x.status === "committed" || x.status === "failed")
            ? all
            : undefined;
        },
        60_000,
        250,
      );
      const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from listings where owner_id = ${importer.userId}`;
      await sql.end();
      const committed = views.filter((x) => x.status === "committed").length;
      const count = row?.n ?? -1;
      v.check(
        "a. jobs queued before the crash survive it",
        queuedBefore === IMPORTS &&
          queuedAfter === IMPORTS &&
          committed === importIds.length &&
          count === (IMPORTS + 1) * ROWS + 1,
        `queued ${queuedBefore} before the kill, ${queuedAfter} after the restart; ${committed}/${importIds.length} committed ${((performance.now() - t) / 1000).toFixed(1)} s after a worker started; listings ${count} (expected ${(IMPORTS + 1) * ROWS + 1}: ${IMPORTS + 1} imports of ${ROWS} and the save during the outage)`,
      );
    } finally {
      await worker.kill();
    }
  } finally {
    await api.kill();
  }
}
