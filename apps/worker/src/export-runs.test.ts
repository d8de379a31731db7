import { readdirSync } from "node:fs";
import path from "node:path";
import { bulkUpsertListings, getExport, runExport, startExport } from "@mbe/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRuntime } from "../test/runtime";

const { db, dataDir, seller, close } = testRuntime("er");

beforeAll(() => db.migrate());
afterAll(() => close());

describe("an export job run twice", () => {
  it("keeps one file: the run that finishes second removes its own", async () => {
    const { id: ownerId, ctx } = await seller("Twice");
    await bulkUpsertListings(ctx, {
      rows: [
        { title: "Canoe paddle", price: 40, sku: "ER-1" },
        { title: "Tent stakes", price: 9, sku: "ER-2" },
      ],
    });
    const started = await startExport(ctx, { format: "xlsx", mode: "job" });
    if (started.kind !== "job") throw new Error("expected a background export");
    const id = started.export.id;
    // Two runs at once, as when BullMQ hands a job it took for stalled to a second worker.
    const [a, b] = await Promise.all([runExport(ctx, id), runExport(ctx, id)]);
    expect(a.status).toBe("completed");
    expect(b.status).toBe("completed");
    const files = readdirSync(path.join(dataDir, "files", ownerId, "exports"));
    expect(files).toHaveLength(1);
    const done = await getExport(ctx, id);
    expect(done.status).toBe("completed");
    expect(done.rowCount).toBe(2);
  });
});
