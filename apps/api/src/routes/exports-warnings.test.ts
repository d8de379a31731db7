import { csvRecords } from "@mbe/formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type Seller, signUp, type TestApi, waitFor } from "../../test/harness";

/*
 * Listings that break a hard rule of the marketplace the file is written for go out as they are,
 * and the seller is told how many break each rule: in a header of a streamed file, and with the
 * export of a queued one.
 */
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi(
    { RATE_LIMIT_PER_MINUTE: "100000", EXPORTS_PER_HOUR: "1000" },
    { workers: true },
  );
});
afterAll(() => api.close());

interface Warning {
  code: string;
  count: number;
  message: string;
  sample: string[];
}

function rawSql() {
  const sql = api.db.sql;
  if (!sql) throw new Error("needs PostgreSQL");
  return sql;
}

const long = (n: number, tag: string) => `${tag} `.padEnd(n, "x");

/** Inserts listings for a seller; their ids in insertion order. */
async function seed(
  s: Seller,
  rows: { title: string; quantity?: number; price?: string }[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const r of rows) {
    const [row] =
      await rawSql()`insert into listings (owner_id, title, price, quantity, condition, status)
      values (${s.id}, ${r.title}, ${r.price ?? "10"}, ${r.quantity ?? 1}, 'New', 'active')
      returning id`;
    ids.push(String(row?.id));
  }
  return ids;
}

