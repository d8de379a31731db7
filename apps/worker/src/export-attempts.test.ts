import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  bulkUpsertListings,
  getExport,
  LocalStorage,
  register,
  runExport,
  startExport,
} from "@mbe/core";
import { createDb } from "@mbe/db";
import { createQueues } from "@mbe/jobs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { jobContext, type WorkerOptions } from "./index";

const silent = { info() {}, warn() {}, error() {} };
const db = createDb({ url: inject("databaseUrl"), max: 3 });
const bullRedis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
const prefix = `ea${Math.random().toString(36).slice(2, 8)}`;
const queues = createQueues(bullRedis, prefix);
const dataDir = mkdtempSync(path.join(os.tmpdir(), "mbe-export-attempts-"));
// Storage rooted at a plain file: every write fails as a full or unwritable disk would.
const notADirectory = path.join(dataDir, "not-a-directory");
writeFileSync(notADirectory, "");
const opts: WorkerOptions = {
  runtime: {
    db,
    bullRedis,
    queues,
    dataDir,
    storage: new LocalStorage(notADirectory),
    hooks: {},
  },
  config: { QUEUE_PREFIX: prefix },
  log: silent,
};

beforeAll(() => db.migrate());
afterAll(async () => {
  await queues.exports.obliterate({ force: true }).catch(() => {});
  await queues.close();
  bullRedis.disconnect();
  await db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("an export job that fails", () => {
  it("stays running while attempts are left, then fails with a message for the seller", async () => {
    const reg = await register(jobContext(opts, randomUUID(), "setup"), {
      email: `export-attempts-${randomUUID()}@example.com`,
      password: "correct-horse-battery",
      firstName: "Export",
      lastName: "Attempts",
    });
    const ctx = jobContext(opts, reg.user.id, "test");
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
