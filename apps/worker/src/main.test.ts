import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { bulkUpsertListings, getExport, startExport } from "@mbe/core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { testRuntime } from "../test/runtime";

const ROOT = path.resolve(__dirname, "../../..");

const { db, prefix, queues, dataDir, seller, close } = testRuntime("wk");
let child: ChildProcess | undefined;

beforeAll(() => db.migrate());
afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await close();
});

/** The real standalone worker (`apps/worker/src/main.ts`) on the same database, Redis and files. */
function startWorker(env: Record<string, string>) {
  const proc = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: inject("databaseUrl"),
      REDIS_URL: inject("redisUrl"),
      DATA_DIR: dataDir,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  let buf = "";
  proc.stdout?.on("data", (c: Buffer) => {
    buf += c.toString();
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      try {
        lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      } catch {
        lines.push({ text: buf.slice(0, nl) });
      }
      buf = buf.slice(nl + 1);
    }
  });
  let stderr = "";
  proc.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    proc.once("exit", (code) => resolve({ code, at: Date.now() })),
  );
  return { proc, lines, exited, stderr: () => stderr };
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("worker graceful shutdown (real process)", () => {
  it("on SIGTERM takes no new jobs, finishes the active one and exits 0", async () => {
    const { id: ownerId, ctx } = await seller("Worker");
    // Facebook's layout writes one workbook per 50 listings: seconds of work for 3,000.
    await bulkUpsertListings(ctx, {
      rows: Array.from({ length: 3000 }, (_, i) => ({
        title: `Listing ${i}`,
        price: 10 + (i % 90),
        sku: `SKU-${i}`,
        condition: "New",
      })),
    });
    const started = await startExport(ctx, { marketplace: "facebook", mode: "job" });
    if (started.kind !== "job") throw new Error("expected a background export");
    const exportId = started.export.id;
    const jobId = `export-${exportId}`;

    const worker = startWorker({ SHUTDOWN_TIMEOUT_MS: "60000", WORKER_METRICS_PORT: "0" });
    child = worker.proc;
    const metricsLine = await until(
      "the metrics listener",
      async () => worker.lines.find((l) => l.msg === "worker metrics on /metrics"),
      30_000,
    );
    const scrape = await fetch(`http://127.0.0.1:${metricsLine.port}/metrics`);
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    expect(text).toContain("# TYPE mbe_export_rows_total counter");
    expect(text).toContain("process_cpu_user_seconds_total");

    await until(
      "the export job to run",
      async () => ((await queues.exports.getJob(jobId))?.processedOn ? true : undefined),
      30_000,
    );
    const job = await queues.exports.getJob(jobId);
    expect(await job?.getState()).toBe("active");
    const signalled = Date.now();
    worker.proc.kill("SIGTERM");
    await until(
      "the worker to start draining",
      async () => (worker.lines.some((l) => l.msg === "worker draining") ? true : undefined),
      10_000,
    );
    // Queued once the drain is under way: the worker must leave it for another worker. (A job that
    // lands in the instant close() interrupts BullMQ's blocking fetch can still be taken and run
    // to the end before exit; it is never lost, but this test does not race for it.)
    await new Promise((r) => setTimeout(r, 1000));
    const late = await queues.exports.add("run-export", {
      exportId: randomUUID(),
      ownerId,
    });

    const { code, at } = await worker.exited;
    // Drained, not cut: well inside the 60 s SHUTDOWN_TIMEOUT_MS.
    expect(at - signalled).toBeLessThan(55_000);
    expect(code, worker.stderr()).toBe(0);
    const done = await queues.exports.getJob(jobId);
    expect(await done?.getState()).toBe("completed");
    expect(done?.finishedOn).toBeGreaterThan(signalled);
    expect((await getExport(ctx, exportId)).status).toBe("completed");
    const lateJob = await queues.exports.getJob(String(late.id));
    // Never started by the draining worker.
    expect(await lateJob?.getState()).toBe("waiting");
    expect(lateJob?.attemptsMade).toBe(0);
    expect(lateJob?.failedReason).toBeUndefined();
    expect(lateJob?.returnvalue ?? null).toBeNull();

    const draining = worker.lines.findIndex((l) => l.msg === "worker draining");
    const stopped = worker.lines.findIndex((l) => l.msg === "worker stopped");
    expect(draining).toBeGreaterThanOrEqual(0);
    expect(stopped).toBeGreaterThan(draining);
    for (const l of worker.lines) expect(typeof l.time, JSON.stringify(l)).toBe("string");
  }, 120_000);
});
