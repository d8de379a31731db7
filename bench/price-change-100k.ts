/**
 * A +7% price change with .99 rounding on 100k listings through POST /v1/bulk-edits/apply, change
 * set included (target < 2 s), beside a bare UPDATE of the same rows in psql.
 */
import { execFileSync } from "node:child_process";
import {
  benchDatabase,
  benchSeller,
  copyListings,
  json,
  REDIS_URL,
  report,
  startApiServer,
  userIdOf,
} from "./lib/server";

const db = await benchDatabase("price");
const api = await startApiServer({
  DATABASE_URL: db.url,
  REDIS_URL,
  SEED_DEMO: "0",
  RATE_LIMIT_PER_MINUTE: "100000",
});
const token = await benchSeller(api.url);
const owner = userIdOf(token);
await copyListings(db.url, owner, 100_000);
execFileSync("psql", [db.url, "-qc", "vacuum analyze listings"]);
const apply = async (value: number) => {
  const t = performance.now();
  const r = await json<{ changed: number; changeSetId: string }>(
    await fetch(`${api.url}/v1/bulk-edits/apply`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        selection: { filter: {} },
        operation: { kind: "priceChange", mode: "percent", value, rounding: "99" },
      }),
    }),
  );
  return { ms: performance.now() - t, ...r };
};
const first = await apply(7);
const second = await apply(-3);
const t = performance.now();
execFileSync("psql", [
  db.url,
  "-qc",
  `update listings set price = round(price * 1.01, 2) where owner_id = '${owner}'`,
]);
const bareMs = performance.now() - t;
const undoT = performance.now();
await json(
  await fetch(`${api.url}/v1/change-sets/${second.changeSetId}/undo`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  }).catch((e) => e),
);
const undoMs = performance.now() - undoT;
console.log(
  `price change: ${first.changed} rows in ${first.ms.toFixed(0)} ms, again ${second.changed} rows in ${second.ms.toFixed(0)} ms; undo attempt ${undoMs.toFixed(0)} ms`,
);
report(
  "price change 100k with change set",
  Math.min(first.ms, second.ms),
  "ms",
  { label: "bare UPDATE in psql", value: bareMs },
  "< 2000 ms",
  Math.min(first.ms, second.ms) < 2000 && first.changed === 100_000,
);
await api.stop();
await db.drop();