const post = (s: Seller, body: unknown) =>
  api.app.request("/v1/exports", {
    method: "POST",
    headers: { authorization: `Bearer ${s.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

const byCode = (ws: Warning[]) => Object.fromEntries(ws.map((w) => [w.code, w]));

/** A seller with eBay rule breakers, and another seller's breaker that must never be counted. */
async function ebaySeller() {
  const s = await signUp(api);
  const ids = await seed(s, [
    { title: long(81, "A") },
    { title: long(120, "B") },
    { title: long(200, "C"), quantity: 0 },
    { title: long(80, "D") },
    { title: "Fine", quantity: 0 },
    { title: "Fine too" },
  ]);
  const other = await signUp(api);
  await seed(other, [{ title: long(90, "Z"), quantity: 0 }]);
  return { s, ids };
}

describe("eBay export warnings", () => {
  it("counts titles over 80 characters and quantities below 1 in a streamed export", async () => {
    const { s, ids } = await ebaySeller();
    const res = await post(s, { marketplace: "ebay" });
    expect(res.status).toBe(200);
    const header = res.headers.get("x-export-warnings");
    expect(header).not.toBeNull();
    const w = byCode(JSON.parse(header as string) as Warning[]);
    expect(w.TITLE_TOO_LONG).toEqual({
      code: "TITLE_TOO_LONG",
      count: 3,
      message: "3 titles are longer than eBay's 80 characters; eBay will refuse those rows",
      sample: [ids[0], ids[1], ids[2]].sort(),
    });
    expect(w.QUANTITY_BELOW_ONE?.count).toBe(2);
    expect(w.QUANTITY_BELOW_ONE?.sample).toEqual([ids[2], ids[4]].sort());

    // Nothing is dropped or cut: every listing is in the file with its whole title and quantity.
    const rows = await csvRecords(await res.text());
    const header2 = rows[1] ?? [];
    const title = header2.indexOf("*Title");
    const qty = header2.indexOf("*Quantity");
    const data = rows.slice(2);
    expect(data.map((r) => r[title]).sort()).toEqual(
      [long(81, "A"), long(120, "B"), long(200, "C"), long(80, "D"), "Fine", "Fine too"].sort(),
    );
    expect(data.filter((r) => r[qty] === "0")).toHaveLength(2);
  });

  it("keeps them with a queued export and returns them from GET /v1/exports/{id}", async () => {
    const { s, ids } = await ebaySeller();
    const queued = await post(s, { marketplace: "ebay", mode: "job" });
    expect(queued.status).toBe(202);
    const { id } = (await queued.json()) as { id: string };
    const done = await waitFor(async () => {
      const r = await api.app.request(`/v1/exports/${id}`, {
        headers: { authorization: `Bearer ${s.accessToken}` },
      });
      const body = (await r.json()) as { status: string; warnings: Warning[] };
      if (body.status === "failed") throw new Error("export failed");
      return body.status === "completed" ? body : undefined;
    }, 60_000);
    const w = byCode(done.warnings);
    expect(w.TITLE_TOO_LONG?.count).toBe(3);
    expect(w.TITLE_TOO_LONG?.sample).toEqual([ids[0], ids[1], ids[2]].sort());
    expect(w.QUANTITY_BELOW_ONE?.count).toBe(2);

    const trpc = await api.app.request(
      `/trpc/exports.byId?input=${encodeURIComponent(JSON.stringify({ id }))}`,
      { headers: { authorization: `Bearer ${s.accessToken}` } },
    );
    const viaTrpc = (await trpc.json()) as { result: { data: { warnings: Warning[] } } };
    expect(viaTrpc.result.data.warnings).toEqual(done.warnings);

    const list = await api.app.request("/v1/exports", {
      headers: { authorization: `Bearer ${s.accessToken}` },
    });
    const page = (await list.json()) as { items: { id: string; warnings: Warning[] }[] };
    expect(page.items.find((e) => e.id === id)?.warnings).toEqual(done.warnings);
  });

  it("names at most five listings of a rule", async () => {
    const s = await signUp(api);
    await seed(
      s,
      Array.from({ length: 7 }, (_, i) => ({ title: long(81, `T${i}`) })),
    );
    const res = await post(s, { marketplace: "ebay" });
    const w = byCode(JSON.parse(res.headers.get("x-export-warnings") ?? "[]") as Warning[]);
    expect(w.TITLE_TOO_LONG?.count).toBe(7);
    expect(w.TITLE_TOO_LONG?.sample).toHaveLength(5);
    await res.arrayBuffer();
  });
});

describe("Facebook export warnings", () => {
  it("counts titles over 150 characters, not eBay's 80", async () => {
    const s = await signUp(api);
    const ids = await seed(s, [
      { title: long(151, "A") },
      { title: long(150, "B") },
      { title: long(100, "C") },
    ]);
    const res = await post(s, { marketplace: "facebook" });
    expect(res.status).toBe(200);
    const w = byCode(JSON.parse(res.headers.get("x-export-warnings") ?? "[]") as Warning[]);
    expect(w.TITLE_TOO_LONG).toEqual({
      code: "TITLE_TOO_LONG",
      count: 1,
      message: "1 title is longer than Facebook's 150 characters; Facebook will refuse that row",
      sample: [ids[0]],
    });
    await res.arrayBuffer();
  });
});

describe("exports without a marketplace's rules", () => {
  it("send no warnings for the generic layout", async () => {
    const s = await signUp(api);
    await seed(s, [{ title: long(300, "A"), quantity: 0 }]);
    const res = await post(s, { format: "csv" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-export-warnings")).toBeNull();
    await res.arrayBuffer();
  });
});

describe("eBay File Exchange rows", () => {
  it("writes a listing set to Add without its ItemID, and says so", async () => {
    const s = await signUp(api);
    const [added, revised, extraAdded] = await seed(s, [
      { title: "Lamp" },
      { title: "Desk" },
      { title: "Shelf" },
    ]);
    await rawSql()`update listings set marketplace_fields = ${JSON.stringify({ action: "Add", itemId: "110123456789" })}::jsonb
      where id = ${added as string}`;
    await rawSql()`update listings set marketplace_fields = ${JSON.stringify({ ebayExtra: { ItemID: "110987654321" } })}::jsonb
      where id = ${revised as string}`;
    await rawSql()`update listings set marketplace_fields = ${JSON.stringify({ action: "Add", ebayExtra: { itemid: "110555555555" } })}::jsonb
      where id = ${extraAdded as string}`;
    const res = await post(s, { marketplace: "ebay" });
    expect(res.status).toBe(200);
    const w = byCode(JSON.parse(res.headers.get("x-export-warnings") ?? "[]") as Warning[]);
    expect(w.ITEM_ID_ON_ADD).toMatchObject({
      count: 2,
      sample: [added, extraAdded].sort(),
    });
    const [, header = [], ...rows] = await csvRecords(await res.text());
    const byTitle = Object.fromEntries(
      rows.map((r) => [r[header.indexOf("*Title")], [r[0], r[header.indexOf("ItemID")]]]),
    );
    expect(byTitle).toEqual({
      Lamp: ["Add", ""],
      Desk: ["Revise", "110987654321"],
      Shelf: ["Add", ""],
    });
  });

  it("names the template of the site its Action header names", async () => {
    const s = await signUp(api);
    await seed(s, [{ title: "Tea pot" }]);
    await rawSql()`update listings set currency = 'GBP' where owner_id = ${s.id}`;
    const res = await post(s, { marketplace: "ebay" });
    const [info = [], header = []] = await csvRecords(await res.text());
    expect(header[0]).toMatch(/^\*Action\(SiteID=UK\|Country=GB\|Currency=GBP/);
    expect(info.join(",")).toBe("Info,Version=1.0.0,Template=fx_category_template_EBAY_UK");
  });
});
