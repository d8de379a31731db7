/**
 * POST /v1/listings/bulk with 10,000 new rows end to end (HTTP, validation, insert, change set),
 * beside a postgres.js COPY of the same rows into a bare table as the ceiling (target < 1.5 s).
 */
import postgres from "postgres";
import { benchDatabase, benchSeller, json, REDIS_URL, report, startApiServer } from "./lib/server";

const N = 10_000;
const rows = (tag: string) =>
  Array.from({ length: N }, (_, i) => ({
    title: `Bulk bench ${tag} ${i} LiFePO4 battery`,
    price: Math.round(Math.random() * 100_000) / 100,
    condition: "New",
    description: "Deep cycle battery, 4000 cycles, built-in BMS. ".repeat(3),
    category: "Electronics//Batteries",
    sku: `${tag}-${i}`,
    quantity: 1 + (i % 5),
    status: "active",
  }));

const db = await benchDatabase("bulk");
const api = await startApiServer({
  DATABASE_URL: db.url,
  REDIS_URL,
  SEED_DEMO: "0",
  RATE_LIMIT_PER_MINUTE: "10000000",
});
const token = await benchSeller(api.url);
const post = async (body: unknown) => {
  const t = performance.now();
  const r = await json<{ created: number; updated: number; failed: number }>(
    await fetch(`${api.url}/v1/listings/bulk`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }),
  );
  return { ms: performance.now() - t, r };
};
await post({ rows: rows("warm").slice(0, 1000) });
const create = await post({ rows: rows("c") });
const update = await post({ rows: rows("c").map((r) => ({ ...r, price: r.price + 1 })) });

const sql = postgres(db.url, { max: 1, onnotice: () => {} });
await sql`create table copy_target (owner_id uuid, title text, price numeric(12,2), condition text, description text, category text, sku text, quantity int, status text)`;
const owner = crypto.randomUUID();
const data = rows("copy");
const t = performance.now();
const writable = await sql`copy copy_target from stdin`.writable();
await new Promise<void>((resolve, reject) => {
  writable.on("error", reject);
  writable.on("finish", () => resolve());
  const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n");
  let buf = "";
  for (const r of data) {
    buf += `${owner}\t${esc(r.title)}\t${r.price}\t${r.condition}\t${esc(r.description)}\t${r.category}\t${r.sku}\t${r.quantity}\t${r.status}\n`;
    if (buf.length > 1 << 16) {
      writable.write(buf);
      buf = "";
    }
  }
  writable.end(buf);
});
const copyMs = performance.now() - t;
await sql.end();
await api.stop();
await db.drop();
console.log(
  `bulk create: ${create.r.created} created in ${create.ms.toFixed(0)} ms; bulk update: ${update.r.updated} updated in ${update.ms.toFixed(0)} ms`,
);
report(
  "POST /v1/listings/bulk 10k create",
  create.ms,
  "ms",
  { label: "postgres.js COPY 10k", value: copyMs },
  "< 1500 ms",
  create.ms < 1500 && create.r.created === N,
);
report(
  "POST /v1/listings/bulk 10k update",
  update.ms,
  "ms",
  { label: "postgres.js COPY 10k", value: copyMs },
  "< 1500 ms",
  update.ms < 1500 && update.r.updated === N,
);
