import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { imports, listings, rowsOf } from "@mbe/db";
import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { databaseDrivers } from "../../test/drivers";
import { sellerContext } from "../../test/seller";
import type { CoreContext } from "../context";
import { createListing } from "../listings/create";
import { runImportCommit } from "./commit";
import { AnalysisNotAwaited, analyzeImport, createImport } from "./create";
import { stagingWriter } from "./stage";

const drivers = databaseDrivers();
const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

// Staged rows belong to the run that staged them (COPY on PostgreSQL, batched inserts on PGlite):
// a commit merges the rows of its own run, or of the dry run it adopts, and never the rows a run
// it took over from staged for the same file rows.
describe.each(drivers)("an import's staged rows on %s", (_name, open) => {
  let handle: ReturnType<typeof open> | undefined;
  async function seller() {
    handle ??= open();
    const h = await handle;
    const dir = mkdtempSync(path.join(os.tmpdir(), "mbe-stage-"));
    folders.push(dir);
    const { ctx, storage, userId } = await sellerContext(h, dir);
    /** Uploads `csv` as an import, analysed inline (the dry run stages its rows). */
    const upload = async (csv: string) => {
      const bytes = new TextEncoder().encode(csv);
      const storageKey = `imports/${randomUUID()}.csv`;
      await storage.put(storageKey, bytes);
      const file = {
        fileName: "upload.csv",
        size: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        storageKey,
      };
      return createImport(ctx, file, { mode: "upsert", matchBy: "sku" });
    };
    /** What a commit request leaves (its job is run here directly). */
    const committing = (id: string) =>
      h.db.update(imports).set({ status: "committing" }).where(eq(imports.id, id));
    /** Rows a run taken over stages late, under its own number, for the file's first rows. */
    const lateRows = async (id: string, run: number, lampId: string) => {
      const writer = stagingWriter(ctx, id, run);
      await writer.add([
        { row: 2, action: "update", targetId: lampId, data: { title: "Stray lamp" } },
        {
          row: 3,
          action: "create",
          data: { id: randomUUID(), title: "Stray chair", price: "1.00", currency: "USD" },
        },
      ]);
      await writer.flush();
    };
    const stagedCount = async (id: string) =>
      rowsOf<{ n: number }>(
        await h.db.execute(
          sql`select count(*)::int as n from import_staging where import_id = ${id}::uuid`,
        ),
      )[0]?.n;
    const titles = async () =>
      (
        await h.db
          .select({ title: listings.title })
          .from(listings)
          .where(eq(listings.ownerId, userId))
          .orderBy(listings.title)
      ).map((l) => l.title);
    return { ctx, upload, committing, lateRows, stagedCount, titles };
  }

  it("merges the dry run's rows it adopts, without reading the file, beside another run's", async () => {
    const { ctx, upload, committing, lateRows, stagedCount, titles } = await seller();
    const lamp = await createListing(ctx, { title: "Old lamp", price: 10, sku: "L-1" });
    const imp = await upload("title,price,sku\nLamp,12,L-1\nChair,30,C-1\n");
    expect(imp.counts).toMatchObject({ create: 1, update: 1 });
    await committing(imp.id);
    await lateRows(imp.id, 7, lamp.id);
    expect(await stagedCount(imp.id)).toBe(4);
    const noFile = {
      ...ctx,
      storage: {
        ...ctx.storage,
        localFile: async () => {
          throw new Error("the file was read again");
        },
      },
    } as CoreContext;
    const done = await runImportCommit(noFile, imp.id);
    expect(done.counts).toMatchObject({ created: 1, updated: 1 });
    expect(await titles()).toEqual(["Chair", "Lamp"]);
    expect(await stagedCount(imp.id)).toBe(0);
  }, 60_000);

  it("merges the rows it staged itself, not those another run staged meanwhile", async () => {
    const { ctx, upload, committing, lateRows, stagedCount, titles } = await seller();
    const lamp = await createListing(ctx, { title: "Old lamp", price: 10, sku: "L-1" });
    const imp = await upload("title,price,sku\nLamp,12,L-1\nChair,30,C-1\n");
    // A listing saved after the dry run: the commit stages the file again.
    await createListing(ctx, { title: "Shelf", price: 40 });
    await committing(imp.id);
    let beside = 0;
    const done = await runImportCommit(ctx, imp.id, async (p) => {
      if (p.stage !== "merging") return;
      await lateRows(imp.id, 7, lamp.id);
      beside = (await stagedCount(imp.id)) ?? 0;
    });
    expect(beside).toBe(4);
    expect(done.counts).toMatchObject({ created: 1, updated: 1 });
    expect(await titles()).toEqual(["Chair", "Lamp", "Shelf"]);
    expect(await stagedCount(imp.id)).toBe(0);
  }, 60_000);

  it("has a late dry-run job leave a committing or committed import as it is", async () => {
    const { ctx, upload, committing, titles } = await seller();
    const imp = await upload("title,price,sku\nLamp,12,L-1\n");
    await committing(imp.id);
    // The upload's own dry-run job, reaching the import once its commit was asked for...
    const late = () => analyzeImport(ctx, imp.id, {}, { onlyUploaded: true }).catch((e) => e);
    const whileCommitting = await late();
    expect(whileCommitting).toBeInstanceOf(AnalysisNotAwaited);
    expect(whileCommitting.importStatus).toBe("committing");
    // ...or once it was committed: nothing left to do, nothing for the job to retry.
    await runImportCommit(ctx, imp.id);
    const afterCommit = await late();
    expect(afterCommit).toBeInstanceOf(AnalysisNotAwaited);
    expect(afterCommit.importStatus).toBe("committed");
    expect(await titles()).toEqual(["Lamp"]);
  }, 60_000);
});
