import { createJsonLogger, LocalStorage, searchIndexHooks } from "@mbe/core";
import { logLinesDuring } from "@mbe/core/testing";
import { createDb } from "@mbe/db";
import { createQueues } from "@mbe/jobs";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { jobContext } from "./index";

const deadRedis = new Redis("redis://127.0.0.1:1", {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
});
deadRedis.on("error", () => {});
const deadQueues = createQueues(deadRedis, "dead");
const db = createDb({ url: inject("databaseUrl"), max: 1 });
afterAll(async () => {
  await deadQueues.close().catch(() => {});
  deadRedis.disconnect();
  await db.close();
});

describe("worker log lines", () => {
  it("carry the job id and queue, also from hooks the job's verbs call", async () => {
    const log = createJsonLogger("info");
    const ctx = jobContext(
      {
        runtime: {
          db,
          bullRedis: deadRedis,
          queues: deadQueues,
          dataDir: "",
          storage: new LocalStorage("/tmp/mbe-worker-log-test"),
          // Built once for the process with its root logger, as main.ts does.
          hooks: searchIndexHooks(deadQueues, log),
        },
        config: { QUEUE_PREFIX: "dead" },
        log,
      },
      "00000000-0000-4000-8000-000000000001",
      "export-42",
      "exports",
    );
    const lines = await logLinesDuring(async () => {
      ctx.log.info({ rows: 3 }, "verb line");
      await ctx.hooks.listingsChanged?.("00000000-0000-4000-8000-000000000001", {
        upsert: ["00000000-0000-4000-8000-000000000002"],
        remove: [],
      });
    });
    expect(lines.map((l) => l.msg)).toEqual(["verb line", "could not queue search indexing"]);
    for (const l of lines) {
      expect(l).toMatchObject({ jobId: "export-42", queue: "exports" });
      expect(typeof l.time).toBe("string");
    }
  });

  it("drops lines below the configured level", async () => {
    const lines = await logLinesDuring(async () => {
      const log = createJsonLogger("warn");
      log.info({}, "quiet");
      log.warn({}, "loud");
    });
    expect(lines.map((l) => l.msg)).toEqual(["loud"]);
  });
});
