/**
 * Authenticated, rate-limited GET /v1/listings/{id} at a fixed 1,000 requests/s: p99 latency
 * (target < 10 ms), shown beside GET /health at the same rate as the floor of the stack.
 */
import autocannon from "autocannon";
import { benchDatabase, benchSeller, json, REDIS_URL, report, startApiServer } from "./lib/server";

const db = await benchDatabase("getlisting");
const api = await startApiServer({
  DATABASE_URL: db.url,
  REDIS_URL,
  SEED_DEMO: "0",
  RATE_LIMIT_PER_MINUTE: "10000000",
});
const token = await benchSeller(api.url);
const rows = Array.from({ length: 1000 }, (_, i) => ({
  title: `Bench item ${i}`,
  price: 10 + i,
  sku: `B-${i}`,
}));
const created = await json<{ results: { id: string }[] }>(
  await fetch(`${api.url}/v1/listings/bulk`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ rows }),
  }),
);
const ids = created.results.map((r) => r.id);
let n = 0;
const run = (path: () => string, auth: boolean) =>
  autocannon({
    url: api.url,
    connections: 20,
    overallRate: 1000,
    duration: 10,
    requests: [
      {
        method: "GET",
        setupRequest: (req) => ({
          ...req,
          path: path(),
          headers: auth ? { authorization: `Bearer ${token}` } : {},
        }),
      },
    ],
  });
await run(() => `/v1/listings/${ids[n++ % ids.length]}`, true); // warm-up
const r = await run(() => `/v1/listings/${ids[n++ % ids.length]}`, true);
const floor = await run(() => "/health", false);
await api.stop();
await db.drop();
const non2xx = r.non2xx + r.errors;
console.log(
  `GET /v1/listings/{id}: ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${non2xx}`,
);
report(
  "GET /v1/listings/{id} p99 at 1000 req/s",
  r.latency.p99,
  "ms",
  { label: "GET /health p99 same rate", value: floor.latency.p99 },
  "p99 < 10 ms",
  r.latency.p99 < 10 && non2xx === 0,
);
