/**
 * Export of 100k listings: CSV vs `psql \copy (SELECT …) TO STDOUT CSV` (target ≤ 2×), XLSX
 * (target < 4 s), the API process's peak RSS growth (target < 150 MB), then 1M rows as CSV
 * (peak RSS ≤ 1.3× the 100k run's).
 *
 * What each side does. The product: POST /v1/exports as a seller sends it (mode "auto": the
 * generic CSV of 100k rows streams straight back), timed to the last byte; the same export forced
 * through the job path (queue, worker writes the file to storage, poll every 20 ms, download)
 * is printed beside it. Both count the selection, run `COPY (SELECT <15 generic cells formatted
 * in SQL> … ORDER BY id) TO STDOUT (FORMAT csv, HEADER)`, guard formula cells and add a BOM. The
 * reference: psql's \copy of the same rows and the same 15 columns in the same order, as raw
 * column values (no cell formatting, no guard) into /dev/null; the reference the benchmark used
 * before (14 columns, no marketplace fields, no ORDER BY) is printed too.
 */
import { execFileSync } from "node:child_process";
import {
  benchDatabase,
  benchSeller,
  copyListings,
  peakRssMb,
  REDIS_URL,
  report,
  reportRatio,
  rssMb,
  startApiServer,
  userIdOf,
} from "./lib/server";

const db = await benchDatabase("exports");
const api = await startApiServer({
  DATABASE_URL: db.url,
  REDIS_URL,
  SEED_DEMO: "0",
  RUN_WORKERS: "1",
  SEARCH_ENABLED: "0",
  RATE_LIMIT_PER_MINUTE: "100000",
  EXPORTS_PER_HOUR: "1000",
});
const pid = api.child.pid ?? 0;

async function timedExport(
  token: string,
  body: Record<string, unknown>,
): Promise<{ ms: number; bytes: number; ready?: number }> {
  const t = performance.now();
  const res = await fetch(`${api.url}/v1/exports`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status === 202) {
    const { id } = (await res.json()) as { id: string };
    for (;;) {
      const r = (await (
        await fetch(`${api.url}/v1/exports/${id}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as { status: string; downloadUrl: string | null; error: string | null };
      if (r.status === "failed") throw new Error(r.error ?? "export failed");
      if (r.status === "completed" && r.downloadUrl) {
        const ready = performance.now() - t;
        const file = await fetch(`${api.url}${r.downloadUrl}`);
        const bytes = (await file.arrayBuffer()).byteLength;
        const ms = performance.now() - t;
        console.log(
          `  ${body.format}: file ready after ${ready.toFixed(0)} ms, downloaded in ${(ms - ready).toFixed(0)} ms`,
        );
        return { ms, bytes, ready };
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  let bytes = 0;
  for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) bytes += c.byteLength;
  const ms = performance.now() - t;
  console.log(`  ${body.format}: streamed in the response, ${ms.toFixed(0)} ms to the last byte`);
  return { ms, bytes };
}

const token = await benchSeller(api.url);
await copyListings(db.url, userIdOf(token), 100_000);
execFileSync("psql", [db.url, "-qc", "vacuum analyze listings"]);
const owner = userIdOf(token);
const COLUMNS =
  "id, title, price, currency, condition, description, category, offer_shipping, sku, quantity, image_urls, status, marketplace_fields, created_at, updated_at";
const OLD_COLUMNS = COLUMNS.replace(" marketplace_fields,", "");
function psqlCopy(select: string): number {
  const t = performance.now();
  execFileSync("psql", [
    db.url,
    "-qc",
    `\\copy (${select}) to '/dev/null' with (format csv, header true)`,
  ]);
  return performance.now() - t;
}
psqlCopy(`select ${COLUMNS} from listings where owner_id = '${owner}' order by id`); // warm-up
const psqlMs = psqlCopy(`select ${COLUMNS} from listings where owner_id = '${owner}' order by id`);
const psqlOldMs = psqlCopy(`select ${OLD_COLUMNS} from listings where owner_id = '${owner}'`);
console.log(
  `psql \\copy: same 15 columns ordered by id ${psqlMs.toFixed(0)} ms; 14 columns, no order (the earlier reference) ${psqlOldMs.toFixed(0)} ms`,
);

await timedExport(token, { format: "csv", selection: { filter: { q: "item 1 " } } }); // warm-up
await timedExport(token, { format: "csv", mode: "job", selection: { filter: { q: "item 1 " } } });
const rssBefore = rssMb(pid);
const csv = await timedExport(token, { format: "csv" });
const csvJob = await timedExport(token, { format: "csv", mode: "job" });
const xlsx = await timedExport(token, { format: "xlsx" });
const peak100k = peakRssMb(pid);
console.log(
  `CSV ${(csv.bytes / 1e6).toFixed(1)} MB in ${csv.ms.toFixed(0)} ms (as a job ${csvJob.ms.toFixed(0)} ms: file ready after ${csvJob.ready?.toFixed(0)} ms); XLSX ${(xlsx.bytes / 1e6).toFixed(1)} MB in ${xlsx.ms.toFixed(0)} ms; RSS before ${rssBefore.toFixed(0)} MB, peak ${peak100k.toFixed(0)} MB`,
);
const psqlSame = { label: "psql \\copy to csv, same columns and order", value: psqlMs };
const psqlOld = { label: "psql \\copy to csv, 14 columns, no order", value: psqlOldMs };
reportRatio("export 100k CSV", csv.ms, "ms", psqlSame, 2);
reportRatio("export 100k CSV", csv.ms, "ms", psqlOld, 2);
reportRatio("export 100k CSV as a job", csvJob.ms, "ms", psqlSame, 2);
report(
  "export 100k XLSX",
  xlsx.ms,
  "ms",
  { label: "CSV export same run", value: csv.ms },
  "< 4000 ms",
  xlsx.ms < 4000,
);
report(
  "export peak RSS growth",
  peak100k - rssBefore,
  "MB",
  { label: "RSS before", value: rssBefore },
  "< 150 MB",
  peak100k - rssBefore < 150,
);

if (process.env.BENCH_SKIP_1M !== "1") {
  const big = await benchSeller(api.url);
  await copyListings(db.url, userIdOf(big), 1_000_000);
  execFileSync("psql", [db.url, "-qc", "vacuum analyze listings"]);
  const m = await timedExport(big, { format: "csv" }); // over the streaming limit: a job
  const peak1m = peakRssMb(pid);
  console.log(
    `1M CSV: ${(m.bytes / 1e6).toFixed(0)} MB in ${(m.ms / 1000).toFixed(1)} s, peak RSS ${peak1m.toFixed(0)} MB`,
  );
  reportRatio(
    "1M-row CSV export peak RSS",
    peak1m,
    "MB",
    { label: "peak RSS after the 100k runs", value: peak100k },
    1.3,
  );
}
await api.stop();
await db.drop();
