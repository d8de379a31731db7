/**
 * Authenticated, rate-limited GET /v1/listings/{id} at a fixed 1,000 requests/s: p99 latency
 * (target < 10 ms), shown beside GET /health at the same rate as the floor of the stack, and a
 * bare node:http hello-world at the same rate as the floor of the load generator and the machine.
 *
 * The load is open loop (bench/lib/open-loop.ts, a separate Node process, nothing to install):
 * requests are sent at evenly spaced times over keep-alive connections, rotating over the 1,000
 * listing ids, and each latency is counted from the time the request was due, so queueing in the
 * server or the generator is measured rather than hidden.
 */
import { type OpenLoopResult, openLoop } from "./lib/open-loop";
import {
  benchDatabase,
  benchSeller,
  json,
  REDIS_URL,
  report,
  startApiServer,
  startHelloWorld,
} from "./lib/server";

const RATE = 1000;
const SECONDS = 10;

const bare = await startHelloWorld();
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
const listingPaths = created.results.map((r) => `/v1/listings/${r.id}`);
const auth = { authorization: `Bearer ${token}` };

const line = (name: string, r: OpenLoopResult) =>
  console.log(
    `${name}: ${r.answered}/${r.due} answered (${r.rps.toFixed(0)} req/s), p50 ${r.p50.toFixed(2)} ms, p90 ${r.p90.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms, non-2xx ${r.non2xx}, errors ${r.errors}, ${r.connections} connections, at most ${r.maxInFlight} in flight, generator send lag p99 ${r.sendLagP99.toFixed(2)} ms`,
  );

// Warm-up (JIT, prepared statements, connection pools), then the measured passes.
await openLoop({ port: api.port, paths: listingPaths, headers: auth, rate: RATE, seconds: 3 });
await openLoop({ port: api.port, paths: ["/health"], rate: RATE, seconds: 2 });
const r = await openLoop({
  port: api.port,
  paths: listingPaths,
  headers: auth,
  rate: RATE,
  seconds: SECONDS,
});
const floor = await openLoop({ port: api.port, paths: ["/health"], rate: RATE, seconds: SECONDS });
const bareRun = await openLoop({ port: bare.port, paths: ["/"], rate: RATE, seconds: SECONDS });
await bare.stop();
await api.stop();
await db.drop();
line("GET /v1/listings/{id}", r);
line("GET /health", floor);
line("bare node:http", bareRun);
const failures = r.non2xx + r.errors + (r.due - r.answered);
report(
  `GET /v1/listings/{id} p99 at ${RATE} req/s`,
  r.p99,
  "ms",
  { label: "GET /health p99 same rate", value: floor.p99 },
  "p99 < 10 ms",
  r.p99 < 10 && failures === 0,
);
