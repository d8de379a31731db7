import { createHash, randomUUID } from "node:crypto";
import { type CoreContext, CoreError, createImport, getImport, type ImportView } from "@mbe/core";
import { imports, rowsOf } from "@mbe/db";
import { writeXlsxTable } from "@mbe/formats";
import { QUEUES } from "@mbe/jobs";
import { QueueEvents } from "bullmq";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRuntime, until } from "../../test/runtime";
import { startWorkers } from "../index";

const { db, bullRedis, prefix, queues, opts, seller, close } = testRuntime("ip");
let stopWorkers: (() => Promise<void>) | undefined;
let events: QueueEvents | undefined;

beforeAll(async () => {
  await db.migrate();
  stopWorkers = await startWorkers(opts);
});
afterAll(async () => {
  await stopWorkers?.();
  await events?.close();
  await close();
});

const ROWS = 50_000;

/** Stores `bytes` as an upload and creates its import, analysed by the job whatever the size. */
async function importAsJob(ctx: CoreContext, fileName: string, bytes: Uint8Array) {
  const storageKey = `imports/${randomUUID()}-${fileName}`;
  await opts.runtime.storage.put(storageKey, bytes);
  const file = {
    fileName,
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    storageKey,
  };
  return createImport(ctx, file, {}, undefined, 0);
}

