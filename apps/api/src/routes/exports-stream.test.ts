import type { Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type Seller, signUp, type TestApi } from "../../test/harness";
import { serveNode } from "../http/node-server";

/*
 * A generic CSV of 100k listings streams straight back (no job), and only as fast as the client
 * reads it: PostgreSQL's COPY waits while the response is not read, so the API holds a bounded
 * part of the file however large the selection.
 */
let api: TestApi;
let seller: Seller;
const ROWS = 100_000;
const DESCRIPTION = "Deep cycle battery, built-in BMS, 4000 cycles. ".repeat(12);

beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000", EXPORTS_PER_HOUR: "1000" });
  seller = await signUp(api);
  const sql = api.db.sql;
  if (!sql) throw new Error("needs PostgreSQL");
  await sql`insert into listings (owner_id, title, price, description, sku, quantity, status)
    select ${seller.id}, case when g % 10000 = 0 then '=SUM(A' || g || ')' else 'Item ' || g end,
      10 + g % 900, ${DESCRIPTION}, 'SKU-' || g, 1 + g % 5, 'active'
    from generate_series(1, ${ROWS}) g`;
}, 120_000);
afterAll(() => api.close());

const post = (body: unknown) =>
  api.app.request("/v1/exports", {
    method: "POST",
    headers: { authorization: `Bearer ${seller.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/** A COPY of this database waiting for its client to take more rows (the query text is cut at 1 KiB). */
async function copyWaitingForClient(): Promise<boolean> {
  const sql = api.db.sql;
  if (!sql) throw new Error("needs PostgreSQL");
  const rows = await sql`select 1 from pg_stat_activity
    where datname = current_database() and state = 'active' and wait_event = 'ClientWrite'
      and query like 'copy (select%'`;
  return rows.length > 0;
}

describe("large CSV exports stream", () => {
  it("sends 100k rows in the response, pausing PostgreSQL while the client does not read", async () => {
    const res = await post({ format: "csv" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-total-count")).toBe(String(ROWS));
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="marketplace-listings-\d{8}-\d{6}\.csv"/,
    );
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    const head = Buffer.from(first.value ?? new Uint8Array());
    expect(head.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));

    // The file is ~70 MB; with nobody reading, only a bounded part of it may be produced.
    const before = process.memoryUsage().arrayBuffers;
    await sleep(1500);
    expect(await copyWaitingForClient()).toBe(true);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);

    let bytes = 0;
    let lines = 0;
    let guarded = 0;
    let partial = "";
    for (let chunk: Uint8Array | undefined = head; chunk; ) {
      bytes += chunk.length;
      const text = partial + Buffer.from(chunk).toString("latin1");
      const split = text.split("\n");
      partial = split.pop() ?? "";
      lines += split.length;
      for (const line of split) if (/^[0-9a-f-]{36},'=SUM\(A\d+\),/.test(line)) guarded++;
      const next = await reader.read();
      chunk = next.done ? undefined : next.value;
    }
    expect(partial).toBe("");
    expect(lines).toBe(ROWS + 1);
    expect(bytes).toBeGreaterThan(ROWS * DESCRIPTION.length);
    expect(guarded).toBe(ROWS / 10_000);
  }, 60_000);

  it("queues an export as a job while others are still being read: two per seller, three in all", async () => {
    const other = await signUp(api);
    await api.app.request("/v1/listings", {
      method: "POST",
      headers: { authorization: `Bearer ${other.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "Lamp", price: 12 }),
    });
    const postAs = (s: Seller) =>
      api.app.request("/v1/exports", {
        method: "POST",
        headers: { authorization: `Bearer ${s.accessToken}`, "content-type": "application/json" },
        body: JSON.stringify({ format: "csv" }),
      });
    const open: ReadableStreamDefaultReader<Uint8Array>[] = [];
    const start = async (s: Seller) => {
      const res = await postAs(s);
      expect(res.status).toBe(200);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      open.push(reader);
    };
    try {
      await start(seller);
      await start(seller);
      // A third of the same seller's waits as a job; another seller still streams.
      expect((await postAs(seller)).status).toBe(202);
      await start(other);
      // Three unread downloads hold their places, even a one-listing file's.
      expect((await postAs(other)).status).toBe(202);
      // A cancelled download frees its place once its COPY is cancelled too.
      await open.shift()?.cancel();
      let next = await post({ format: "csv" });
      for (let i = 0; i < 50 && next.status === 202; i++) {
        await sleep(100);
        next = await post({ format: "csv" });
      }
      expect(next.status).toBe(200);
      open.push((next.body as ReadableStream<Uint8Array>).getReader());
    } finally {
      for (const r of open) await r.cancel();
    }
    // Every cancelled download ended its COPY, including the one dropped after the first chunk
    // (the BOM) before the COPY was ever read: none is left holding a connection.
    const sql = api.db.sql;
    if (!sql) throw new Error("needs PostgreSQL");
    let copies = -1;
    for (let i = 0; i < 50 && copies !== 0; i++) {
      if (i) await sleep(100);
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and query like 'copy (select%' and state = 'active'`;
      copies = row?.n ?? -1;
    }
    expect(copies).toBe(0);
  }, 60_000);

  it("frees the place of a download whose client left before the answer started", async () => {
    const server = await new Promise<Server>((resolve) => {
      const s = serveNode(api.app.fetch, { port: 0, hostname: "127.0.0.1" }, () =>
        resolve(s as Server),
      ) as Server;
    });
    try {
      const { port } = server.address() as AddressInfo;
      const body = JSON.stringify({ format: "csv" });
      // Two requests whose clients hang up at once, while the export is being started.
      for (let i = 0; i < 2; i++) {
        const socket = connect(port, "127.0.0.1");
        await new Promise((r) => socket.once("connect", r));
        socket.end(
          `POST /v1/exports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${seller.accessToken}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        socket.destroy();
      }
      // The seller's two places come back: the next export streams.
      let next = await post({ format: "csv" });
      for (let i = 0; i < 50 && next.status === 202; i++) {
        await sleep(100);
        next = await post({ format: "csv" });
      }
      expect(next.status).toBe(200);
      await (next.body as ReadableStream<Uint8Array>).cancel();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }, 60_000);

  it("still queues XLSX beyond 20k rows, and any export asked for as a job", async () => {
    expect((await post({ format: "xlsx" })).status).toBe(202);
    expect((await post({ format: "csv", mode: "job" })).status).toBe(202);
    expect((await post({ format: "csv", marketplace: "ebay" })).status).toBe(202);
  });
});
