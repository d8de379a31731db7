import type { Queues } from "@mbe/jobs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi, upload, waitFor } from "../../test/harness";
import { commitAndWait, type Imp, listAll } from "../../test/imports";

let api: TestApi;
let queues: Queues;
beforeAll(async () => {
  api = await createTestApi(
    { RATE_LIMIT_PER_MINUTE: "100000", UPLOADS_PER_MINUTE: "1000" },
    { workers: true },
  );
  if (!api.deps.queues) throw new Error("the test API runs with queues");
  queues = api.deps.queues;
});
afterEach(() => {
  api.deps.queues = queues;
});
afterAll(() => api.close());

// Few, long rows: over 5 MiB, yet a dry run quick enough to end within the enqueue's timeout.
const ROWS = 4_000;

/** A CSV over 5 MiB, so its dry run is left to a job. */
function largeCsv(): Uint8Array {
  const text = "x".repeat(1_360);
  const lines = ["title,price,sku,description"];
  for (let i = 1; i <= ROWS; i++) lines.push(`Oak shelf ${i},${(i % 90) + 10},OS-${i},${text}`);
  const bytes = new TextEncoder().encode(`${lines.join("\r\n")}\r\n`);
  expect(bytes.length).toBeGreaterThan(5 * 1024 * 1024);
  return bytes;
}

type Add = Queues["imports"]["add"];

/**
 * The API's queues with the imports queue's add replaced by `add` (`real` sends the job to Redis);
 * the workers keep the real queues.
 */
function queuesWithAdd(add: (real: Add, ...args: Parameters<Add>) => ReturnType<Add>): Queues {
  const imports = queues.imports;
  return {
    ...queues,
    imports: new Proxy(imports, {
      get(target, prop) {
        if (prop === "add")
          return (...args: Parameters<Add>) => add(target.add.bind(target), ...args);
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }),
  };
}

/** The import's row as stored, with its internal counts. */
async function stored(id: string) {
  const sql = api.db.sql;
  if (!sql) throw new Error("the API tests run on PostgreSQL");
  const [row] = await sql`select status, counts from imports where id = ${id}`;
  return row as { status: string; counts: Record<string, number> } | undefined;
}

async function stagedRows(id: string) {
  const sql = api.db.sql;
  if (!sql) throw new Error("the API tests run on PostgreSQL");
  const [row] = await sql`select count(*)::int as n from import_staging where import_id = ${id}`;
  return Number(row?.n);
}

const importIdOf = (args: Parameters<Add>) => (args[1] as { importId: string }).importId;

describe("a large upload whose dry-run job Redis did not confirm", () => {
  it("answers with the preview when the job ran to the end before the add gave up", async () => {
    const s = await signUp(api);
    // The add reaches Redis and the worker runs the dry run, but the answer to the add is lost.
    api.deps.queues = queuesWithAdd(async (real, ...args) => {
      await real(...args);
      const id = importIdOf(args);
      await waitFor(async () => (await stored(id))?.status === "previewed", 60_000);
      throw new Error("Connection is closed.");
    });
    const up = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "shelves.csv", bytes: largeCsv() },
      { token: s.accessToken, headers: { "idempotency-key": "shelves-1" } },
    );
    expect(up.status).toBe(201);
    // Previewed, unless the dry run outlasted the enqueue's own timeout on a loaded machine (the
    // answer is then the import being analysed): either way not failed.
    expect(["uploaded", "previewed"]).toContain(up.body.status);
    expect(up.body.error).toBeNull();
    const got = await waitFor(async () => {
      const r = await call<Imp>(api, "GET", `/v1/imports/${up.body.id}`, { token: s.accessToken });
      return r.body.status !== "uploaded" && r.body;
    }, 60_000);
    expect(got).toMatchObject({ status: "previewed", error: null });
    expect(got.counts).toMatchObject({ rows: ROWS, create: ROWS, reject: 0 });
    // The dry run's staged rows stay for the commit, and the Idempotency-Key still replays it.
    expect(await stagedRows(up.body.id)).toBe(ROWS);
    api.deps.queues = queues;
    const again = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "shelves.csv", bytes: new TextEncoder().encode("title,price\nLamp,12\n") },
      { token: s.accessToken, headers: { "idempotency-key": "shelves-1" } },
    );
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(up.body.id);
    const done = await commitAndWait(api, s, up.body.id);
    expect(done.status).toBe("committed");
    expect((await listAll(api, s)).length).toBeGreaterThan(0);
  }, 120_000);

  it("answers with the import being analysed when the job took it before the add gave up", async () => {
    const s = await signUp(api);
    api.deps.queues = queuesWithAdd(async (real, ...args) => {
      await real(...args);
      const id = importIdOf(args);
      // The worker has claimed the import for its dry run (or already finished it).
      await waitFor(async () => {
        const row = await stored(id);
        return row && (row.counts._analysis !== undefined || row.status !== "uploaded");
      }, 60_000);
      throw new Error("Connection is closed.");
    });
    const up = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "shelves.csv", bytes: largeCsv() },
      { token: s.accessToken },
    );
    expect(up.status).toBe(201);
    expect(["uploaded", "previewed"]).toContain(up.body.status);
    expect(up.body.error).toBeNull();
    const done = await waitFor(async () => {
      const r = await call<Imp>(api, "GET", `/v1/imports/${up.body.id}`, { token: s.accessToken });
      return r.body.status !== "uploaded" && r.body;
    }, 60_000);
    expect(done).toMatchObject({ status: "previewed", error: null });
    expect(done.counts).toMatchObject({ rows: ROWS, create: ROWS });
  }, 120_000);

  it("still lists the upload as failed when no job took it", async () => {
    const s = await signUp(api);
    let sent: string | undefined;
    api.deps.queues = queuesWithAdd(async (_real, ...args) => {
      sent = importIdOf(args);
      throw new Error("Connection is closed.");
    });
    const up = await upload<{ error: { code: string } }>(
      api,
      "/v1/imports",
      { name: "shelves.csv", bytes: largeCsv() },
      { token: s.accessToken },
    );
    expect(up.status).toBe(503);
    expect(up.body.error.code).toBe("SERVICE_UNAVAILABLE");
    if (!sent) throw new Error("no analyze-import job was sent");
    const got = await call<Imp>(api, "GET", `/v1/imports/${sent}`, { token: s.accessToken });
    expect(got.body).toMatchObject({ status: "failed" });
    expect(got.body.error).toMatch(/could not be queued/);
  }, 60_000);
});