describe("the analyze-import job", () => {
  it("reports how much of a large CSV its dry run has read, shown by getImport until it ends at the whole file", async () => {
    const { ctx } = await seller("Progress");
    const lines = ["title,price,sku"];
    for (let i = 1; i <= ROWS; i++) lines.push(`Garden chair ${i},${(i % 90) + 10}.50,GC-${i}`);
    const bytes = new TextEncoder().encode(`${lines.join("\n")}\n`);

    // Every progress report of the job, as BullMQ publishes it.
    events = new QueueEvents(QUEUES.imports, { connection: bullRedis.duplicate(), prefix });
    await events.waitUntilReady();
    const reported: Record<string, unknown>[] = [];
    let firstReport!: () => void;
    const reportedOnce = new Promise<void>((r) => {
      firstReport = r;
    });
    let jobId = "";
    events.on("progress", ({ jobId: id, data }) => {
      if (id !== jobId) return;
      reported.push(data as Record<string, unknown>);
      firstReport();
    });

    const imp = await importAsJob(ctx, "chairs.csv", bytes);
    expect(imp.status).toBe("uploaded");
    jobId = `analyze-${imp.id}`;
    const job = await queues.imports.getJob(jobId);
    if (!job) throw new Error("no analyze-import job");
    const finished = job.waitUntilFinished(events, 120_000);
    await Promise.race([reportedOnce, finished]);

    // While staging writes wait for this lock the dry run cannot finish: its progress is read
    // meanwhile, through the verb GET /v1/imports/{id} answers with.
    const sql = db.sql;
    if (!sql) throw new Error("the test database handle exposes no raw client");
    const during = await sql.begin(async (tx) => {
      await tx`lock table import_staging in share mode`;
      return until(async () => {
        const v: ImportView = await getImport(ctx, imp.id);
        return v.progress || v.status !== "uploaded" ? v : undefined;
      });
    });
    expect(during.status).toBe("uploaded");
    expect(during.progress).toMatchObject({ unit: "bytes", total: bytes.length });
    expect(during.progress?.processed).toBeGreaterThan(0);
    expect(during.progress?.processed).toBeLessThanOrEqual(bytes.length);

    await finished;
    expect(reported.length).toBeGreaterThanOrEqual(3);
    for (const p of reported) expect(p).toMatchObject({ unit: "bytes", total: bytes.length });
    // Throttled: far fewer reports than rows, yet some while the file was still being read.
    expect(reported.length).toBeLessThan(ROWS / 1000);
    expect(
      reported.filter((p) => (p.processed as number) < bytes.length).length,
    ).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < reported.length; i++) {
      expect(reported[i]?.processed).toBeGreaterThanOrEqual(reported[i - 1]?.processed as number);
      expect(reported[i]?.rows).toBeGreaterThanOrEqual(reported[i - 1]?.rows as number);
    }
    expect(reported.at(-1)).toEqual({
      processed: bytes.length,
      total: bytes.length,
      unit: "bytes",
      rows: ROWS,
    });

    const done = await getImport(ctx, imp.id);
    expect(done.status).toBe("previewed");
    expect(done.counts).toMatchObject({ rows: ROWS, create: ROWS, reject: 0 });
    // Once the dry run is over the import shows no progress (a commit would bring its own).
    expect(done.progress).toBeNull();
  }, 120_000);

  it("reports how much of a workbook's sheet its dry run has read, ending at all of it", async () => {
    const { ctx } = await seller("Workbook progress");
    // Large enough to be read in the reading thread (over 1 MiB).
    const rows = (async function* () {
      yield ["title", "price", "sku", "description"];
      for (let i = 1; i <= ROWS; i++)
        yield [`Garden chair ${i}`, (i % 90) + 10.5, `GC-${i}`, `Teak, folding, seats two (${i})`];
    })();
    const chunks: Buffer[] = [];
    for await (const c of writeXlsxTable(rows)) chunks.push(c as Buffer);
    const bytes = new Uint8Array(Buffer.concat(chunks));
    expect(bytes.length).toBeGreaterThan(1024 * 1024);

    events ??= new QueueEvents(QUEUES.imports, { connection: bullRedis.duplicate(), prefix });
    await events.waitUntilReady();
    const reported: { processed: number; total: number; unit: string; rows: number }[] = [];
    let jobId = "";
    events.on("progress", ({ jobId: id, data }) => {
      if (id === jobId) reported.push(data as (typeof reported)[number]);
    });
    const imp = await importAsJob(ctx, "chairs.xlsx", bytes);
    jobId = `analyze-${imp.id}`;
    const job = await queues.imports.getJob(jobId);
    if (!job) throw new Error("no analyze-import job");
    await job.waitUntilFinished(events, 120_000);

    const done = await getImport(ctx, imp.id);
    expect(done.status).toBe("previewed");
    expect(done.counts).toMatchObject({ rows: ROWS, create: ROWS });
    const last = reported.at(-1);
    expect(last?.unit).toBe("bytes");
    expect(last?.rows).toBe(ROWS);
    // The sheet's XML: larger than the compressed file, all of it read by the end.
    expect(last?.total).toBeGreaterThan(bytes.length);
    expect(last?.processed).toBe(last?.total);
    const during = reported.filter((p) => p.total > 0 && p.processed < p.total);
    expect(during.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < reported.length; i++) {
      expect(reported[i]?.processed).toBeGreaterThanOrEqual(reported[i - 1]?.processed as number);
      expect(reported[i]?.rows).toBeGreaterThanOrEqual(reported[i - 1]?.rows as number);
    }
  }, 120_000);

  it("leaves an upload failed as not queued when its job reaches Redis after all", async () => {
    const { ctx } = await seller("Late job");
    const bytes = new TextEncoder().encode("title,price\nLamp,12\nChair,30\n");
    // Redis does not answer the add in time: the upload is listed as failed, while the job it
    // was sent is still on its way.
    let sent: Parameters<typeof queues.imports.add> | undefined;
    const lostAnswer: CoreContext = {
      ...ctx,
      queues: {
        ...queues,
        imports: new Proxy(queues.imports, {
          get(target, prop) {
            if (prop === "add")
              return async (...args: Parameters<typeof queues.imports.add>) => {
                sent = args;
                throw new Error("Connection is closed.");
              };
            const v = Reflect.get(target, prop);
            return typeof v === "function" ? v.bind(target) : v;
          },
        }),
      },
    };
    const upload = importAsJob(lostAnswer, "late.csv", bytes);
    await expect(upload).rejects.toSatisfy(
      (e) => e instanceof CoreError && e.code === "SERVICE_UNAVAILABLE",
    );
    if (!sent) throw new Error("no analyze-import job was sent");
    const [failed] = await db.db.select().from(imports).where(eq(imports.id, sent[1].importId));
    expect(failed?.status).toBe("failed");
    // The job reaches Redis, and the worker runs it.
    const job = await queues.imports.add(...sent);
    await until(async () => ["completed", "failed"].includes(await job.getState()));
    // Nothing is left for a retry to do.
    expect(await job.getState()).toBe("completed");
    const [after] = await db.db.select().from(imports).where(eq(imports.id, sent[1].importId));
    expect(after).toMatchObject({
      status: "failed",
      error: failed?.error,
      counts: failed?.counts,
      problems: failed?.problems,
    });
    const [staging] = rowsOf<{ n: number }>(
      await db.db.execute(
        sql`select count(*)::int as n from import_staging where import_id = ${sent[1].importId}::uuid`,
      ),
    );
    expect(staging?.n).toBe(0);
  }, 60_000);
});
