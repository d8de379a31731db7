import { randomUUID } from "node:crypto";
import {
  analyzeImport,
  CoreError,
  listListings,
  requestImportCommit,
  runImportCommit,
} from "@mbe/core";
import { exportJobs, importStaging, imports, ocrScans } from "@mbe/db";
import { type Job, Worker } from "bullmq";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testRuntime } from "../test/runtime";
import { requeueOrphanedCommits, settleFailedJobs } from "./settle-failed-jobs";

const { db, bullRedis, prefix, queues, opts, seller, importCsv, close } = testRuntime("sf");
const workers: Worker[] = [];

beforeAll(() => db.migrate());
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close(true)));
  await close();
});

/**
 * Fails `jobs` the way a worker that died mid-job does: each is taken (active, locked) and never
 * finished, and a second worker's stalled check, allowing no stall, fails it. The processors'
 * own failure handling never runs.
 */
async function failByStalling(queueName: string, jobs: Job[]) {
  const taker = new Worker(queueName, null, {
    connection: bullRedis,
    prefix,
    autorun: false,
    lockDuration: 500,
  });
  workers.push(taker);
  for (let i = 0; i < jobs.length; i++)
    if (!(await taker.getNextJob(randomUUID()))) throw new Error("no job to take");
  const checker = new Worker(
    queueName,
    async (): Promise<unknown> => {
      throw new Error("no job should reach a processor here");
    },
    { connection: bullRedis, prefix, stalledInterval: 300, maxStalledCount: 0, lockDuration: 500 },
  );
  workers.push(checker);
  const deadline = Date.now() + 15_000;
  for (const job of jobs) {
    while ((await job.getState()) !== "failed") {
      if (Date.now() > deadline) throw new Error(`job ${job.id} did not fail by stalling`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await checker.close();
  const failed = await Promise.all(jobs.map((j) => queues[queueKey(queueName)].getJob(j.id ?? "")));
  return failed;
}
const queueKey = (name: string) =>
  ({ imports: "imports", exports: "exports", ocr: "ocr" })[name] as "imports" | "exports" | "ocr";

describe("settling jobs BullMQ failed without their processor", () => {
  it("marks the import, export and scan they worked on failed, and leaves everything else", async () => {
    const { id: ownerId } = await seller("Settle");
    const file = (name: string) => ({
      ownerId,
      fileName: name,
      fileSize: 10,
      sha256: "0".repeat(64),
      storageKey: `k/${randomUUID()}`,
      format: "csv",
    });
    const [committing, analysing, untouched] = await db.db
      .insert(imports)
      .values([
        { ...file("commit.csv"), status: "committing" as const },
        { ...file("analyse.csv"), status: "uploaded" as const },
        { ...file("other.csv"), status: "committing" as const },
      ])
      .returning();
    if (!committing || !analysing || !untouched) throw new Error("imports not recorded");
    await db.db
      .insert(importStaging)
      .values({ importId: committing.id, rowNo: 1, data: { title: "staged" } });
    const [running] = await db.db
      .insert(exportJobs)
      .values({ ownerId, format: "csv", status: "running" })
      .returning();
    const scanRow = (name: string) => ({
      ownerId,
      fileName: name,
      mimeType: "image/png",
      size: 10,
      storageKey: `k/${randomUUID()}`,
      status: "processing" as const,
    });
    const [scan, rerun] = await db.db
      .insert(ocrScans)
      .values([scanRow("a.png"), scanRow("b.png")])
      .returning();
    if (!running || !scan || !rerun) throw new Error("rows not recorded");

    const once = { attempts: 1 };
    const importJobs = [
      await queues.imports.add(
        "run-import",
        { importId: committing.id, ownerId, actorId: ownerId },
        { ...once, jobId: `commit-${committing.id}` },
      ),
      await queues.imports.add(
        "analyze-import",
        { importId: analysing.id, ownerId, actorId: ownerId, options: {} },
        { ...once, jobId: `analyze-${analysing.id}` },
      ),
    ];
    const exportJob = await queues.exports.add(
      "run-export",
      { exportId: running.id, ownerId },
      { ...once, jobId: `export-${running.id}` },
    );
    const scanJobs = [
      await queues.ocr.add("process-scan", { scanId: scan.id, ownerId }, once),
      await queues.ocr.add("process-scan", { scanId: rerun.id, ownerId }, once),
    ];
    const failed = [
      ...(await failByStalling("imports", importJobs)),
      ...(await failByStalling("exports", [exportJob])),
      ...(await failByStalling("ocr", scanJobs)),
    ];
    for (const j of failed) expect(j?.failedReason).toMatch(/stalled/);

    // Before the sweep, BullMQ's failure left every record in progress.
    const importStatus = async (id: string) =>
      (await db.db.select().from(imports).where(eq(imports.id, id)))[0];
    expect((await importStatus(committing.id))?.status).toBe("committing");
    // A scan started again after its job failed is the new run's, not the failure's.
    await db.db
      .update(ocrScans)
      .set({ status: "pending", updatedAt: new Date() })
      .where(eq(ocrScans.id, rerun.id));

    expect(await settleFailedJobs(opts)).toBe(4);
    const afterCommit = await importStatus(committing.id);
    expect(afterCommit?.status).toBe("failed");
    expect(afterCommit?.error).toMatch(/^INTERNAL: The commit did not finish/);
    expect(
      await db.db.select().from(importStaging).where(eq(importStaging.importId, committing.id)),
    ).toHaveLength(0);
    const afterAnalysis = await importStatus(analysing.id);
    expect(afterAnalysis?.status).toBe("failed");
    expect(afterAnalysis?.error).toMatch(/^INTERNAL: The dry run could not finish/);
    expect((await importStatus(untouched.id))?.status).toBe("committing");
    const [exp] = await db.db.select().from(exportJobs).where(eq(exportJobs.id, running.id));
    expect(exp?.status).toBe("failed");
    expect(exp?.error).toMatch(/^The export did not finish/);
    const scans = await db.db
      .select()
      .from(ocrScans)
      .where(inArray(ocrScans.id, [scan.id, rerun.id]));
    expect(scans.find((s) => s.id === scan.id)?.status).toBe("failed");
    expect(scans.find((s) => s.id === scan.id)?.error).toMatch(
      /^OCR_FAILED: The scan did not finish/,
    );
    expect(scans.find((s) => s.id === rerun.id)?.status).toBe("pending");

    // Settled work is not settled again.
    expect(await settleFailedJobs(opts)).toBe(0);
  }, 60_000);

  it("lets an import whose commit failed be analysed and committed again, and never merges one failed meanwhile", async () => {
    const { ctx } = await seller("Recommit");
    const imp = await importCsv(ctx, "title,price\nRowing machine,120\nCamping stove,35\n");
    expect(imp.status).toBe("previewed");
    const jobId = `commit-${imp.id}`;
    await requestImportCommit(ctx, imp.id, {});
    const first = await queues.imports.getJob(jobId);
    if (!first) throw new Error("the commit was not queued");
    await failByStalling("imports", [first]);
    await settleFailedJobs(opts);
    expect((await db.db.select().from(imports).where(eq(imports.id, imp.id)))[0]?.status).toBe(
      "failed",
    );

    // Analysed again and committed again: a new job runs under the same id, and the old
    // failure does not fail the new commit.
    expect((await analyzeImport(ctx, imp.id)).status).toBe("previewed");
    await requestImportCommit(ctx, imp.id, {});
    expect(await (await queues.imports.getJob(jobId))?.getState()).toBe("waiting");
    expect(await settleFailedJobs(opts)).toBe(0);
    expect((await db.db.select().from(imports).where(eq(imports.id, imp.id)))[0]?.status).toBe(
      "committing",
    );

    // Failed while the commit ran (a job BullMQ failed while its processor still ran): the merge
    // refuses instead of landing rows of an import that says it failed.
    const run = runImportCommit(ctx, imp.id, async (p) => {
      if (p.stage === "merging")
        await db.db.update(imports).set({ status: "failed" }).where(eq(imports.id, imp.id));
    });
    await expect(run).rejects.toSatisfy((e) => e instanceof CoreError && e.code === "CONFLICT");
    expect((await listListings(ctx, {})).items).toHaveLength(0);
  }, 60_000);
  it("queues again the commit of an import left committing with no job, and only that", async () => {
    const { id: ownerId, ctx } = await seller("Orphan");
    const imp = await importCsv(ctx, "title,price\nLamp,12\n");
    // Committing, as a request that could not tell whether Redis took its job leaves it.
    await db.db.update(imports).set({ status: "committing" }).where(eq(imports.id, imp.id));
    const jobId = `commit-${imp.id}`;
    // Recent: its job may still be on its way.
    expect(await requeueOrphanedCommits(opts, { ownerId })).toBe(0);
    await db.db
      .update(imports)
      .set({ updatedAt: new Date(Date.now() - 10 * 60_000) })
      .where(eq(imports.id, imp.id));
    expect(await requeueOrphanedCommits(opts, { ownerId })).toBe(1);
    const job = await queues.imports.getJob(jobId);
    expect(await job?.getState()).toBe("waiting");
    expect(job?.data).toEqual({ importId: imp.id, ownerId, actorId: ownerId });
    // Its job waiting, nothing more is queued; run, the import is committed.
    expect(await requeueOrphanedCommits(opts, { ownerId })).toBe(0);
    expect((await runImportCommit(ctx, imp.id)).status).toBe("committed");
    expect((await listListings(ctx, {})).items.map((l) => l.title)).toEqual(["Lamp"]);
  }, 60_000);
});

describe("the failed-jobs sweep over time and many failures", () => {
  /** Fails every waiting job of the imports queue through a processor that throws. */
  async function failAll(expected: number) {
    const failing = new Worker(
      "imports",
      async (): Promise<unknown> => {
        throw new Error("refused for the test");
      },
      { connection: bullRedis, prefix, concurrency: 50 },
    );
    workers.push(failing);
    const deadline = Date.now() + 30_000;
    while ((await queues.imports.getFailedCount()) < expected) {
      if (Date.now() > deadline) throw new Error("the jobs did not fail");
      await new Promise((r) => setTimeout(r, 50));
    }
    await failing.close();
  }
  const uploaded = async (ownerId: string, name: string) => {
    const [imp] = await db.db
      .insert(imports)
      .values({
        ownerId,
        fileName: name,
        fileSize: 10,
        sha256: "0".repeat(64),
        storageKey: `k/${randomUUID()}`,
        format: "csv",
        status: "uploaded",
        updatedAt: new Date(Date.now() - 60 * 60_000),
      })
      .returning();
    if (!imp) throw new Error("import not recorded");
    return imp;
  };
  const statusOf = async (id: string) =>
    (await db.db.select().from(imports).where(eq(imports.id, id)))[0]?.status;
  /** A seller's uploaded import whose dry-run job has failed for good. */
  const failedAnalysis = async (name: string, fileName: string) => {
    const { id: ownerId } = await seller(name);
    const imp = await uploaded(ownerId, fileName);
    const before = await queues.imports.getFailedCount();
    await queues.imports.add(
      "analyze-import",
      { importId: imp.id, ownerId, actorId: ownerId, options: {} },
      { attempts: 1, jobId: `analyze-${imp.id}` },
    );
    await failAll(before + 1);
    return { imp, before };
  };

  it("judges a failure's age by the database's clock, not this machine's", async () => {
    const { imp } = await failedAnalysis("Clock", "clock.csv");
    // This machine's clock runs two days ahead: the failure a moment ago is still recent.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 2 * 24 * 3600_000 });
    try {
      expect(await settleFailedJobs(opts)).toBe(1);
    } finally {
      vi.useRealTimers();
    }
    expect(await statusOf(imp.id)).toBe("failed");
  }, 60_000);

  it("reaches failures older than the newest page within a few sweeps", async () => {
    const { imp, before } = await failedAnalysis("Paging", "oldest.csv");
    await new Promise((r) => setTimeout(r, 20));
    // A burst of newer failures (of jobs that worked on nothing) buries it past the newest 500.
    const burst = 520;
    await queues.imports.addBulk(
      Array.from({ length: burst }, (_, i) => ({
        name: "burst",
        data: { i },
        opts: { attempts: 1 },
      })),
    );
    await failAll(before + 1 + burst);
    let sweeps = 0;
    while ((await statusOf(imp.id)) !== "failed" && sweeps < 4) {
      await settleFailedJobs(opts);
      sweeps++;
    }
    expect(await statusOf(imp.id)).toBe("failed");
    expect(sweeps).toBeLessThanOrEqual(2);
  }, 90_000);
});
