import { writeFileSync } from "node:fs";
import path from "node:path";
import { bulkUpsertListings, getExport, runExport, startExport } from "@mbe/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRuntime } from "../test/runtime";

let notADirectory = "";
// Storage rooted at a plain file: every write fails as a full or unwritable disk would.
const { db, seller, close } = testRuntime("ea", (dataDir) => {
  notADirectory = path.join(dataDir, "not-a-directory");
  writeFileSync(notADirectory, "");
  return notADirectory;
});

beforeAll(() => db.migrate());
afterAll(() => close());

describe("an export job that fails", () => {
  it("stays running while attempts are left, then fails with a message for the seller", async () => {
    const { ctx } = await seller("Export");
    await bulkUpsertListings(ctx, {
      rows: [
        { title: "Canoe paddle", price: 40, sku: "EA-1" },
        { title: "Tent stakes", price: 9, sku: "EA-2" },
      ],
    });
    const started = await startExport(ctx, { format: "csv", mode: "job" });
    if (started.kind !== "job") throw new Error("expected a background export");
    const id = started.export.id;

    await expect(runExport(ctx, id, undefined, { lastAttempt: false })).rejects.toThrow();
    const retrying = await getExport(ctx, id);
    expect(retrying.status).toBe("running");
    expect(retrying.error ?? null).toBeNull();

    await expect(runExport(ctx, id, undefined, { lastAttempt: true })).rejects.toThrow();
    const failed = await getExport(ctx, id);
    expect(failed.status).toBe("failed");
    // Not the storage error, which names a path on the server.
    expect(failed.error).toBe("The export could not be written; try again");
    expect(failed.error).not.toContain(notADirectory);
  });
});
