/**
 * While OCR runs (workers in the API process, as under `pnpm start`), GET /health p99 must stay
 * < 50 ms: the event loop is not blocked. Shown beside the same probe with no OCR running. The
 * probe is open loop (bench/lib/open-loop.ts): 50 requests/s evenly spaced, latency counted from
 * when each was due.
 */
import { readFileSync } from "node:fs";
import { openLoop } from "./lib/open-loop";
import { benchDatabase, benchSeller, json, REDIS_URL, report, startApiServer } from "./lib/server";

const db = await benchDatabase("ocrhealth");
const api = await startApiServer({
  DATABASE_URL: db.url,
  REDIS_URL,
  SEED_DEMO: "0",
  RUN_WORKERS: "1",
  SEARCH_ENABLED: "0",
  RATE_LIMIT_PER_MINUTE: "1000000",
  UPLOADS_PER_MINUTE: "1000",
});
const token = await benchSeller(api.url);
const port = Number(new URL(api.url).port);
const probe = async () => {
  const r = await openLoop({ port, paths: ["/health"], rate: 50, seconds: 12 });
  return { latency: { p50: r.p50, p99: r.p99, max: r.max } };
};
const idle = await probe();
const files = ["noisy-scan.jpg", "clean-price-list.png", "two-column-catalog.png"].map(
  (f) => new Uint8Array(readFileSync(`packages/ocr/test/fixtures/${f}`)),
);
const ids: string[] = [];
for (let i = 0; i < 6; i++) {
  const form = new FormData();
  form.append("file", new Blob([files[i % files.length] as Uint8Array]), `scan-${i}.png`);
  ids.push(
    (
      await json<{ id: string }>(
        await fetch(`${api.url}/v1/ocr/scans`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          body: form,
        }),
      )
    ).id,
  );
}
const busy = await probe();
let done = 0;
for (const id of ids) {
  const r = await json<{ status: string }>(
    await fetch(`${api.url}/v1/ocr/scans/${id}`, { headers: { authorization: `Bearer ${token}` } }),
  );
  if (r.status === "completed" || r.status === "processing") done++;
}
await api.stop();
await db.drop();
console.log(
  `idle: p50 ${idle.latency.p50.toFixed(2)} ms p99 ${idle.latency.p99.toFixed(2)} ms; during OCR (${done}/6 scans started or done): p50 ${busy.latency.p50.toFixed(2)} ms p99 ${busy.latency.p99.toFixed(2)} ms max ${busy.latency.max.toFixed(2)} ms`,
);
report(
  "GET /health p99 during OCR",
  busy.latency.p99,
  "ms",
  { label: "p99 with no OCR", value: idle.latency.p99 },
  "< 50 ms",
  busy.latency.p99 < 50,
);
