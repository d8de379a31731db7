import { writeXlsx } from "@mbe/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi, upload } from "../../test/harness";
import {
  commitAndWait,
  getListing,
  type Imp,
  listAll,
  newListing,
  uploadCsv,
} from "../../test/imports";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi(
    { RATE_LIMIT_PER_MINUTE: "100000", UPLOADS_PER_MINUTE: "1000" },
    { workers: true },
  );
});
afterAll(() => api.close());

describe("imports: what lands is what the dry run showed", () => {
  it("refuses in the dry run an update by id that takes another listing's SKU, and commits the rest", async () => {
    const s = await signUp(api);
    const a = await newListing(api, s, { title: "Drill", price: 40, sku: "D-1" });
    const b = await newListing(api, s, { title: "Saw", price: 25, sku: "S-1" });
    const c = await newListing(api, s, { title: "Plane", price: 30, sku: "P-1" });
    const csv = `id,title,price,sku\r\n${b.id},Saw,25,D-1\r\n${c.id},Plane (new),35,P-1\r\n`;
    const up = await uploadCsv(api, s, csv, { mode: "update", matchBy: "id" });
    expect(up.status).toBe(201);
    expect(up.body.counts).toMatchObject({ rows: 2, update: 1, reject: 1 });
    expect(up.body.problems).toContainEqual(
      expect.objectContaining({ row: 2, column: "sku", code: "SKU_TAKEN", severity: "error" }),
    );
    const done = await commitAndWait(api, s, up.body.id);
    expect(done.status).toBe("committed");
    expect(done.counts).toMatchObject({ updated: 1 });
    expect(await getListing(api, s, a.id)).toMatchObject({ title: "Drill", sku: "D-1" });
    expect(await getListing(api, s, b.id)).toMatchObject({ title: "Saw", sku: "S-1" });
    expect(await getListing(api, s, c.id)).toMatchObject({ title: "Plane (new)", price: 35 });
  });

  it("refuses in the dry run a fractional price for a listing in a currency without minor units", async () => {
    const s = await signUp(api);
    const yen = await newListing(api, s, {
      title: "Tea set",
      price: 4500,
      currency: "JPY",
      sku: "T-1",
    });
    const usd = await newListing(api, s, { title: "Kettle", price: 30, sku: "K-1" });
    const up = await uploadCsv(
      api,
      s,
      "title,price,sku\r\nTea set,4500.50,T-1\r\nKettle,30.50,K-1\r\n",
      {
        mode: "update",
      },
    );
    expect(up.body.counts).toMatchObject({ rows: 2, update: 1, reject: 1 });
    expect(up.body.problems).toContainEqual(
      expect.objectContaining({
        row: 2,
        column: "price",
        code: "INVALID_VALUE",
        severity: "error",
      }),
    );
    const done = await commitAndWait(api, s, up.body.id);
    expect(done.status).toBe("committed");
    expect(await getListing(api, s, yen.id)).toMatchObject({ price: 4500 });
    expect(await getListing(api, s, usd.id)).toMatchObject({ price: 30.5 });
  });

  it("matches a SKU cell with stray spaces to its listing instead of failing the commit", async () => {
    const s = await signUp(api);
    const a = await newListing(api, s, { title: "Drill", price: 40, sku: "D-1" });
    const up = await uploadCsv(api, s, "title,price,sku\r\nDrill (new),45, D-1 \r\nSaw,25,S-1\r\n");
    expect(up.body.counts).toMatchObject({ rows: 2, create: 1, update: 1, reject: 0 });
    const done = await commitAndWait(api, s, up.body.id);
    expect(done.status).toBe("committed");
    const rows = await listAll(api, s);
    expect(rows.map((r) => r.sku).sort()).toEqual(["D-1", "S-1"]);
    expect(await getListing(api, s, a.id)).toMatchObject({ title: "Drill (new)", price: 45 });
  });

  it("updates a listing from an eBay Revise row without blanking what the row leaves empty", async () => {
    const s = await signUp(api);
    const a = await newListing(api, s, {
      title: "Canon EOS 5D body",
      price: 450,
      sku: "SKU-1",
      quantity: 2,
      description: "<p>Great camera</p>",
      condition: "Used",
      imageUrls: ["https://i.test/1.jpg"],
      marketplaceFields: { action: "Add", ebayCategoryId: "31388", conditionId: "3000" },
    });
    const csv = [
      "*Action(SiteID=US|Country=US|Currency=USD|Version=1193),ItemID,CustomLabel,*Category,*Title,*Description,*ConditionID,*StartPrice,*Quantity,PicURL",
      "Revise,110012345678,SKU-1,,,,,,7,",
    ].join("\r\n");
    const up = await uploadCsv(api, s, csv, { mode: "update", matchBy: "sku" });
    expect(up.body.marketplace).toBe("ebay");
    expect(up.body.counts).toMatchObject({ rows: 1, update: 1, reject: 0 });
    const done = await commitAndWait(api, s, up.body.id);
    expect(done.status).toBe("committed");
    const after = await getListing(api, s, a.id);
    expect(after).toMatchObject({
      title: "Canon EOS 5D body",
      price: 450,
      quantity: 7,
      description: "<p>Great camera</p>",
      imageUrls: ["https://i.test/1.jpg"],
    });
    expect(after.marketplaceFields).toMatchObject({
      action: "Revise",
      itemId: "110012345678",
      ebayCategoryId: "31388",
      conditionId: "3000",
    });
  });
  it("updates stock by SKU from a file with no title or price column, refusing only new rows", async () => {
    const s = await signUp(api);
    const a = await newListing(api, s, { title: "Drill", price: 40, sku: "D-1", quantity: 1 });
    const up = await uploadCsv(api, s, "SKU,Qty\r\nD-1,9\r\nNEW-1,3\r\n");
    expect(up.body.counts).toMatchObject({ rows: 2, update: 1, create: 0, reject: 1 });
    expect(up.body.problems).toEqual([
      expect.objectContaining({ row: 3, column: "title", code: "REQUIRED", severity: "error" }),
    ]);
    const done = await commitAndWait(api, s, up.body.id);
    expect(done.status).toBe("committed");
    expect(await getListing(api, s, a.id)).toMatchObject({
      title: "Drill",
      price: 40,
      quantity: 9,
    });
    expect((await listAll(api, s)).length).toBe(1);
  });
  it("commits a JSON file whose later records bring new keys as the dry run showed it", async () => {
    const s = await signUp(api);
    const json = JSON.stringify([
      { title: "Lamp", price: 10 },
      { title: "Desk", price: 90, sku: "D-1", qty: 2 },
    ]);
    const up = await upload<Imp & { mapping: Record<string, string> }>(
      api,
      "/v1/imports",
      { name: "items.json", bytes: new TextEncoder().encode(json) },
      { token: s.accessToken },
    );
    expect(up.body.counts).toMatchObject({ rows: 2, create: 2, reject: 0 });
    expect(up.body.mapping).toMatchObject({ sku: "sku", qty: "quantity" });
    // A listing made meanwhile: the commit reads the file again with the stored mapping.
    await newListing(api, s, { title: "Chair", price: 5 });
    const done = await commitAndWait(api, s, up.body.id);
    expect(done.status).toBe("committed");
    expect((await listAll(api, s)).find((l) => l.title === "Desk")).toMatchObject({
      sku: "D-1",
      quantity: 2,
    });
  });
  it("reads the sheet the seller chose again when the commit or a new dry run reads the workbook", async () => {
    const s = await signUp(api);
    const rows = async function* (r: string[][]) {
      yield* r;
    };
    const parts: Buffer[] = [];
    for await (const c of writeXlsx([
      {
        name: "Notes",
        leadRows: [{ values: ["title", "price"] }],
        rows: rows([["Old note", "1"]]),
      },
      {
        name: "Stock",
        leadRows: [{ values: ["title", "price", "sku"] }],
        rows: rows([
          ["Lamp", "10", "L-1"],
          ["Desk", "90", "D-1"],
        ]),
      },
    ]))
      parts.push(c as Buffer);
    const up = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "book.xlsx", bytes: new Uint8Array(Buffer.concat(parts)) },
      { token: s.accessToken, fields: { sheet: "Stock" } },
    );
    expect(up.body.counts).toMatchObject({ rows: 2, create: 2 });
    const again = await call<Imp>(api, "POST", `/v1/imports/${up.body.id}/analyze`, {
      token: s.accessToken,
      body: { applyFixes: true },
    });
    expect(again.body.counts).toMatchObject({ rows: 2, create: 2 });
    // A listing made meanwhile: the commit reads the workbook again.
    await newListing(api, s, { title: "Chair", price: 5 });
    const done = await commitAndWait(api, s, up.body.id);
    expect(done.status).toBe("committed");
    expect((await listAll(api, s)).map((l) => l.title)).toEqual(["Chair", "Desk", "Lamp"]);
    // Undone, the import is analysed again from the same sheet.
    const undo = await call<Imp>(api, "POST", `/v1/imports/${up.body.id}/undo`, {
      token: s.accessToken,
    });
    expect(undo.body.status).toBe("undone");
    const redo = await call<Imp>(api, "POST", `/v1/imports/${up.body.id}/analyze`, {
      token: s.accessToken,
      body: {},
    });
    expect(redo.body.counts).toMatchObject({ rows: 2, create: 2 });
  });
  it("tells the seller a file was read as Windows-1252, with its accents kept", async () => {
    const s = await signUp(api);
    const bytes = Buffer.from("title,price\nCaf\xe9 cr\xe8me table \x96 oak,12\n", "latin1");
    const up = await upload<Imp>(
      api,
      "/v1/imports",
      { name: "latin1.csv", bytes: new Uint8Array(bytes) },
      { token: s.accessToken },
    );
    expect(up.body.counts).toMatchObject({ rows: 1, create: 1, reject: 0 });
    expect(up.body.problems).toContainEqual(
      expect.objectContaining({ code: "ENCODING_WINDOWS_1252", severity: "warning" }),
    );
    await commitAndWait(api, s, up.body.id);
    expect((await listAll(api, s))[0]?.title).toBe("Café crème table – oak");
  });
});
