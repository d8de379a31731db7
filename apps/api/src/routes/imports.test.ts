import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi, upload, waitFor } from "../../test/harness";
import { commitAndWait, type Imp, listAll, uploadCsv } from "../../test/imports";

const FIXTURES = path.resolve(__dirname, "../../../../packages/formats/test/fixtures");
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(FIXTURES, name)));

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi(
    { RATE_LIMIT_PER_MINUTE: "100000", UPLOADS_PER_MINUTE: "1000" },
    { workers: true },
  );
});
afterAll(() => api.close());

describe("imports", () => {
  it("prunes the staged rows of dry runs nobody committed, and such an import still commits in full", async () => {
    const sql = api.db.sql;
    if (!sql) throw new Error("the test database handle exposes no raw client");
    const { pruneImportStaging } = await import("@mbe/core");
    const s = await signUp(api);
    const file = {
      name: "facebook-listings-small.xlsx",
      bytes: fixture("facebook-listings-small.xlsx"),
    };
    const old = await upload<Imp>(api, "/v1/imports", file, { token: s.accessToken });
    const fresh = await upload<Imp>(api, "/v1/imports", file, { token: s.accessToken });
    const staged = async (id: string) =>
      (
        await sql<
          { n: number }[]
        >`select count(*)::int as n from import_staging where import_id = ${id}`
      )[0]?.n;
    expect(await staged(old.body.id)).toBe(3);
    await sql`update imports set updated_at = now() - interval '2 days' where id = ${old.body.id}`;
    const pruned = await pruneImportStaging({ db: api.deps.db }, { olderThanHours: 24 });
    expect(pruned.rows).toBeGreaterThanOrEqual(3);
    expect(await staged(old.body.id)).toBe(0);
    expect(await staged(fresh.body.id)).toBe(3);
    // The commit reads the file again instead of merging the (now empty) staged set.
    const done = await commitAndWait(api, s, old.body.id);
    expect(done.status).toBe("committed");
    expect(done.counts.create).toBe(3);
    expect((await listAll(api, s)).length).toBe(3);
    expect(await staged(old.body.id)).toBe(0);
  });

  it("imports the clean Facebook file with no errors, commits it as one change set, and undoes it", async () => {
    const s = await signUp(api);
    const up = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "facebook-listings-small.xlsx", bytes: fixture("facebook-listings-small.xlsx") },
      { token: s.accessToken },
    );
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ status: "previewed", format: "xlsx", marketplace: "facebook" });
    expect(up.body.counts.reject).toBe(0);
    expect(up.body.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(up.body.counts.create).toBe(3);
    expect(await listAll(api, s)).toEqual([]); // the dry run writes nothing
    const done = await commitAndWait(api, s, up.body.id);
    expect(done.status).toBe("committed");
    expect(done.progress).toMatchObject({ processed: 3, total: 3 });
    const rows = await listAll(api, s);
    expect(rows.length).toBe(3);
    expect(rows.every((r) => r.source === "import")).toBe(true);
    const undo = await call<Imp>(api, "POST", `/v1/imports/${up.body.id}/undo`, {
      token: s.accessToken,
    });
    expect(undo.body.status).toBe("undone");
    expect(await listAll(api, s)).toEqual([]);
    const redo = await call<Imp>(api, "POST", `/v1/imports/${up.body.id}/redo`, {
      token: s.accessToken,
    });
    expect(redo.body.status).toBe("committed");
    expect((await listAll(api, s)).length).toBe(3);
    expect(
      (await call(api, "POST", `/v1/imports/${up.body.id}/redo`, { token: s.accessToken })).status,
    ).toBe(409);
    // Reverting its change set directly moves the import along with it.
    const csUndo = await call(api, "POST", `/v1/change-sets/${redo.body.changeSetId}/undo`, {
      token: s.accessToken,
    });
    expect(csUndo.status).toBe(200);
    const after = await call<Imp>(api, "GET", `/v1/imports/${up.body.id}`, {
      token: s.accessToken,
    });
    expect(after.body.status).toBe("undone");
    const again = await call<Imp>(api, "POST", `/v1/imports/${up.body.id}/redo`, {
      token: s.accessToken,
    });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("committed");
  });

  it("reports every bad cell of the messy Facebook file with a fix, and applies fixes on request", async () => {
    const s = await signUp(api);
    const up = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "solar.xlsx", bytes: fixture("facebook-listings-solar-messy.xlsx") },
      { token: s.accessToken },
    );
    expect(up.status).toBe(201);
    const codes = new Set(up.body.problems.map((p) => p.code));
    expect(codes.has("INVALID_CONDITION") || codes.has("CONDITION_FORMAT")).toBe(true);
    const condition = up.body.problems.find(
      (p) => p.column.toUpperCase() === "CONDITION" && p.value === "Used",
    );
    expect(condition?.row).toBeGreaterThan(1);
    expect(["New", "Used - Like New", "Used - Good", "Used - Fair"]).toContain(
      condition?.suggestion,
    );
    const category = up.body.problems.find(
      (p) => p.column.toUpperCase() === "CATEGORY" && p.value.includes(">"),
    );
    expect(category?.suggestion).toBeTruthy();
    expect(category?.suggestion).not.toContain(">");
    const errors = await api.app.request(`/v1/imports/${up.body.id}/errors.csv`, {
      headers: { authorization: `Bearer ${s.accessToken}` },
    });
    expect(errors.status).toBe(200);
    expect(errors.headers.get("content-disposition")).toContain("errors.csv");
    const csv = await errors.text();
    expect(csv.split("\n")[0]).toContain("row,column,value,severity,code,message,suggestion");
    expect(csv).toContain("Used");
    const rows = up.body.counts.rows ?? 0;
    expect(rows).toBe(22);
    // Nothing silently dropped: every row is accounted for.
    expect(
      (up.body.counts.create ?? 0) +
        (up.body.counts.update ?? 0) +
        (up.body.counts.skip ?? 0) +
        (up.body.counts.reject ?? 0),
    ).toBe(rows);
    // With fixes applied, condition and category are repaired; the sheet has no prices at all,
    // and a price has no automatic fix, so those cells stay blocking and are reported per row.
    const fixed = await call<
      Imp & { problems: { severity: string; code: string; column: string; suggestion?: string }[] }
    >(api, "POST", `/v1/imports/${up.body.id}/analyze`, {
      token: s.accessToken,
      body: { applyFixes: true },
    });
    const blocking = fixed.body.problems.filter(
      (p) => p.severity === "error" && p.suggestion === undefined,
    );
    expect(blocking.length).toBeGreaterThan(0);
    expect(blocking.every((p) => p.column.toUpperCase() === "PRICE")).toBe(true);
    expect(fixed.body.counts.reject).toBe(22);
    expect((await listAll(api, s)).length).toBe(0);
  });

  it("reads the Shopify template as 2 listings with variants", async () => {
    const s = await signUp(api);
    const up = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "shopify.csv", bytes: fixture("shopify-product-template.csv") },
      { token: s.accessToken },
    );
    expect(up.body.marketplace).toBe("shopify");
    expect(up.body.counts.rows).toBe(2);
    await commitAndWait(api, s, up.body.id);
    const rows = await listAll(api, s);
    expect(rows.length).toBe(2);
    expect(
      rows.some((r) => Array.isArray((r.marketplaceFields as { variants?: unknown[] }).variants)),
    ).toBe(true);
  });

  it("records saving and deleting a mapping profile in the audit log", async () => {
    const s = await signUp(api);
    const made = await call<{ id: string }>(api, "POST", "/v1/mapping-profiles", {
      token: s.accessToken,
      body: { name: "Supplier B", mapping: { Name: "title", Cost: "price" } },
    });
    expect(made.status).toBe(201);
    expect(
      (await call(api, "DELETE", `/v1/mapping-profiles/${made.body.id}`, { token: s.accessToken }))
        .status,
    ).toBe(200);
    const log = await call<{ items: { action: string; resourceId: string | null }[] }>(
      api,
      "GET",
      "/v1/audit-logs?limit=20",
      { token: s.accessToken },
    );
    const actions = log.body.items
      .filter((e) => e.resourceId === made.body.id)
      .map((e) => e.action)
      .sort();
    expect(actions).toEqual(["mapping_profile.create", "mapping_profile.delete"]);
  });

  it("updates by SKU with a generic CSV and a saved mapping profile", async () => {
    const s = await signUp(api);
    await call(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: { title: "Old title", price: 5, sku: "00123" },
    });
    const profile = await call<{ id: string }>(api, "POST", "/v1/mapping-profiles", {
      token: s.accessToken,
      body: {
        name: "Supplier A",
        mapping: { "Item name": "title", Cost: "price", Code: "sku", Notes: "ignore" },
      },
    });
    expect(profile.status).toBe(201);
    const csv = "Item name;Cost;Code;Notes\r\nNew title;7,50;00123;x\r\nBrand new;3;00999;y\r\n";
    const up = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "supplier.csv", bytes: new TextEncoder().encode(csv) },
      {
        token: s.accessToken,
        fields: { mappingProfileId: profile.body.id, mode: "upsert", matchBy: "sku" },
      },
    );
    expect(up.body.counts).toMatchObject({ create: 1, update: 1, reject: 0 });
    await commitAndWait(api, s, up.body.id);
    const rows = await listAll(api, s);
    expect(rows.find((r) => r.sku === "00123")).toMatchObject({ title: "New title", price: 7.5 });
    expect(rows.find((r) => r.sku === "00999")?.title).toBe("Brand new");
  });

  it("keeps the import's choices when a new dry run changes only the mapping", async () => {
    const s = await signUp(api);
    const csv = "Name,Cost,Code\r\nDrill,40,D-1\r\n";
    const up = await uploadCsv<Imp & { mode: string; matchBy: string }>(
      api,
      s,
      csv,
      {
        mode: "create",
        matchBy: "id",
      },
      "tools.csv",
    );
    expect(up.body).toMatchObject({ mode: "create", matchBy: "id" });
    const again = await call<Imp & { mode: string; matchBy: string; mapping: object }>(
      api,
      "POST",
      `/v1/imports/${up.body.id}/analyze`,
      {
        token: s.accessToken,
        body: { mapping: { Name: "title", Cost: "price", Code: "sku" } },
      },
    );
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      mode: "create",
      matchBy: "id",
      mapping: { Name: "title", Cost: "price", Code: "sku" },
    });
    expect(again.body.counts).toMatchObject({ create: 1 });
  });

  it("decides again at commit when listings changed after the dry run", async () => {
    const s = await signUp(api);
    const csv = "title,price,sku\r\nDrill,40,D-1\r\nSaw,25,S-1\r\n";
    const up = await uploadCsv<Imp>(api, s, csv, { mode: "upsert", matchBy: "sku" }, "tools.csv");
    expect(up.body.counts).toMatchObject({ create: 2, update: 0 });
    expect(Object.keys(up.body.counts).some((k) => k.startsWith("_"))).toBe(false);
    // After the preview the seller creates one of those SKUs by hand: the staged "create"
    // would now clash; the commit must see it and update that listing instead.
    await call(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: { title: "Hand-made drill", price: 10, sku: "D-1" },
    });
    const done = await commitAndWait(api, s, up.body.id);
    expect(done.status).toBe("committed");
    expect(done.counts).toMatchObject({ created: 1, updated: 1 });
    const rows = await listAll(api, s);
    expect(rows.filter((r) => r.sku === "D-1")).toHaveLength(1);
    expect(rows.find((r) => r.sku === "D-1")).toMatchObject({ title: "Drill", price: 40 });
  });

  it("rejects a row whose SKU or id already appeared earlier in the file", async () => {
    const s = await signUp(api);
    const a = "00000000-0000-4000-8000-00000000000a";
    const b = "00000000-0000-4000-8000-00000000000b";
    const csv = `id,title,price,sku\r\n${a},Drill,40,D-1\r\n${b},Saw,25,D-1\r\n${a},Plane,30,P-1\r\n${b},Saw,25,S-1\r\n`;
    const up = await uploadCsv<Imp>(api, s, csv, { mode: "upsert", matchBy: "id" }, "tools.csv");
    expect(up.status).toBe(201);
    expect(up.body.counts).toMatchObject({ rows: 4, create: 2, reject: 2 });
    const dups = up.body.problems
      .filter((p) => p.code === "DUPLICATE_IN_FILE")
      .map(({ row, column, value, severity, message }) => ({
        row,
        column,
        value,
        severity,
        message,
      }));
    expect(dups).toEqual([
      {
        row: 3,
        column: "sku",
        value: "D-1",
        severity: "error",
        message: "This SKU appears earlier in the file",
      },
      {
        row: 4,
        column: "id",
        value: a,
        severity: "error",
        message: "This id appears earlier in the file",
      },
    ]);
  });

  it("previews a file whose id cell is 36 characters but not a UUID", async () => {
    const s = await signUp(api);
    const mine = await call<{ id: string }>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: { title: "Drill", price: 40 },
    });
    const csv = `id,title,price\r\n0123456789abcdef0123456789abcdef0123,Saw,25\r\n${mine.body.id},Drill (new),45\r\n`;
    const up = await uploadCsv<Imp>(api, s, csv, { mode: "upsert", matchBy: "id" }, "tools.csv");
    expect(up.status).toBe(201);
    expect(up.body.status).toBe("previewed");
    expect(up.body.counts).toMatchObject({ rows: 2, update: 1 });
  });

  it("makes repeated uploads and commits with an Idempotency-Key no-ops", async () => {
    const s = await signUp(api);
    const bytes = new TextEncoder().encode("title,price,sku\nLamp,10,L1\n");
    const headers = { "idempotency-key": "upload-1" };
    const a = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "a.csv", bytes },
      { token: s.accessToken, headers },
    );
    const b = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "a.csv", bytes },
      { token: s.accessToken, headers },
    );
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    const first = await commitAndWait(api, s, a.body.id, {}, { "idempotency-key": "commit-1" });
    const again = await call<Imp>(api, "POST", `/v1/imports/${a.body.id}/commit`, {
      token: s.accessToken,
      body: {},
      headers: { "idempotency-key": "commit-1" },
    });
    expect(again.status).toBe(200);
    expect(again.body.changeSetId).toBe(first.changeSetId);
    expect((await listAll(api, s)).length).toBe(1);
  });

  it("answers parallel uploads with one Idempotency-Key with one import and keeps one file", async () => {
    const s = await signUp(api);
    const bytes = new TextEncoder().encode("title,price,sku\nLamp,10,R1\nDesk,20,R2\n");
    const headers = { "idempotency-key": "race-123" };
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        upload<Imp>(
          api,
          "/v1/imports",
          { name: "a.csv", bytes },
          { token: s.accessToken, headers },
        ),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 201]);
    const first = answers.find((a) => a.status === 201);
    expect(new Set(answers.map((a) => a.body.id))).toEqual(new Set([first?.body.id]));
    const sql = api.db.sql;
    if (!sql) throw new Error("the API tests run on PostgreSQL");
    const rows = await sql`select storage_key from imports where owner_id = ${s.id}`;
    expect(rows.length).toBe(1);
    const key = String(rows[0]?.storage_key);
    const stored = await api.deps.storage.localFile(key);
    // The repeats' uploads are removed: only the first import's file is left in the folder.
    expect(readdirSync(path.dirname(stored.path))).toEqual([path.basename(stored.path)]);
    await stored.release();
    const done = await waitFor(async () => {
      const r = await call<Imp>(api, "GET", `/v1/imports/${first?.body.id}`, {
        token: s.accessToken,
      });
      return r.body.status !== "uploaded" ? r.body : undefined;
    });
    expect(done.status).toBe("previewed");
    expect(done.counts.create).toBe(2);
  });

  it("answers parallel commits with one Idempotency-Key as one commit and its replays", async () => {
    const s = await signUp(api);
    for (let round = 0; round < 3; round++) {
      const bytes = new TextEncoder().encode(
        `title,price,sku\nLamp,10,P${round}-1\nDesk,20,P${round}-2\n`,
      );
      const imp = await upload<Imp>(
        api,
        "/v1/imports",
        { name: "a.csv", bytes },
        { token: s.accessToken },
      );
      expect(imp.body.status).toBe("previewed");
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          call<Imp & { replayed: boolean }>(api, "POST", `/v1/imports/${imp.body.id}/commit`, {
            token: s.accessToken,
            body: {},
            headers: { "idempotency-key": `commit-race-${round}` },
          }),
        ),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 202]);
      expect(answers.filter((a) => a.body.replayed).length).toBe(5);
      const done = await waitFor(async () => {
        const r = await call<Imp>(api, "GET", `/v1/imports/${imp.body.id}`, {
          token: s.accessToken,
        });
        return r.body.status === "committed" ? r.body : undefined;
      });
      expect(done.counts.create).toBe(2);
    }
    expect((await listAll(api, s)).length).toBe(6);
  });

  it("keeps imports private to their seller", async () => {
    const a = await signUp(api);
    const b = await signUp(api);
    const up = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "a.csv", bytes: new TextEncoder().encode("title,price\nX,1\n") },
      { token: a.accessToken },
    );
    for (const [m, p] of [
      ["GET", ""],
      ["POST", "/commit"],
      ["POST", "/undo"],
      ["GET", "/errors.csv"],
      ["POST", "/analyze"],
    ] as const)
      expect(
        (
          await call(api, m, `/v1/imports/${up.body.id}${p}`, {
            token: b.accessToken,
            body: m === "POST" ? {} : undefined,
          })
        ).status,
      ).toBe(404);
    const list = await call<{ items: unknown[] }>(api, "GET", "/v1/imports", {
      token: b.accessToken,
    });
    expect(list.body.items).toEqual([]);
  });
});
