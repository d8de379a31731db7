import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { createListing, createSearchPort, type SearchPort } from "@mbe/core";
import {
  memoryActiveStore,
  type OpenAIStub,
  startOpenAIStub,
  startTestChroma,
} from "@mbe/search/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { testRuntime, until } from "../../test/runtime";
import { startWorkers } from "../index";

const rt = testRuntime("sr");
const { db, queues, opts } = rt;
let chroma: Awaited<ReturnType<typeof startTestChroma>>;
let stub: OpenAIStub;
let search: SearchPort;
const replicas: Array<(timeoutMs?: number) => Promise<void>> = [];
let child: ChildProcess | undefined;
/**
 * Job locks of 5 s make the rebuild mark live 10 s unless renewed: rebuilds here take longer, so
 * only its renewal keeps the others waiting. (Shorter locks are lost to a busy machine's stalls:
 * the whole suite runs beside this file.) Stalled jobs are looked for only every 2 minutes, so
 * a dead worker's job stays "active" in BullMQ throughout the test.
 */
const LOCKS = { WORKER_LOCK_MS: 5000, WORKER_STALLED_INTERVAL_MS: 120_000 };
const runningMark = () => rt.bullRedis.get(`${opts.config.QUEUE_PREFIX}:search-rebuilding`);

/** No job waiting, running or waiting for a retry (the nightly rebuild is delayed all along). */
const idle = async () =>
  (await queues.searchIndex.getWaitingCount()) + (await queues.searchIndex.getActiveCount()) ===
    0 &&
  (await queues.searchIndex.getDelayed()).every((j) => j.id?.startsWith("repeat:nightly-rebuild"));

beforeAll(async () => {
  await db.migrate();
  [chroma, stub] = await Promise.all([startTestChroma(), startOpenAIStub()]);
  search = createSearchPort({
    chromaUrl: chroma.url,
    activeStore: memoryActiveStore(),
    prefix: opts.config.QUEUE_PREFIX,
    openaiApiKey: "sk-test",
    openaiBaseUrl: stub.url,
  });
  opts.runtime.search = search;
  Object.assign(opts.config, LOCKS);
  replicas.push(await startWorkers(opts), await startWorkers(opts));
  await until(async () => (await search.index.status()).active !== null && (await idle()));
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  for (const stop of replicas) await stop(5000);
  await queues.searchIndex.obliterate({ force: true }).catch(() => {});
  await stub?.stop();
  await chroma?.stop();
  await rt.close();
});

describe("rebuilds asked for together", () => {
  it("run one after the other over the worker replicas, each to its swap", async () => {
    const { id: ownerId, ctx } = await rt.seller("Serial");
    const title = `Cast iron skillet ${randomUUID()}`;
    await createListing(ctx, { title, price: 30 });
    // The new listing's own index job done, the next embedding request is a rebuild's.
    await until(idle, 60_000);
    // That one request answers slowly, so the rebuild is still running when the other replica is
    // free, and for longer than its mark lives without renewal. Only that one: a rebuild embeds
    // every listing of the test database, however many other suites left there.
    let slowed = false;
    stub.setDelay(12_000, (r) => {
      if (slowed || !r.path.endsWith("/embeddings")) return false;
      slowed = true;
      return true;
    });
    try {
      // The nightly one and one an administrator asked for, say.
      const ids = [`serial-a-${randomUUID()}`, `serial-b-${randomUUID()}`];
      await Promise.all(ids.map((jobId) => queues.searchIndex.add("rebuild-index", {}, { jobId })));
      await until(idle, 100_000);
      const jobs = await Promise.all(ids.map((id) => queues.searchIndex.getJob(id)));
      for (const job of jobs) {
        expect(await job?.getState()).toBe("completed");
        // Neither failed an attempt at its swap, or had its generation dropped by the other.
        expect(job?.stacktrace ?? []).toEqual([]);
      }
      const generations = jobs.map((j) => j?.returnvalue?.generation);
      expect(new Set(generations).size).toBe(2);
      expect((await search.index.status()).active).toBe(
        generations.sort((a, b) => Number(a.split("_").at(-1)) - Number(b.split("_").at(-1)))[1],
      );
    } finally {
      stub.setDelay(0);
    }
    const hits = await search.index.query(ownerId, title, { k: 5 });
    expect(hits[0]?.score).toBeGreaterThan(0.999);
  }, 150_000);

  it("do not wait long for a rebuild whose worker process died", async () => {
    for (const stop of replicas.splice(0)) await stop(5000);
    // A real worker process starts a rebuild, which hangs on embedding...
    stub.setDelay(30_000, (r) => r.path.endsWith("/embeddings"));
    child = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
      cwd: path.resolve(__dirname, "../../../.."),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: inject("databaseUrl"),
        REDIS_URL: inject("redisUrl"),
        DATA_DIR: rt.dataDir,
        QUEUE_PREFIX: opts.config.QUEUE_PREFIX,
        CHROMA_URL: chroma.url,
        OPENAI_API_KEY: "sk-test",
        OPENAI_BASE_URL: stub.url,
        LOG_LEVEL: "silent",
        WORKER_LOCK_MS: String(LOCKS.WORKER_LOCK_MS),
        WORKER_STALLED_INTERVAL_MS: String(LOCKS.WORKER_STALLED_INTERVAL_MS),
      },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    await queues.searchIndex.add("rebuild-index", {}, { jobId: `doomed-${randomUUID()}` });
    const holder = await until(runningMark, 60_000);
    await until(async () => (await queues.searchIndex.getJobState(holder)) === "active");
    // ...and the process is killed mid-way, its job left "active" in BullMQ.
    child.kill("SIGKILL");
    await exited;
    stub.setDelay(0);
    const killedAt = Date.now();
    const jobId = `after-crash-${randomUUID()}`;
    await queues.searchIndex.add("rebuild-index", {}, { jobId });
    replicas.push(await startWorkers(opts));
    const job = await until(async () => {
      const j = await queues.searchIndex.getJob(jobId);
      return (await j?.getState()) === "completed" ? j : undefined;
    }, 30_000);
    expect(job.returnvalue?.generation).toBeTruthy();
    // Not freed by BullMQ noticing the dead job: it is still "active" there.
    expect(await queues.searchIndex.getJobState(holder)).toBe("active");
    expect(Date.now() - killedAt).toBeLessThan(30_000);
  }, 120_000);
});
