import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { imports } from "@mbe/db";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { databaseDrivers } from "../../test/drivers";
import { sellerContext } from "../../test/seller";
import { runImportCommit } from "./commit";
import { analyzeImport, createImport } from "./create";
import { listImports } from "./get";

const drivers = databaseDrivers();
const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

// The mapping step shows an example value for every column of the seller's file, so the dry run
// keeps the first non-empty value of each column with the import.
describe.each(drivers)("an import's sample values on %s", (_name, open) => {
  let handle: ReturnType<typeof open> | undefined;
  async function seller() {
    handle ??= open();
    const h = await handle;
    const dir = mkdtempSync(path.join(os.tmpdir(), "mbe-samples-"));
    folders.push(dir);
    const { ctx, storage } = await sellerContext(h, dir);
    /** Uploads `csv` as an import, analysed inline. */
    const upload = async (csv: string) => {
      const bytes = new TextEncoder().encode(csv);
      const storageKey = `imports/${randomUUID()}.csv`;
      await storage.put(storageKey, bytes);
      const file = {
        fileName: "supplier.csv",
        size: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        storageKey,
      };
      return createImport(ctx, file, { mode: "upsert", matchBy: "sku" });
    };
    return { h, ctx, upload };
  }

  it("gives every column of the file a sample, kept through a new mapping and a commit", async () => {
    const { h, ctx, upload } = await seller();
    const imp = await upload("Name,Cost,Code,Remarks\nLamp,12,L-1,\nChair,30,C-1,  oak  \n");
    expect(imp.samples).toEqual({ Name: "Lamp", Cost: "12", Code: "L-1", Remarks: "oak" });
    // The samples are not counts.
    expect(imp.counts).not.toHaveProperty("_samples");

    const again = await analyzeImport(ctx, imp.id, {
      mapping: { Name: "title", Cost: "price", Code: "sku", Remarks: "ignore" },
    });
    expect(again.counts).toMatchObject({ create: 2 });
    expect(again.samples).toEqual(imp.samples);

    await h.db.update(imports).set({ status: "committing" }).where(eq(imports.id, imp.id));
    const done = await runImportCommit(ctx, imp.id);
    expect(done.status).toBe("committed");
    expect(done.samples).toEqual(imp.samples);
  }, 60_000);

  it("keeps at most 200 columns' samples", async () => {
    const { upload } = await seller();
    const headers = Array.from({ length: 250 }, (_, i) => `c${i}`);
    const imp = await upload(`${headers.join(",")}\n${headers.map((h) => `v-${h}`).join(",")}\n`);
    expect(Object.keys(imp.samples)).toHaveLength(200);
    expect(imp.samples.c0).toBe("v-c0");
  }, 60_000);

  it("cuts a sample by whole characters, so a value with emoji is stored", async () => {
    const { ctx, upload } = await seller();
    // The emoji straddles the 80th UTF-16 unit: cut there, half of it could not go into jsonb.
    const title = `${"x".repeat(79)}😀 lamp`;
    const imp = await upload(`Name,Cost\n${title},12\n`);
    expect(imp.status).toBe("previewed");
    expect(imp.samples.Name).toBe(`${"x".repeat(79)}😀`);
    // The file history lists the import without them.
    const list = await listImports(ctx, { limit: 10 });
    expect(list.items.find((i) => i.id === imp.id)?.samples).toEqual({});
  }, 60_000);
});
