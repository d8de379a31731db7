import { OCR_LOCK_PREFIX } from "@mbe/core";
import { pollUntil } from "@mbe/core/testing";
import { ocrScans } from "@mbe/db";
import type { Worker } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ocrScansOf, onePageResult } from "../test/ocr";
import { testRuntime } from "../test/runtime";
import { ocrWorkers } from "./processors/ocr";

const rt = testRuntime("olk");
const { db, bullRedis, prefix, queues, close } = rt;
// Short locks, so a scan outlives its lock many times over within the test.
const opts = {
  ...rt.opts,
  config: { ...rt.opts.config, WORKER_LOCK_MS: 600, WORKER_STALLED_INTERVAL_MS: 300 },
};
const workers: Worker[] = [];
beforeAll(() => db.migrate());
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close(true)));
  await queues.ocr.obliterate({ force: true });
  await close();
});

const scanOf = ocrScansOf({ db, opts, seller: rt.seller });

describe("a scan that takes longer than its lock", () => {
  it("keeps its scan locked while it is read, so a second job for the scan waits", async () => {
    const { id, ownerId } = await scanOf("pending");
    let reading = 0;
    let most = 0;
    let started = () => {};
    const firstStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const scanner = async () => {
      reading++;
      most = Math.max(most, reading);
      started();
      // Many times the lock's duration.
      await new Promise((r) => setTimeout(r, 3000));
      reading--;
      return onePageResult();
    };
    // Two worker processes, as in a deployment with more than one.
    workers.push(...ocrWorkers(opts, scanner), ...ocrWorkers(opts, scanner));
    const first = await queues.ocr.add(
      "process-scan",
      { scanId: id, ownerId },
      { jobId: `scan-${id}-1` },
    );
    await firstStarted;
    const lock = `${prefix}:${OCR_LOCK_PREFIX}${id}`;
    // However long the lock was taken for, it is about to run out while the scan is still read.
    await bullRedis.pexpire(lock, 300);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await bullRedis.get(lock)).toBe(first.id);
    // The seller runs the scan again meanwhile: its job must not read the scan at the same time.
    await queues.ocr.add("process-scan", { scanId: id, ownerId }, { jobId: `scan-${id}-2` });
    await pollUntil(async () => (await first.getState()) === "completed", 15_000);
    expect(most).toBe(1);
    // Its job finished once, unstalled (BullMQ renewed its lock too), and left the scan read.
    expect((await queues.ocr.getJob(first.id as string))?.stalledCounter).toBe(0);
    const [scan] = await db.db.select().from(ocrScans).where(eq(ocrScans.id, id));
    expect(scan?.status).toBe("completed");
    expect(await bullRedis.get(lock)).toBeNull();
  }, 30_000);
});
