import { readdirSync } from "node:fs";
import path from "node:path";
import { cancelScan, failScan, getScan, rerunScan, runScan } from "@mbe/core";
import { ocrScans } from "@mbe/db";
import { OcrError, type ScanResult } from "@mbe/ocr";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ocrScansOf, onePageResult, runNotingRead } from "../test/ocr";
import { testRuntime } from "../test/runtime";

const { db, dataDir, opts, seller, close } = testRuntime("os");
beforeAll(() => db.migrate());
afterAll(() => close());

const uploaded = ocrScansOf({ db, opts, seller });
/** A seller with one uploaded scan waiting for its job. */
const pendingScan = () => uploaded("pending");
const result = onePageResult;

const pageImages = (ownerId: string) => {
  try {
    return readdirSync(path.join(dataDir, "files", ownerId, "ocr-pages"));
  } catch {
    return [];
  }
};

describe("a scan's job and the seller's cancel", () => {
  it("a scan cancelled while it is read keeps its cancel and leaves no page images", async () => {
    const { ctx, id, ownerId } = await pendingScan();
    const out = await runScan(
      ctx,
      id,
      async () => {
        await cancelScan(ctx, id);
        return result();
      },
      () => {},
    );
    expect(out).toEqual({ cancelled: true });
    const scan = await getScan(ctx, id);
    expect(scan.status).toBe("failed");
    expect(scan.error).toBe("CANCELLED: stopped by the seller");
    expect(pageImages(ownerId)).toEqual([]);
  });

  it("a job for a scan cancelled before it started does not read it", async () => {
    const { ctx, id } = await pendingScan();
    await cancelScan(ctx, id);
    const { out, read } = await runNotingRead(ctx, id);
    expect(out).toEqual({ skipped: true });
    expect(read).toBe(false);
    expect((await getScan(ctx, id)).error).toBe("CANCELLED: stopped by the seller");
  });

  it("a last attempt that throws fails the scan in words for the seller, and leaves a cancelled or finished scan alone", async () => {
    const crashed = await pendingScan();
    await expect(
      runScan(
        crashed.ctx,
        crashed.id,
        async () => {
          throw new Error("ENOENT: no such file or directory, open '/srv/data/secret.png'");
        },
        () => {},
      ),
    ).rejects.toThrow(/ENOENT/);
    expect(await failScan(crashed.ctx, crashed.id, new Error("ENOENT: /srv/data/secret.png"))).toBe(
      true,
    );
    const failed = await getScan(crashed.ctx, crashed.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe("OCR_FAILED: The scan could not be processed; try again");

    const unreadable = await pendingScan();
    // As its job left it when the thread gave up.
    await db.db
      .update(ocrScans)
      .set({ status: "processing" })
      .where(eq(ocrScans.id, unreadable.id));
    await failScan(unreadable.ctx, unreadable.id, new OcrError("OCR_FAILED", "Page 2 is blank"));
    expect((await getScan(unreadable.ctx, unreadable.id)).error).toBe(
      "OCR_FAILED: Page 2 is blank",
    );

    const cancelled = await pendingScan();
    await cancelScan(cancelled.ctx, cancelled.id);
    expect(await failScan(cancelled.ctx, cancelled.id, new Error("thread died"))).toBe(false);
    expect((await getScan(cancelled.ctx, cancelled.id)).error).toBe(
      "CANCELLED: stopped by the seller",
    );

    // Cancelled and queued again while the old job was still failing: the new run stands.
    const requeued = await pendingScan();
    await db.db.update(ocrScans).set({ status: "processing" }).where(eq(ocrScans.id, requeued.id));
    await cancelScan(requeued.ctx, requeued.id);
    await rerunScan(requeued.ctx, requeued.id);
    expect(await failScan(requeued.ctx, requeued.id, new Error("old job"))).toBe(false);
    const rerun = await getScan(requeued.ctx, requeued.id);
    expect(rerun.status).toBe("pending");
    expect(rerun.error ?? null).toBeNull();

    const finished = await pendingScan();
    await runScan(
      finished.ctx,
      finished.id,
      async () => result(),
      () => {},
    );
    expect(await failScan(finished.ctx, finished.id, new Error("late"))).toBe(false);
    const kept = await getScan(finished.ctx, finished.id);
    expect(kept.status).toBe("completed");
    // A cancel that comes too late is refused rather than turning a finished scan into a cancelled one.
    await expect(cancelScan(finished.ctx, finished.id)).rejects.toMatchObject({ code: "CONFLICT" });
    expect(kept.pages).toHaveLength(1);
    // Where a finished scan keeps its page images (so the first test's empty folder means something).
    expect(pageImages(finished.ownerId)).toHaveLength(1);
  });
  it("keeps one run's page images: a rerun's replace the earlier run's, a failed save leaves none", async () => {
    const { ctx, id, ownerId } = await pendingScan();
    expect(
      await runScan(
        ctx,
        id,
        async () => result(),
        () => {},
      ),
    ).toMatchObject({ items: 0 });
    const first = pageImages(ownerId);
    expect(first).toHaveLength(1);
    // Run again: only the new run's image stays.
    await db.db.update(ocrScans).set({ status: "pending" }).where(eq(ocrScans.id, id));
    await runScan(
      ctx,
      id,
      async () => result(),
      () => {},
    );
    const second = pageImages(ownerId);
    expect(second).toHaveLength(1);
    expect(second).not.toEqual(first);
    // A run whose results cannot be saved (storage refusing the second page) removes the first.
    await db.db.update(ocrScans).set({ status: "pending" }).where(eq(ocrScans.id, id));
    const twoPages = result();
    twoPages.pages.push({ ...(twoPages.pages[0] as ScanResult["pages"][number]), page: 2 });
    let puts = 0;
    const storage = ctx.storage;
    const failing = {
      ...ctx,
      storage: new Proxy(storage, {
        get(target, prop) {
          if (prop === "put")
            return async (key: string, body: Uint8Array) => {
              if (++puts === 2) throw new Error("disk full");
              return target.put(key, body);
            };
          const v = Reflect.get(target, prop);
          return typeof v === "function" ? v.bind(target) : v;
        },
      }),
    };
    await expect(
      runScan(
        failing,
        id,
        async () => twoPages,
        () => {},
      ),
    ).rejects.toThrow("disk full");
    expect(pageImages(ownerId)).toEqual(second);
  });
});
