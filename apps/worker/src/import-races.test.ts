import {
  analyzeImport,
  CommitSuperseded,
  type CoreContext,
  CoreError,
  createListing,
  deleteListing,
  listListings,
  requestImportCommit,
  runImportCommit,
} from "@mbe/core";
import { imports, rowsOf } from "@mbe/db";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRuntime, until } from "../test/runtime";
import { startWorkers, type WorkerOptions } from "./index";

const { db, bullRedis, queues, opts, seller, importCsv, close } = testRuntime("ir");

beforeAll(() => db.migrate());
afterAll(() => close());

const conflict = (e: unknown) => e instanceof CoreError && e.code === "CONFLICT";
const titles = async (ctx: CoreContext) =>
  (await listListings(ctx, { limit: 100, sort: "title:asc" })).items.map((l) => l.title);
/** The context with its storage's `localFile` replaced. */
function withLocalFile(
  ctx: CoreContext,
  localFile: (
    read: CoreContext["storage"]["localFile"],
    key: string,
  ) => ReturnType<CoreContext["storage"]["localFile"]>,
): CoreContext {
  return {
    ...ctx,
    storage: new Proxy(ctx.storage, {
      get(target, prop) {
        if (prop === "localFile")
          return (key: string) => localFile(target.localFile.bind(target), key);
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }),
  };
}

/** The context with its file reads held until `release` is called. */
function gatedFiles(ctx: CoreContext) {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const slow = withLocalFile(ctx, async (read, key) => {
    await gate;
    return read(key);
  });
  return { slow, release };
}
const staged = async (id: string) =>
  rowsOf<{ n: number }>(
    await db.db.execute(
      sql`select count(*)::int as n from import_staging where import_id = ${id}::uuid`,
    ),
  )[0]?.n;
const statusOf = async (id: string) =>
  (await db.db.select().from(imports).where(eq(imports.id, id)))[0]?.status;

describe("imports racing other writes", () => {
  it("does not drop a file row whose listing was deleted while the import committed", async () => {
    const { ctx } = await seller("Race");
    const drill = await createListing(ctx, { title: "Old drill", price: 10, sku: "D-1" });
    await createListing(ctx, { title: "Old saw", price: 5, sku: "S-1" });
    const imp = await importCsv(ctx, "title,price,sku\nNew drill,40,D-1\nNew saw,25,S-1\n", {
      mode: "upsert",
      matchBy: "sku",
    });
    expect(imp.counts).toMatchObject({ update: 2 });
    await requestImportCommit(ctx, imp.id, {});
    // The drill goes just before the merge, after the commit chose to reuse the dry run.
    const first = runImportCommit(ctx, imp.id, async (p) => {
      if (p.stage === "merging") await deleteListing(ctx, drill.id);
    });
    await expect(first).rejects.toSatisfy(conflict);
    expect(await titles(ctx)).toEqual(["Old saw"]);
    // The retry decides again from the file: the drill is created anew.
    const done = await runImportCommit(ctx, imp.id);
    expect(done.status).toBe("committed");
    expect(done.counts).toMatchObject({ created: 1, updated: 1 });
    expect(await titles(ctx)).toEqual(["New drill", "New saw"]);
  }, 60_000);

  it("cannot be committed, or analysed twice at once, while a new dry run rewrites its staging", async () => {
    const { ctx } = await seller("Reanalyse");
    const imp = await importCsv(ctx, "title,price\nLamp,12\nChair,30\n", {});
    expect(imp.status).toBe("previewed");
    const { slow, release } = gatedFiles(ctx);
    const analysis = analyzeImport(slow, imp.id, { mode: "create" });
    for (let i = 0; i < 100 && (await statusOf(imp.id)) !== "uploaded"; i++)
      await new Promise((r) => setTimeout(r, 20));
    await expect(requestImportCommit(ctx, imp.id, {})).rejects.toSatisfy(conflict);
    await expect(analyzeImport(ctx, imp.id, {})).rejects.toSatisfy(conflict);
    release();
    const done = await analysis;
    expect(done).toMatchObject({ status: "previewed", mode: "create" });
    expect(done.counts).toMatchObject({ create: 2 });
    expect((await requestImportCommit(ctx, imp.id, {})).status).toBe("committing");
    expect((await runImportCommit(ctx, imp.id)).counts).toMatchObject({ created: 2 });
    expect(await titles(ctx)).toEqual(["Chair", "Lamp"]);
  }, 60_000);
  it("leaves an import to the next attempt, not failed, when its dry run fails unexpectedly", async () => {
    const { ctx } = await seller("Retry");
    const imp = await importCsv(ctx, "title,price\nLamp,12\n", {});
    const broken = withLocalFile(ctx, async () => {
      throw new Error("connection reset");
    });
    await expect(analyzeImport(broken, imp.id, {}, { lastAttempt: false })).rejects.toThrow(
      "connection reset",
    );
    const [between] = await db.db.select().from(imports).where(eq(imports.id, imp.id));
    expect(between?.status).toBe("uploaded");
    expect(between?.counts).not.toHaveProperty("_analysis");
    expect(await staged(imp.id)).toBe(0);
    // The next attempt takes it at once (no lease left behind); the last one records the failure.
    await expect(analyzeImport(broken, imp.id, {})).rejects.toThrow("connection reset");
    expect(await statusOf(imp.id)).toBe("failed");
    expect((await analyzeImport(ctx, imp.id, {})).status).toBe("previewed");
  }, 60_000);

  it("merges only in the run that took the commit over when its job runs twice at once", async () => {
    const { ctx } = await seller("Twice");
    const imp = await importCsv(ctx, "title,price\nLamp,12\nChair,30\nDesk,80\n", {});
    // A listing saved after the dry run: each run stages the file again.
    await createListing(ctx, { title: "Shelf", price: 40 });
    await requestImportCommit(ctx, imp.id, {});
    let reachMerge!: () => void;
    const atMerge = new Promise<void>((r) => {
      reachMerge = r;
    });
    let resume!: () => void;
    const held = new Promise<void>((r) => {
      resume = r;
    });
    // The first run has staged the file and is about to merge when its job's lock is lost...
    const first = runImportCommit(ctx, imp.id, async (p) => {
      if (p.stage !== "merging") return;
      reachMerge();
      await held;
    });
    await atMerge;
    expect(await staged(imp.id)).toBe(3);
    // ...and BullMQ starts the job again: the second run clears the staging rows and reads the file.
    const { slow, release } = gatedFiles(ctx);
    const second = runImportCommit(slow, imp.id);
    for (let i = 0; i < 200 && (await staged(imp.id)) !== 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await staged(imp.id)).toBe(0);
    resume();
    await expect(first).rejects.toBeInstanceOf(CommitSuperseded);
    expect(await statusOf(imp.id)).toBe("committing");
    release();
    expect((await second).counts).toMatchObject({ created: 3 });
    expect(await titles(ctx)).toEqual(["Chair", "Desk", "Lamp", "Shelf"]);
  }, 60_000);

  it("merges only the dry run's rows it adopted, not those another run left staged beside them", async () => {
    const { ctx } = await seller("Stray");
    const imp = await importCsv(ctx, "title,price\nLamp,12\nChair,30\n", {});
    await requestImportCommit(ctx, imp.id, {});
    // The dry run's rows are merged as they stand: the file is not read again.
    const noFile = withLocalFile(ctx, async () => {
      throw new Error("the file was read again");
    });
    // Rows a run taken over staged under its own number after this one had adopted the dry
    // run's: a copy of the lamp under the same file row, and another under a row of its own.
    let beside = 0;
    const done = await runImportCommit(noFile, imp.id, async (p) => {
      if (p.stage !== "merging") return;
      await db.db.execute(sql`insert into import_staging (import_id, run, row_no, target_id, new_id, data)
          select s.import_id, s.run + 1, s.row_no + r.d, null, n.id, s.data || jsonb_build_object('id', n.id)
          from import_staging s, (values (0), (97)) r(d), lateral (select gen_random_uuid() as id, r.d) n
          where s.import_id = ${imp.id}::uuid and s.row_no = (select min(row_no) from import_staging where import_id = ${imp.id}::uuid)`);
      beside = (await staged(imp.id)) ?? 0;
    });
    expect(beside).toBe(4);
    expect(done.counts).toMatchObject({ created: 2 });
    expect(await titles(ctx)).toEqual(["Chair", "Lamp"]);
    // The stray rows went with the merged ones.
    expect(await staged(imp.id)).toBe(0);
  }, 60_000);

  it("lets a run taken over stage its rows late, neither merged nor failing the run that took over", async () => {
    const { ctx } = await seller("Late");
    const imp = await importCsv(ctx, "title,price\nLamp,12\nChair,30\nDesk,80\n", {});
    // A listing saved after the dry run: each run stages the file again.
    await createListing(ctx, { title: "Shelf", price: 40 });
    await requestImportCommit(ctx, imp.id, {});
    const commitRun = async () =>
      (await db.db.select().from(imports).where(eq(imports.id, imp.id)))[0]?.counts._commitRun;
    // The first run has taken the commit and cleared the staging area, and is about to read the
    // file when its job's lock is lost...
    let reachFile!: () => void;
    const atFile = new Promise<void>((r) => {
      reachFile = r;
    });
    let openFile!: () => void;
    const fileOpen = new Promise<void>((r) => {
      openFile = r;
    });
    const first = runImportCommit(
      withLocalFile(ctx, async (read, key) => {
        reachFile();
        await fileOpen;
        return read(key);
      }),
      imp.id,
    );
    await atFile;
    const firstRun = await commitRun();
    // ...and BullMQ starts the job again: the second run takes the commit over and stages the
    // file, then waits to merge...
    let reachMerge!: () => void;
    const atMerge = new Promise<void>((r) => {
      reachMerge = r;
    });
    let resume!: () => void;
    const held = new Promise<void>((r) => {
      resume = r;
    });
    const second = runImportCommit(ctx, imp.id, async (p) => {
      if (p.stage !== "merging") return;
      reachMerge();
      await held;
    });
    await atMerge;
    expect(await commitRun()).not.toBe(firstRun);
    expect(await staged(imp.id)).toBe(3);
    // ...while the first run, unaware, stages the same file rows: they are its own, beside the
    // second run's, and it stops when it finds itself taken over.
    openFile();
    await expect(first).rejects.toBeInstanceOf(CommitSuperseded);
    expect(await staged(imp.id)).toBe(6);
    expect(await statusOf(imp.id)).toBe("committing");
    // The second run merges its own rows only: each file row lands once.
    resume();
    expect((await second).counts).toMatchObject({ created: 3 });
    expect(await titles(ctx)).toEqual(["Chair", "Desk", "Lamp", "Shelf"]);
    expect(await staged(imp.id)).toBe(0);
  }, 60_000);

  it("answers with the committed import when the run it was to take over merged first", async () => {
    const { ctx } = await seller("Overtaken");
    const imp = await importCsv(ctx, "title,price\nLamp,12\n", {});
    await requestImportCommit(ctx, imp.id, {});
    // Another run holds the import's row while it merges; this run, started meanwhile, reads the
    // import as committing and waits to claim it...
    let late: Promise<unknown> | undefined;
    await db.db.transaction(async (tx) => {
      await tx.execute(sql`select id from imports where id = ${imp.id}::uuid for update`);
      late = runImportCommit(ctx, imp.id).catch((e: unknown) => e);
      await until(async () => {
        const [w] = rowsOf<{ n: number }>(
          await db.db.execute(sql`select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`),
        );
        return (w?.n ?? 0) > 0;
      });
      // ...until the other run's merge commits.
      await tx.update(imports).set({ status: "committed" }).where(eq(imports.id, imp.id));
    });
    const answer = await late;
    expect(answer).toMatchObject({ id: imp.id, status: "committed" });
  }, 60_000);

  it("decides again when a SKU it was to create is taken by a write its dry run could not see", async () => {
    const { ctx } = await seller("Unseen");
    const recent = await createListing(ctx, { title: "Lamp", price: 12, sku: "L-1" });
    const older = await createListing(ctx, { title: "Old drill", price: 10 });
    await db.db.execute(
      sql`update listings set updated_at = now() - interval '1 hour', created_at = now() - interval '1 hour' where id = ${older.id}::uuid`,
    );
    const imp = await importCsv(ctx, "title,price,sku\nNew drill,40,D-1\n", {
      mode: "upsert",
      matchBy: "sku",
    });
    expect(imp.counts).toMatchObject({ create: 1 });
    // A write that began before the dry run and ended after it: it takes the SKU, and leaves
    // the listings' count and newest timestamps as the dry run saw them.
    await db.db.execute(
      sql`update listings set sku = 'D-1', updated_at = now() - interval '30 minutes' where id = ${older.id}::uuid`,
    );
    expect(recent.sku).toBe("L-1");
    await requestImportCommit(ctx, imp.id, {});
    await expect(runImportCommit(ctx, imp.id)).rejects.toSatisfy(conflict);
    const done = await runImportCommit(ctx, imp.id);
    expect(done.counts).toMatchObject({ created: 0, updated: 1 });
    expect(await titles(ctx)).toEqual(["Lamp", "New drill"]);
  }, 60_000);

  it("leaves an import to the newer run, neither failed nor changed, when a job's run is taken over on its last attempt", async () => {
    const { ctx } = await seller("Taken");
    const imp = await importCsv(ctx, "title,price\nLamp,12\nChair,30\n", {});
    // A listing saved after the dry run: each run reads the file again.
    await createListing(ctx, { title: "Shelf", price: 40 });
    await requestImportCommit(ctx, imp.id, {});
    // The commit's job on its last attempt: a failure of this run would be final.
    const jobId = `commit-${imp.id}`;
    const queued = await queues.imports.getJob(jobId);
    if (!queued) throw new Error("the commit was not queued");
    await queued.remove();
    await queues.imports.add("run-import", queued.data, { jobId, attempts: 1 });

    /** A worker process of its own: its own Redis connection, its file reads held at a gate. */
    function workerProcess() {
      let release!: () => void;
      let signal!: () => void;
      const open = new Promise<void>((r) => {
        release = r;
      });
      const reached = new Promise<void>((r) => {
        signal = r;
      });
      const redis = bullRedis.duplicate();
      const storage = opts.runtime.storage;
      const options: WorkerOptions = {
        ...opts,
        runtime: {
          ...opts.runtime,
          bullRedis: redis,
          storage: new Proxy(storage, {
            get(target, prop) {
              if (prop === "localFile")
                return async (key: string) => {
                  signal();
                  await open;
                  return target.localFile(key);
                };
              const v = Reflect.get(target, prop);
              return typeof v === "function" ? v.bind(target) : v;
            },
          }),
        },
        config: { ...opts.config, WORKER_LOCK_MS: 1000, WORKER_STALLED_INTERVAL_MS: 300 },
      };
      return { options, redis, reached, release };
    }
    const commitRun = async () =>
      (await db.db.select().from(imports).where(eq(imports.id, imp.id)))[0]?.counts._commitRun;
    const a = workerProcess();
    const b = workerProcess();
    let closingA: Promise<void> | undefined;
    let stopB: ((timeoutMs?: number) => Promise<void>) | undefined;
    try {
      const stopA = await startWorkers(a.options);
      // The first run has taken the commit and reads the file, on a worker that is shutting
      // down (it takes no other job and lets this one finish)...
      await a.reached;
      const first = await commitRun();
      expect(first).toBeDefined();
      closingA = stopA();
      stopB = await startWorkers(b.options);
      // ...when it loses Redis: it stages the file and then waits on Redis to report its
      // progress, while its job's lock lapses.
      a.redis.stream.pause();
      a.release();
      await until(async () => (await staged(imp.id)) === 2);
      // BullMQ's stalled check starts the job again on the other worker: the second run takes
      // the commit over, clears the staging area and reads the file.
      await b.reached;
      expect(await commitRun()).not.toBe(first);
      expect(await staged(imp.id)).toBe(0);
      // The first worker reaches Redis again: its run finds itself taken over and stops, and
      // the worker's shutdown completes.
      a.redis.stream.resume();
      await closingA;
      const [between] = await db.db.select().from(imports).where(eq(imports.id, imp.id));
      expect(between?.status).toBe("committing");
      expect(between?.error).toBeNull();
      expect(await titles(ctx)).toEqual(["Shelf"]);
      expect(await queues.imports.getJobState(jobId)).toBe("active");
      // The newer run commits the file.
      b.release();
      const done = await until(async () => {
        const [row] = await db.db.select().from(imports).where(eq(imports.id, imp.id));
        return row?.status !== "committing" ? row : undefined;
      });
      expect(done.status).toBe("committed");
      expect(done.counts).toMatchObject({ created: 2 });
      expect(await titles(ctx)).toEqual(["Chair", "Lamp", "Shelf"]);
      await until(async () => (await queues.imports.getJobState(jobId)) === "completed");
    } finally {
      a.redis.stream.resume();
      a.release();
      b.release();
      await closingA;
      await stopB?.(5000);
      a.redis.disconnect();
      b.redis.disconnect();
    }
  }, 60_000);
});
