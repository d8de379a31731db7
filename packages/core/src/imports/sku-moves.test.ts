import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { imports, listings } from "@mbe/db";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { databaseDrivers } from "../../test/drivers";
import { sellerContext } from "../../test/seller";
import { CoreError } from "../errors";
import { createListing } from "../listings/create";
import { runImportCommit } from "./commit";
import { createImport } from "./create";
import type { ImportProblem } from "./schema";
import { redoImport, undoImport } from "./undo";

const drivers = databaseDrivers();
const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

// SKUs may move between the listings one file updates (a swap, a rotation, a listing taking the
// SKU another trades for a new one), as they may in one bulk write: a row taking a SKU stands
// only if the row of the listing holding it is accepted and gives it up, wherever it is in the file.
describe.each(drivers)("SKUs moving between the listings of one import on %s", (_name, open) => {
  let handle: ReturnType<typeof open> | undefined;
  async function seller() {
    handle ??= open();
    const h = await handle;
    const dir = mkdtempSync(path.join(os.tmpdir(), "mbe-sku-moves-"));
    folders.push(dir);
    const { ctx, storage, userId } = await sellerContext(h, dir);
    /** Uploads a CSV (or JSON) file as an import matched by id, analysed inline (its dry run). */
    const upload = async (
      text: string,
      mode: "update" | "upsert" = "update",
      fileName = "upload.csv",
    ) => {
      const bytes = new TextEncoder().encode(text);
      const storageKey = `imports/${randomUUID()}.csv`;
      await storage.put(storageKey, bytes);
      const file = {
        fileName,
        size: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        storageKey,
      };
      const imp = await createImport(ctx, file, { mode, matchBy: "id" });
      return { ...imp, problems: imp.problems as ImportProblem[] };
    };
    /** Commits the import as its job would (the request only marks it committing). */
    const commit = async (id: string) => {
      await h.db.update(imports).set({ status: "committing" }).where(eq(imports.id, id));
      return runImportCommit(ctx, id);
    };
    const skus = async () =>
      Object.fromEntries(
        (
          await h.db
            .select({ title: listings.title, sku: listings.sku })
            .from(listings)
            .where(eq(listings.ownerId, userId))
        ).map((l) => [l.title, l.sku]),
      );
    const listing = (title: string, sku: string) =>
      createListing(ctx, { title, price: 10, sku }) as Promise<{ id: string }>;
    return { ctx, upload, commit, skus, listing };
  }

  it("swaps the SKUs of two listings, and undoing the import swaps them back (redoing, again)", async () => {
    const { ctx, upload, commit, skus, listing } = await seller();
    const drill = await listing("Drill", "D-1");
    const saw = await listing("Saw", "S-1");
    const imp = await upload(`id,sku\n${drill.id},S-1\n${saw.id},D-1\n`);
    expect(imp.counts).toMatchObject({ rows: 2, update: 2, skip: 0, reject: 0, problems: 0 });
    const done = await commit(imp.id);
    expect(done.counts).toMatchObject({ updated: 2 });
    expect(await skus()).toEqual({ Drill: "S-1", Saw: "D-1" });
    const undone = await undoImport(ctx, imp.id);
    expect(undone.status).toBe("undone");
    expect(await skus()).toEqual({ Drill: "D-1", Saw: "S-1" });
    expect((await redoImport(ctx, imp.id)).status).toBe("committed");
    expect(await skus()).toEqual({ Drill: "S-1", Saw: "D-1" });
  }, 60_000);

  it("rolls a swap back whole when a SKU of the file is taken while the import commits", async () => {
    const { ctx, upload, skus, listing } = await seller();
    const drill = await listing("Drill", "D-1");
    const saw = await listing("Saw", "S-1");
    const plane = await listing("Plane", "P-1");
    const imp = await upload(`id,sku\n${drill.id},S-1\n${saw.id},D-1\n${plane.id},P-2\n`);
    expect(imp.counts).toMatchObject({ update: 3, reject: 0 });
    await ctx.db.update(imports).set({ status: "committing" }).where(eq(imports.id, imp.id));
    // Another write takes P-2 after the rows were decided, before they are merged.
    const failed = await runImportCommit(ctx, imp.id, async (p) => {
      if (p.stage === "merging") await listing("Shelf", "P-2");
    }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(CoreError);
    expect(failed).toMatchObject({
      code: "CONFLICT",
      message: "A SKU in the file was taken while the import committed",
    });
    expect(await skus()).toEqual({ Drill: "D-1", Saw: "S-1", Plane: "P-1", Shelf: "P-2" });
  }, 60_000);

  it("rotates the SKUs of three listings, read again by a commit after the listings changed", async () => {
    const { upload, commit, skus, listing } = await seller();
    const a = await listing("A", "SKU-A");
    const b = await listing("B", "SKU-B");
    const c = await listing("C", "SKU-C");
    // A takes B's SKU, B takes C's, C takes A's: each holder's row comes after its taker's but one.
    const imp = await upload(`id,sku\n${a.id},SKU-B\n${c.id},SKU-A\n${b.id},SKU-C\n`);
    expect(imp.counts).toMatchObject({ rows: 3, update: 3, reject: 0, problems: 0 });
    // A listing saved since the dry run: the commit decides the rows from the file again.
    await listing("D", "SKU-D");
    const done = await commit(imp.id);
    expect(done.counts).toMatchObject({ update: 3, updated: 3 });
    expect(await skus()).toEqual({ A: "SKU-B", B: "SKU-C", C: "SKU-A", D: "SKU-D" });
  }, 60_000);

  it("moves a SKU to a listing when its holder takes a new one, before or after it in the file", async () => {
    const { ctx, upload, commit, skus, listing } = await seller();
    const a = await listing("A", "SKU-A");
    const b = await listing("B", "SKU-B");
    const c = await listing("C", "SKU-C");
    const imp = await upload(`id,sku\n${b.id},SKU-B2\n${a.id},SKU-B\n${c.id},SKU-A\n`);
    expect(imp.counts).toMatchObject({ rows: 3, update: 3, reject: 0 });
    await commit(imp.id);
    expect(await skus()).toEqual({ A: "SKU-B", B: "SKU-B2", C: "SKU-A" });
    await undoImport(ctx, imp.id);
    expect(await skus()).toEqual({ A: "SKU-A", B: "SKU-B", C: "SKU-C" });
  }, 60_000);

  it("refuses a row taking the SKU of a listing whose row is refused, and the rows taking its SKU in turn", async () => {
    const { upload, commit, skus, listing } = await seller();
    const a = await listing("A", "SKU-A");
    const b = await listing("B", "SKU-B");
    const c = await listing("C", "SKU-C");
    const d = await listing("D", "SKU-D");
    // C takes A's SKU, A takes B's, and B's row is refused: A keeps its SKU, so C is refused too.
    const imp = await upload(
      `id,sku,price\n${c.id},SKU-A,11\n${a.id},SKU-B,12\n${b.id},SKU-B2,abc\n${d.id},SKU-D,14\n`,
    );
    expect(imp.counts).toMatchObject({ rows: 4, update: 1, skip: 0, reject: 3 });
    const taken = imp.problems.filter((p) => p.code === "SKU_TAKEN");
    expect(taken).toEqual([
      expect.objectContaining({
        row: 2,
        column: "sku",
        value: "SKU-A",
        severity: "error",
        message: expect.stringMatching(/row 3 is refused/),
      }),
      expect.objectContaining({
        row: 3,
        column: "sku",
        value: "SKU-B",
        severity: "error",
        message: expect.stringMatching(/row 4 is refused/),
      }),
    ]);
    expect(imp.problems.find((p) => p.row === 4)).toMatchObject({ column: "price" });
    const done = await commit(imp.id);
    expect(done.counts).toMatchObject({ updated: 1 });
    expect(await skus()).toEqual({ A: "SKU-A", B: "SKU-B", C: "SKU-C", D: "SKU-D" });
  }, 60_000);

  it("refuses a row taking the SKU of a listing the file leaves alone, and the rows taking its SKU", async () => {
    const { upload, commit, skus, listing } = await seller();
    const a = await listing("A", "SKU-A");
    await listing("B", "SKU-B");
    const c = await listing("C", "SKU-C");
    const e = await listing("E", "SKU-E");
    // A takes the SKU of B, which the file does not update; C and E both take the SKU A was to
    // give up (a SKU twice in a file is refused the second time, as ever).
    const imp = await upload(
      `id,sku,price\n${a.id},SKU-B,11\n${c.id},SKU-A,13\n${e.id},SKU-A,14\n`,
    );
    expect(imp.counts).toMatchObject({ rows: 3, update: 0, reject: 3 });
    expect(imp.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          row: 2,
          code: "SKU_TAKEN",
          value: "SKU-B",
          message: "SKU 'SKU-B' already belongs to another listing",
        }),
        expect.objectContaining({
          row: 3,
          code: "SKU_TAKEN",
          value: "SKU-A",
          message: expect.stringMatching(/row 2 is refused/),
        }),
        expect.objectContaining({ row: 4, code: "DUPLICATE_IN_FILE" }),
      ]),
    );
    expect(imp.problems).toHaveLength(3);
    await commit(imp.id);
    expect(await skus()).toEqual({ A: "SKU-A", B: "SKU-B", C: "SKU-C", E: "SKU-E" });
  }, 60_000);

  it("moves a SKU off a listing whose row clears its SKU", async () => {
    const { upload, commit, skus, listing } = await seller();
    const a = await listing("A", "SKU-A");
    const b = await listing("B", "SKU-B");
    const imp = await upload(`id,sku\n${a.id},SKU-B\n${b.id},\n`);
    expect(imp.counts).toMatchObject({ rows: 2, update: 2, reject: 0 });
    await commit(imp.id);
    expect(await skus()).toEqual({ A: "SKU-B", B: null });
  }, 60_000);

  it("refuses a new listing taking a SKU the import frees, saying which row frees it", async () => {
    const { upload, commit, skus, listing } = await seller();
    const a = await listing("A", "SKU-A");
    const imp = await upload(`id,title,price,sku\n,New,5,SKU-A\n${a.id},A,10,SKU-A2\n`, "upsert");
    expect(imp.counts).toMatchObject({ rows: 2, create: 0, update: 1, reject: 1 });
    expect(imp.problems).toEqual([
      expect.objectContaining({
        row: 2,
        column: "sku",
        code: "SKU_TAKEN",
        message: expect.stringMatching(/freed by row 3.*cannot take it in the same import/),
      }),
    ]);
    await commit(imp.id);
    expect(await skus()).toEqual({ A: "SKU-A2" });
  }, 60_000);

  it("lists a refused hand-over in row order among the file's other problems", async () => {
    const { upload, listing } = await seller();
    const a = await listing("A", "SKU-A");
    await listing("B", "SKU-B");
    // Row 2 takes the SKU of a listing the file leaves alone; 250 rows after it match nothing
    // (each skipped with a warning of its own).
    const unmatched = Array.from({ length: 250 }, (_, i) => `${randomUUID()},X-${i}`).join("\n");
    const imp = await upload(`id,sku\n${a.id},SKU-B\n${unmatched}\n`);
    expect(imp.counts).toMatchObject({ rows: 251, reject: 1, skip: 250, problems: 251 });
    // The first page of problems shown starts with it, as the file does.
    expect(imp.problems[0]).toMatchObject({ row: 2, code: "SKU_TAKEN", value: "SKU-B" });
    expect(imp.problems.map((p) => p.row)).toEqual(
      [...imp.problems.map((p) => p.row)].sort((x, y) => x - y),
    );
  }, 60_000);
});
