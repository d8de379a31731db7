/**
 * GET /health through the whole middleware stack vs a bare node:http hello-world, each in its own
 * process, driven by wrk (C, so the load generator is not the bottleneck). Target ≥ 0.7×.
 * Needs `wrk` (Debian: apt-get install wrk).
 */
import { spawnSync } from "node:child_process";
import { API_SECURITY_HEADERS } from "../apps/api/src/http/security-headers";
import { benchDatabase, REDIS_URL, report, startApiServer, startHelloWorld } from "./lib/server";

function wrk(url: string, seconds: number): number {
  const r = spawnSync("wrk", ["-t1", "-c50", `-d${seconds}s`, url], { encoding: "utf8" });
  if (r.error) throw new Error("wrk is not installed: apt-get install wrk");
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  if (!m?.[1]) throw new Error(`wrk output not understood: ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}
const measure = (url: string) => {
  wrk(url, 2); // warm-up (JIT)
  return wrk(url, 8);
};

const bare = await startHelloWorld();
// The same hello-world writing the request id and the security headers the API sends on a JSON
// answer: shows how much of the gap is the headers themselves rather than the stack.
const withHeaders = await startHelloWorld(API_SECURITY_HEADERS);
const db = await benchDatabase("health");
const api = await startApiServer({ DATABASE_URL: db.url, REDIS_URL, SEED_DEMO: "0" });
// Alternate the two so background load on this machine hits both alike.
const bareRuns: number[] = [];
const apiRuns: number[] = [];
const headerRuns: number[] = [];
for (let i = 0; i < 2; i++) {
  bareRuns.push(measure(`${bare.url}/`));
  headerRuns.push(measure(`${withHeaders.url}/`));
  apiRuns.push(measure(`${api.url}/health`));
}
await bare.stop();
await withHeaders.stop();
await api.stop();
await db.drop();
const bareRps = Math.max(...bareRuns);
const apiRps = Math.max(...apiRuns);
console.log(
  `runs: bare ${bareRuns.map((x) => x.toFixed(0)).join(", ")}; api ${apiRuns.map((x) => x.toFixed(0)).join(", ")}`,
);
const headersRps = Math.max(...headerRuns);
console.log(
  `node:http sending the API's headers: ${headersRps.toFixed(0)} req/s; GET /health is ${(apiRps / headersRps).toFixed(2)}× of it`,
);
report(
  "GET /health req/s",
  apiRps,
  "req/s",
  { label: "bare node:http", value: bareRps },
  "ratio ≥ 0.70",
  apiRps / bareRps >= 0.7,
);
