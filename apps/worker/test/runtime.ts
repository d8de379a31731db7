import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  type CoreContext,
  type CreateImportOptions,
  createImport,
  LocalStorage,
  register,
} from "@mbe/core";
import { pollUntil } from "@mbe/core/testing";
import { createDb } from "@mbe/db";
import { createQueues } from "@mbe/jobs";
import { Redis } from "ioredis";
import { inject } from "vitest";
import { jobContext, type WorkerOptions } from "../src/index";

const silent = { info() {}, warn() {}, error() {} };

/**
 * What a worker test runs on: the run's PostgreSQL and Redis, queues under their own prefix, and a
 * data folder of its own (`storageRoot` picks where files go inside it; `files/` by default).
 */
export function testRuntime(tag: string, storageRoot?: (dataDir: string) => string) {
  const db = createDb({ url: inject("databaseUrl"), max: 3 });
  const bullRedis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
  const prefix = `${tag}${Math.random().toString(36).slice(2, 8)}`;
  const queues = createQueues(bullRedis, prefix);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `mbe-${tag}-`));
  const opts: WorkerOptions = {
    runtime: {
      db,
      bullRedis,
      queues,
      dataDir,
      storage: new LocalStorage(storageRoot?.(dataDir) ?? path.join(dataDir, "files")),
      hooks: {},
    },
    config: { QUEUE_PREFIX: prefix },
    log: silent,
  };
  return {
    db,
    bullRedis,
    prefix,
    queues,
    dataDir,
    opts,
    /** A new seller (unique email) and a job context acting for them. */
    async seller(name: string) {
      const reg = await register(jobContext(opts, randomUUID(), "setup"), {
        email: `${name.toLowerCase()}-${randomUUID()}@example.com`,
        password: "correct-horse-battery",
        firstName: name,
        lastName: "Test",
      });
      return { id: reg.user.id, ctx: jobContext(opts, reg.user.id, "test") };
    },
    /** Stores `csv` and uploads it as an import of the seller `ctx` acts for (dry run included). */
    async importCsv(ctx: CoreContext, csv: string, options: CreateImportOptions = {}) {
      const bytes = new TextEncoder().encode(csv);
      const storageKey = `imports/${randomUUID()}.csv`;
      await opts.runtime.storage.put(storageKey, bytes);
      return createImport(
        ctx,
        {
          fileName: "upload.csv",
          size: bytes.length,
          sha256: createHash("sha256").update(bytes).digest("hex"),
          storageKey,
        },
        options,
      );
    },
    /** Removes the test's jobs, connections and files. */
    async close() {
      for (const q of [queues.imports, queues.exports, queues.ocr])
        await q.obliterate({ force: true }).catch(() => {});
      await queues.close();
      bullRedis.disconnect();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it answers something truthy (at most `timeoutMs`). */
export function until<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  return pollUntil(check, timeoutMs);
}
