import { convertScan, deleteScan, getScan, listScans, runScan, updateScan } from "@mbe/core";
import { listings, ocrScans } from "@mbe/db";
import { QUEUES } from "@mbe/jobs";
import type { ScanResult } from "@mbe/ocr";
import { Worker } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ocrScansOf, onePageResult, runNotingRead } from "../test/ocr";
import { testRuntime } from "../test/runtime";

const { db, opts, seller, close, bullRedis, prefix, queues } = testRuntime("orv");
beforeAll(() => db.migrate());
afterAll(() => close());

const uploaded = ocrScansOf({ db, opts, seller });
/** A seller with one uploaded scan in `status` (with `items` when finished). */
const scanOf = (status: "pending" | "completed", items: unknown[] = []) =>
  uploaded(status, items, "Review");
const result = onePageResult;

describe("converting a scan", () => {
  it("makes one listing of an item named twice in the same request", async () => {
    const { ctx, id, ownerId } = await scanOf("completed", [
      { title: "Desk lamp", price: 20, currency: "USD", description: "" },
      { title: "Floor lamp", price: 45, currency: "USD", description: "" },
    ]);
    const out = await convertScan(ctx, id, { items: [0, 0, 1, 0] });
    expect(out.created).toBe(2);
    const rows = await db.db.select().from(listings).where(eq(listings.ownerId, ownerId));
    expect(rows.map((r) => r.title).sort()).toEqual(["Desk lamp", "Floor lamp"]);
    // And asking again creates nothing more.
    const again = await convertScan(ctx, id, { items: [0, 1] });
    expect(again.created).toBe(0);
  });
});

describe("correcting a converted scan", () => {
  it("keeps converted items marked when corrections come from a copy read before converting", async () => {
    const { ctx, id, ownerId } = await scanOf("completed", [
      {
        title: "Desk lamp",
        price: 20,
        currency: "USD",
        description: "",
        page: 1,
        box: { x: 10, y: 10, w: 90, h: 12 },
      },
      {
        title: "Floor lamp",
        price: 45,
        currency: "USD",
        description: "",
        page: 1,
        box: { x: 10, y: 40, w: 90, h: 12 },
      },
    ]);
    // The review screen holds the items as they were before converting.
    const copy = (await getScan(ctx, id)).items;
    expect((await convertScan(ctx, id, { items: [0] })).created).toBe(1);
    // The seller fixes a typo in the copy, reorders it and adds a row, then saves and converts again.
    const [desk, floor] = copy;
    if (!desk || !floor) throw new Error("no items");
    await updateScan(ctx, id, {
      items: [floor, { ...desk, title: "Desk lamp, brass" }, { title: "Stool", price: 15 }],
    });
    const again = await convertScan(ctx, id, {});
    expect(again.created).toBe(2);
    expect(again.errors).toEqual([{ index: 1, message: "This item is already a listing" }]);
    const rows = await db.db.select().from(listings).where(eq(listings.ownerId, ownerId));
    expect(rows.map((r) => r.title).sort()).toEqual(["Desk lamp", "Floor lamp", "Stool"]);
  });
});

describe("reading a converted scan again", () => {
  it("keeps the items it finds again marked as listings, so converting creates only the new ones", async () => {
    const { ctx, id, ownerId } = await scanOf("pending");
    const candidate = (title: string, price: number, y: number): ScanResult["items"][number] => ({
      page: 1,
      box: { x: 10, y, width: 90, height: 12 },
      title: { value: title, confidence: 0.9, box: { x: 10, y, width: 60, height: 12 } },
      price: { value: price, confidence: 0.9, box: { x: 80, y, width: 20, height: 12 } },
      confidence: 0.9,
      sourceText: `${title} ${price}`,
    });
    const first = { ...result(), items: [candidate("Desk lamp", 20, 10)] };
    await runScan(
      ctx,
      id,
      async () => first,
      () => {},
    );
    expect((await convertScan(ctx, id, {})).created).toBe(1);
    // Run again (the seller asked for it): the same file reads the same, plus what was missed.
    await db.db.update(ocrScans).set({ status: "pending" }).where(eq(ocrScans.id, id));
    const second = {
      ...result(),
      items: [candidate("Desk lamp", 20, 10), candidate("Floor lamp", 45, 40)],
    };
    await runScan(
      ctx,
      id,
      async () => second,
      () => {},
    );
    const again = await convertScan(ctx, id, {});
    expect(again.created).toBe(1);
    const rows = await db.db.select().from(listings).where(eq(listings.ownerId, ownerId));
    expect(rows.map((r) => r.title).sort()).toEqual(["Desk lamp", "Floor lamp"]);
  });
});

describe("a scan deleted while its job runs", () => {
  it("stops the recognition at the next page and keeps nothing", async () => {
    const { ctx, id } = await scanOf("pending");
    let stopped = false;
    const out = await runScan(
      ctx,
      id,
      async (_bytes, onProgress, signal) => {
        await deleteScan(ctx, id);
        onProgress({ page: 1, pages: 3, stage: "ocr" });
        // The scanner stops when told to; without a word it would read all its pages.
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 3000);
          signal.addEventListener("abort", () => {
            clearTimeout(t);
            resolve();
          });
        });
        stopped = signal.aborted;
        if (stopped) throw new Error("OCR cancelled");
        return result();
      },
      () => {},
    );
    expect(stopped).toBe(true);
    expect(out).toEqual({ cancelled: true });
    await expect(getScan(ctx, id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("a job for a scan deleted just after it was taken ends quietly instead of failing", async () => {
    const { ctx, id } = await scanOf("pending");
    const storage = ctx.storage;
    const deleting = {
      ...ctx,
      storage: new Proxy(storage, {
        get(target, prop) {
          if (prop === "localFile")
            return async (key: string) => {
              await deleteScan(ctx, id);
              return target.localFile(key);
            };
          const v = Reflect.get(target, prop);
          return typeof v === "function" ? v.bind(target) : v;
        },
      }),
    };
    const { out, read } = await runNotingRead(deleting, id);
    expect(out).toEqual({ skipped: true });
    expect(read).toBe(false);
  });
});

describe("a running scan's progress", () => {
  it("shows the page its job has reached, to its owner only", async () => {
    const { ctx, id, ownerId } = await scanOf("pending");
    await db.db.update(ocrScans).set({ status: "processing" }).where(eq(ocrScans.id, id));
    const other = await seller("Other");
    let finish = () => {};
    const reported = new Promise<void>((resolve) => {
      const worker = new Worker(
        QUEUES.ocr,
        async (job) => {
          // Jobs other tests queued are done at once.
          if (job.data.scanId !== id) return;
          await job.updateProgress({ page: 2, pages: 5, stage: "ocr" });
          resolve();
          await new Promise<void>((done) => {
            finish = done;
          });
        },
        { connection: bullRedis.duplicate({ maxRetriesPerRequest: null }), prefix },
      );
      afterAll(() => worker.close());
    });
    await queues.ocr.add("process-scan", { scanId: id, ownerId }, { jobId: `scan-${id}-1` });
    await reported;
    try {
      expect((await getScan(ctx, id)).progress).toEqual({ page: 2, pages: 5, stage: "ocr" });
      const listed = await listScans(ctx);
      expect(listed.items.find((s) => s.id === id)?.progress).toEqual({
        page: 2,
        pages: 5,
        stage: "ocr",
      });
      // Another seller's list shows nothing of it.
      expect((await listScans(other.ctx)).items).toEqual([]);
    } finally {
      finish();
    }
  });
});
