import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi } from "../../test/harness";
import { commitAndWait, getListing, type Imp, newListing, uploadCsv } from "../../test/imports";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi(
    { RATE_LIMIT_PER_MINUTE: "100000", UPLOADS_PER_MINUTE: "1000" },
    { workers: true },
  );
});
afterAll(() => api.close());

const EBAY_HEADER =
  "*Action(SiteID=US|Country=US|Currency=USD|Version=1193),ItemID,CustomLabel,*Category,*Title,*Description,*ConditionID,*StartPrice,*Quantity,PicURL";

describe("imports: matching eBay rows by ItemID", () => {
  it("updates the listing holding an eBay ItemID from a Revise row without a CustomLabel", async () => {
    const s = await signUp(api);
    const held = await newListing(api, s, {
      title: "Canon EOS 5D body",
      price: 450,
      quantity: 2,
      marketplaceFields: { action: "Add", itemId: "110012345678", ebayCategoryId: "31388" },
    });
    const other = await newListing(api, s, {
      title: "Nikon D750",
      price: 600,
      quantity: 1,
      marketplaceFields: { itemId: "110099999999" },
    });
    const csv = [
      EBAY_HEADER,
      "Revise, 110012345678 ,,,,,,425,7,",
      "Revise,110000000000,,,,,,,3,",
    ].join("\r\n");
    const up = await uploadCsv(api, s, csv, { mode: "update" });
    expect(up.status).toBe(201);
    expect(up.body.marketplace).toBe("ebay");
    expect(up.body.counts).toMatchObject({ rows: 2, update: 1, skip: 1, reject: 0 });
    expect(up.body.problems).toEqual([
      expect.objectContaining({ row: 3, code: "NO_MATCH", severity: "warning" }),
    ]);
    const done = await commitAndWait(api, s, up.body.id);
    expect(done.status).toBe("committed");
    const after = await getListing(api, s, held.id);
    expect(after).toMatchObject({ title: "Canon EOS 5D body", price: 425, quantity: 7 });
    expect(after.marketplaceFields).toMatchObject({
      action: "Revise",
      itemId: "110012345678",
      ebayCategoryId: "31388",
    });
    expect(await getListing(api, s, other.id)).toMatchObject({ quantity: 1, price: 600 });
  });

  it("refuses a second row for the same listing, by ItemID or by its SKU, instead of failing the commit", async () => {
    const s = await signUp(api);
    const a = await newListing(api, s, {
      title: "Lens 50mm",
      price: 100,
      sku: "LENS-50",
      quantity: 1,
      marketplaceFields: { itemId: "220000000001" },
    });
    const csv = [
      EBAY_HEADER,
      "Revise,220000000001,,,,,,,4,",
      "Revise,220000000001,,,,,,,5,",
      "Revise,,LENS-50,,,,,,6,",
    ].join("\r\n");
    const up = await uploadCsv(api, s, csv, { mode: "update" });
    expect(up.body.counts).toMatchObject({ rows: 3, update: 1, reject: 2 });
    expect(up.body.problems.filter((p) => p.code === "DUPLICATE_IN_FILE")).toHaveLength(2);
    const done = await commitAndWait(api, s, up.body.id);
    expect(done.status).toBe("committed");
    expect(done.counts).toMatchObject({ updated: 1 });
    expect(await getListing(api, s, a.id)).toMatchObject({ sku: "LENS-50", quantity: 6 });
  });

  it("refuses a Revise row whose ItemID several listings hold", async () => {
    const s = await signUp(api);
    const a = await newListing(api, s, {
      title: "Tripod",
      price: 30,
      marketplaceFields: { itemId: "330000000001" },
    });
    await newListing(api, s, {
      title: "Tripod copy",
      price: 30,
      marketplaceFields: { itemId: "330000000001" },
    });
    const up = await uploadCsv(api, s, [EBAY_HEADER, "Revise,330000000001,,,,,,,9,"].join("\r\n"), {
      mode: "update",
    });
    expect(up.body.counts).toMatchObject({ rows: 1, update: 0, reject: 1 });
    expect(up.body.problems).toContainEqual(
      expect.objectContaining({ row: 2, code: "AMBIGUOUS_MATCH", severity: "error" }),
    );
    expect(await getListing(api, s, a.id)).toMatchObject({ quantity: 1 });
  });
});

describe("imports: SKUs moving between listings of one file", () => {
  it("swaps two listings' SKUs by id in one import, and undoing it swaps them back", async () => {
    const s = await signUp(api);
    const a = await newListing(api, s, { title: "Drill", price: 40, sku: "D-1" });
    const b = await newListing(api, s, { title: "Saw", price: 25, sku: "S-1" });
    const csv = `id,title,price,sku\r\n${a.id},Drill,40,S-1\r\n${b.id},Saw,25,D-1\r\n`;
    const up = await uploadCsv(api, s, csv, { mode: "update", matchBy: "id" });
    expect(up.status).toBe(201);
    expect(up.body.counts).toMatchObject({ rows: 2, update: 2, reject: 0 });
    expect(up.body.problems).toEqual([]);
    const done = await commitAndWait(api, s, up.body.id);
    expect(done.status).toBe("committed");
    expect(await getListing(api, s, a.id)).toMatchObject({ sku: "S-1" });
    expect(await getListing(api, s, b.id)).toMatchObject({ sku: "D-1" });
    const undo = await call<Imp>(api, "POST", `/v1/imports/${up.body.id}/undo`, {
      token: s.accessToken,
    });
    expect(undo.body.status).toBe("undone");
    expect(await getListing(api, s, a.id)).toMatchObject({ sku: "D-1" });
    expect(await getListing(api, s, b.id)).toMatchObject({ sku: "S-1" });
  });

  it("takes a SKU the file's other row frees, after a separate import freed one, and undoes both", async () => {
    const s = await signUp(api);
    const a = await newListing(api, s, { title: "Drill", price: 40, sku: "D-1" });
    const b = await newListing(api, s, { title: "Saw", price: 25, sku: "S-1" });
    const free = await uploadCsv(api, s, `id,sku\r\n${b.id},TMP-1\r\n`, {
      mode: "update",
      matchBy: "id",
    });
    expect(free.body.counts).toMatchObject({ update: 1, reject: 0 });
    expect((await commitAndWait(api, s, free.body.id)).status).toBe("committed");
    const take = await uploadCsv(api, s, `id,sku\r\n${a.id},S-1\r\n${b.id},D-1\r\n`, {
      mode: "update",
      matchBy: "id",
    });
    // Listing a frees D-1 in the same file listing b takes it in: both land.
    expect(take.body.counts).toMatchObject({ update: 2, reject: 0 });
    expect((await commitAndWait(api, s, take.body.id)).status).toBe("committed");
    expect(await getListing(api, s, a.id)).toMatchObject({ sku: "S-1" });
    expect(await getListing(api, s, b.id)).toMatchObject({ sku: "D-1" });
    for (const id of [take.body.id, free.body.id]) {
      const undo = await call<Imp>(api, "POST", `/v1/imports/${id}/undo`, {
        token: s.accessToken,
      });
      expect(undo.body.status).toBe("undone");
    }
    expect(await getListing(api, s, a.id)).toMatchObject({ sku: "D-1" });
    expect(await getListing(api, s, b.id)).toMatchObject({ sku: "S-1" });
  });
});
