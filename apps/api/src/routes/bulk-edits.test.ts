import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  createTestApi,
  type Seller,
  sampleListing,
  signUp,
  type TestApi,
} from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
});
afterAll(() => api.close());

type L = {
  id: string;
  title: string;
  price: number;
  description: string;
  status: string;
  sku: string | null;
};
type Preview = {
  matched: number;
  changed: number;
  sample: { id: string; before: Record<string, unknown>; after: Record<string, unknown> }[];
  rejected: { id: string; message: string }[];
  rejectedCount: number;
};
type Applied = { changeSetId: string; changed: number; rejected: number };

async function seed(s: Seller, rows: Record<string, unknown>[]) {
  const r = await call<{ results: { id: string }[] }>(api, "POST", "/v1/listings/bulk", {
    token: s.accessToken,
    body: { rows },
  });
  return r.body.results.map((x) => x.id);
}
const all = async (s: Seller) =>
  (
    await call<{ items: L[] }>(api, "GET", "/v1/listings?limit=500&sort=title:asc", {
      token: s.accessToken,
    })
  ).body.items;

describe("bulk edits", () => {
  it("changes prices by percent with .99 rounding and a floor, previewed, then undone", async () => {
    const s = await signUp(api);
    await seed(s, [
      sampleListing({ title: "A", price: 10 }),
      sampleListing({ title: "B", price: 100 }),
      sampleListing({ title: "C", price: 2 }),
    ]);
    const op = { kind: "priceChange", mode: "percent", value: 10, rounding: "99", floor: 5 };
    const pv = await call<Preview>(api, "POST", "/v1/bulk-edits/preview", {
      token: s.accessToken,
      body: { selection: { filter: {} }, operation: op },
    });
    expect(pv.status).toBe(200);
    expect(pv.body.matched).toBe(3);
    expect(pv.body.changed).toBe(3);
    expect((await all(s)).map((l) => l.price)).toEqual([10, 100, 2]); // preview wrote nothing
    const ap = await call<Applied>(api, "POST", "/v1/bulk-edits/apply", {
      token: s.accessToken,
      body: { selection: { filter: {} }, operation: op },
    });
    expect(ap.body.changed).toBe(3);
    // 10 → 11 → 10.99; 100 → 110 → 109.99; 2 → 2.2 → 2.99 → floor 5
    expect((await all(s)).map((l) => l.price)).toEqual([10.99, 109.99, 5]);
    await call(api, "POST", `/v1/change-sets/${ap.body.changeSetId}/undo`, {
      token: s.accessToken,
    });
    expect((await all(s)).map((l) => l.price)).toEqual([10, 100, 2]);
  });

  it("records no change set when an edit changes nothing", async () => {
    const s = await signUp(api);
    await seed(s, [sampleListing({ title: "A", price: 10 }), sampleListing({ title: "B" })]);
    const kinds = async () =>
      (
        await call<{ items: { kind: string }[] }>(api, "GET", "/v1/change-sets", {
          token: s.accessToken,
        })
      ).body.items.map((c) => c.kind);
    const before = await kinds();
    for (const operation of [
      { kind: "priceChange", mode: "amount", value: 0 },
      { kind: "findReplace", field: "all", find: "no such text", replace: "x" },
    ]) {
      const ap = await call<{ changeSetId: string | null; changed: number }>(
        api,
        "POST",
        "/v1/bulk-edits/apply",
        { token: s.accessToken, body: { selection: { filter: {} }, operation } },
      );
      expect(ap.status).toBe(200);
      expect(ap.body).toMatchObject({ changeSetId: null, changed: 0 });
    }
    expect(await kinds()).toEqual(before);
  });

  it("finds and replaces plain text literally and with regex, case-insensitive by default", async () => {
    const s = await signUp(api);
    await seed(s, [
      sampleListing({ title: "Iphone 13 (blue)", description: "iPhone in box" }),
      sampleListing({ title: "Galaxy S22", description: "no match" }),
    ]);
    const plain = await call<Applied>(api, "POST", "/v1/bulk-edits/apply", {
      token: s.accessToken,
      body: {
        selection: { filter: {} },
        operation: { kind: "findReplace", field: "all", find: "iphone", replace: "iPhone $1" },
      },
    });
    expect(plain.body.changed).toBe(1);
    const rows = await all(s);
    expect(rows.find((r) => r.title.startsWith("Galaxy"))?.title).toBe("Galaxy S22");
    expect(rows.find((r) => r.title.includes("13"))?.title).toBe("iPhone $1 13 (blue)");
    const rx = await call<Applied>(api, "POST", "/v1/bulk-edits/apply", {
      token: s.accessToken,
      body: {
        selection: { filter: {} },
        operation: {
          kind: "findReplace",
          field: "title",
          find: "\\((\\w+)\\)",
          replace: "- $1",
          regex: true,
        },
      },
    });
    expect(rx.body.changed).toBe(1);
    expect((await all(s)).map((r) => r.title)).toContain("iPhone $1 13 - blue");
  });

  it("refuses a catastrophic regex quickly with a code", async () => {
    const s = await signUp(api);
    await seed(s, [sampleListing({ title: `${"a".repeat(40)}!` })]);
    const t = performance.now();
    const r = await call<{ error: { code: string } }>(api, "POST", "/v1/bulk-edits/preview", {
      token: s.accessToken,
      body: {
        selection: { filter: {} },
        operation: {
          kind: "findReplace",
          field: "title",
          find: "(a+)+$",
          replace: "",
          regex: true,
        },
      },
    });
    expect(r.status).toBe(422);
    expect(performance.now() - t).toBeLessThan(10_000);
    const invalid = await call<{ error: { code: string; message: string } }>(
      api,
      "POST",
      "/v1/bulk-edits/preview",
      {
        token: s.accessToken,
        body: {
          selection: { filter: {} },
          operation: { kind: "findReplace", field: "title", find: "(", replace: "", regex: true },
        },
      },
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({
      code: "VALIDATION_FAILED",
      message: "Invalid regular expression: /(/giu: Unterminated group",
    });
  });

  it("holds no row locks while a slow find and replace is worked out", async () => {
    const s = await signUp(api);
    const [id] = await seed(s, [sampleListing({ description: `${"a".repeat(5000)}!` })]);
    const applying = call(api, "POST", "/v1/bulk-edits/apply", {
      token: s.accessToken,
      body: {
        selection: { ids: [id] },
        operation: {
          kind: "findReplace",
          field: "description",
          find: "(a+)+$",
          replace: "",
          regex: true,
        },
      },
    });
    await new Promise((r) => setTimeout(r, 500));
    const one = await call<{ version: number }>(api, "GET", `/v1/listings/${id}`, {
      token: s.accessToken,
    });
    // An edit of a row in the selection answers at once instead of waiting out the pattern.
    const t = performance.now();
    const edit = await call(api, "PATCH", `/v1/listings/${id}`, {
      token: s.accessToken,
      body: { title: "Edited meanwhile", version: one.body.version },
    });
    const waited = performance.now() - t;
    expect(edit.status).toBe(200);
    expect((await applying).status).toBe(422);
    expect(waited).toBeLessThan(1500);
  });

  it("sets a field on selected ids, rejecting invalid values, and duplicates and deletes by filter", async () => {
    const s = await signUp(api);
    const ids = await seed(s, [
      sampleListing({ title: "One", status: "draft" }),
      sampleListing({ title: "Two", status: "draft" }),
      sampleListing({ title: "Three", status: "draft" }),
    ]);
    const set = await call<Applied>(api, "POST", "/v1/bulk-edits/apply", {
      token: s.accessToken,
      body: {
        selection: { ids: ids.slice(0, 2) },
        operation: { kind: "setField", field: "status", value: "active" },
      },
    });
    expect(set.body.changed).toBe(2);
    const bad = await call<Preview>(api, "POST", "/v1/bulk-edits/preview", {
      token: s.accessToken,
      body: { selection: { ids }, operation: { kind: "setField", field: "status", value: "sold" } },
    });
    expect(bad.body.changed).toBe(0);
    expect(bad.body.rejected.length).toBe(3);
    const dup = await call<Applied>(api, "POST", "/v1/bulk-edits/apply", {
      token: s.accessToken,
      body: { selection: { filter: { status: ["active"] } }, operation: { kind: "duplicate" } },
    });
    expect(dup.body.changed).toBe(2);
    const titles = (await all(s)).map((r) => r.title).sort();
    expect(titles).toEqual(["One", "One (copy)", "Three", "Two", "Two (copy)"]);
    const del = await call<Applied>(api, "POST", "/v1/bulk-edits/apply", {
      token: s.accessToken,
      body: { selection: { filter: { q: "(copy)" } }, operation: { kind: "delete" } },
    });
    expect(del.body.changed).toBe(2);
    expect((await all(s)).length).toBe(3);
    await call(api, "POST", `/v1/change-sets/${del.body.changeSetId}/undo`, {
      token: s.accessToken,
    });
    expect((await all(s)).length).toBe(5);
  });

  it("never touches another seller's listings, even by id", async () => {
    const a = await signUp(api);
    const b = await signUp(api);
    const ids = await seed(a, [sampleListing({ price: 10 })]);
    const r = await call<Applied>(api, "POST", "/v1/bulk-edits/apply", {
      token: b.accessToken,
      body: { selection: { ids }, operation: { kind: "priceChange", mode: "amount", value: -9 } },
    });
    expect(r.body.changed).toBe(0);
    const d = await call<Applied>(api, "POST", "/v1/bulk-edits/apply", {
      token: b.accessToken,
      body: { selection: { ids }, operation: { kind: "delete" } },
    });
    expect(d.body.changed).toBe(0);
    expect((await all(a))[0]?.price).toBe(10);
  });
  it("takes a selection of 100,000 ids (past PostgreSQL's 65,535 parameters) in one statement", async () => {
    const s = await signUp(api);
    const [mine] = await seed(s, [sampleListing({ price: 20 })]);
    const ids: string[] = Array.from({ length: 99_999 }, () => crypto.randomUUID());
    ids.push(String(mine));
    const trpc = (proc: string) =>
      call<{ result: { data: Preview & Applied } }>(api, "POST", `/trpc/bulkEdits.${proc}`, {
        token: s.accessToken,
        body: { selection: { ids }, operation: { kind: "priceChange", mode: "amount", value: 1 } },
      });
    const preview = await trpc("preview");
    expect(preview.status).toBe(200);
    expect(preview.body.result.data).toMatchObject({ matched: 1, changed: 1 });
    const applied = await trpc("execute");
    expect(applied.status).toBe(200);
    expect(applied.body.result.data.changed).toBe(1);
    expect((await all(s))[0]?.price).toBe(21);
  });

  it("rejects the rows whose new SKU would clash, in the preview as in the apply, and applies the rest", async () => {
    const s = await signUp(api);
    const [a1, b1, d2, , a9] = await seed(s, [
      sampleListing({ title: "A1", sku: "A-1" }),
      sampleListing({ title: "B1", sku: "B-1" }),
      sampleListing({ title: "D2", sku: "D-2" }),
      sampleListing({ title: "X2", sku: "X-2" }),
      sampleListing({ title: "A9", sku: "A-9" }),
    ]);
    const body = {
      selection: { filter: {} },
      operation: { kind: "findReplace", field: "sku", find: "^[ABD]", replace: "X", regex: true },
    };
    const pv = await call<Preview>(api, "POST", "/v1/bulk-edits/preview", {
      token: s.accessToken,
      body,
    });
    expect(pv.status).toBe(200);
    // A-1 and B-1 would both become X-1; D-2 would take the X-2 another listing holds.
    expect(pv.body).toMatchObject({ matched: 5, changed: 1, rejectedCount: 3 });
    expect(pv.body.sample.map((x) => [x.id, x.after])).toEqual([[a9, { sku: "X-9" }]]);
    expect(new Map(pv.body.rejected.map((r) => [r.id, r.message]))).toEqual(
      new Map([
        [a1, "sku: 'X-1' would be given to 2 listings"],
        [b1, "sku: 'X-1' would be given to 2 listings"],
        [d2, "sku: 'X-2' is already used by another listing"],
      ]),
    );
    const ap = await call<Applied>(api, "POST", "/v1/bulk-edits/apply", {
      token: s.accessToken,
      body,
    });
    expect(ap.status).toBe(200);
    expect(ap.body).toMatchObject({ changed: 1, rejected: 3 });
    expect((await all(s)).map((l) => l.sku)).toEqual(["A-1", "X-9", "B-1", "D-2", "X-2"]);
    // One SKU set on several listings: each is rejected, nothing half-applied, no 409.
    const set = await call<Applied>(api, "POST", "/v1/bulk-edits/apply", {
      token: s.accessToken,
      body: {
        selection: { ids: [a1, b1] },
        operation: { kind: "setField", field: "sku", value: "SAME" },
      },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ changeSetId: null, changed: 0, rejected: 2 });
  });

  it("prices currencies without minor units in whole units, keeps free listings free, and previews the stored text", async () => {
    const s = await signUp(api);
    await seed(s, [
      sampleListing({ title: "A free", price: 0 }),
      sampleListing({ title: "B yen", price: 999, currency: "JPY" }),
      sampleListing({ title: "C won", price: 15_000, currency: "KRW" }),
      sampleListing({ title: "D dollars", price: 9.99 }),
    ]);
    const run = async (operation: Record<string, unknown>) => {
      const body = { selection: { filter: {} }, operation };
      const pv = await call<Preview>(api, "POST", "/v1/bulk-edits/preview", {
        token: s.accessToken,
        body,
      });
      const before = await all(s);
      const ap = await call<Applied>(api, "POST", "/v1/bulk-edits/apply", {
        token: s.accessToken,
        body,
      });
      const after = await all(s);
      // The preview shows exactly what is written, as text with the column's two decimals.
      for (const x of pv.body.sample) {
        const row = after.find((l) => l.id === x.id);
        expect(x.after).toEqual({ price: Number(row?.price).toFixed(2) });
        expect(x.before).toEqual({
          price: Number(before.find((l) => l.id === x.id)?.price).toFixed(2),
        });
      }
      expect(ap.body.changed).toBe(pv.body.changed);
      return after.map((l) => l.price);
    };
    // 999 × 1.1 = 1098.9 yen, 15,000 × 1.1 = 16,500.00 won (already whole).
    expect(await run({ kind: "priceChange", mode: "percent", value: 10 })).toEqual([
      0, 1099, 16_500, 10.99,
    ]);
    // No .99 below a whole yen or won; nothing ends in .99 at 0.
    expect(await run({ kind: "priceChange", mode: "percent", value: -10, rounding: "99" })).toEqual(
      [0, 990, 14_850, 9.99],
    );
    expect(await run({ kind: "priceChange", mode: "amount", value: 0.5, floor: 5.555 })).toEqual([
      5.56, 991, 14_851, 10.49,
    ]);
    // An amount cut past 0 ends at 0, never below.
    expect(await run({ kind: "priceChange", mode: "amount", value: -20_000 })).toEqual([
      0, 0, 0, 0,
    ]);
  });

  it("refuses a percent cut of 100 % or more, which would leave every price at 0", async () => {
    const s = await signUp(api);
    await seed(s, [sampleListing({ title: "A", price: 12.5 })]);
    for (const path of ["/v1/bulk-edits/preview", "/v1/bulk-edits/apply"])
      for (const value of [-100, -150]) {
        const r = await call<{ error: { code: string; details: { issues: unknown[] } } }>(
          api,
          "POST",
          path,
          {
            token: s.accessToken,
            body: {
              selection: { filter: {} },
              operation: { kind: "priceChange", mode: "percent", value },
            },
          },
        );
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe("VALIDATION_FAILED");
        expect(r.body.error.details.issues).toContainEqual({
          path: "operation.value",
          message: "A cut of 100 % or more would leave every price at 0",
        });
      }
    expect((await all(s)).map((l) => l.price)).toEqual([12.5]);
  });

  it("cuts with a floor down to it, never raising a price already below it", async () => {
    const s = await signUp(api);
    await seed(s, [
      sampleListing({ title: "A", price: 12.5 }),
      sampleListing({ title: "B", price: 105 }),
      sampleListing({ title: "C", price: 150 }),
    ]);
    const op = { kind: "priceChange", mode: "percent", value: -10, rounding: "99", floor: 100 };
    const pv = await call<Preview>(api, "POST", "/v1/bulk-edits/preview", {
      token: s.accessToken,
      body: { selection: { filter: {} }, operation: op },
    });
    // 12.50 is under the floor and stays; 105 → 94.99 is held at 100; 150 → 134.99.
    expect(pv.body.changed).toBe(2);
    expect(pv.body.sample.map((x) => x.after.price).sort()).toEqual(["100.00", "134.99"]);
    const ap = await call<Applied>(api, "POST", "/v1/bulk-edits/apply", {
      token: s.accessToken,
      body: { selection: { filter: {} }, operation: op },
    });
    expect(ap.body.changed).toBe(2);
    expect((await all(s)).map((l) => l.price)).toEqual([12.5, 100, 134.99]);
  });

  it("matches an emoji whole, never by half, and refuses row by row a result with a lone surrogate", async () => {
    const s = await signUp(api);
    const [smile] = await seed(s, [
      sampleListing({ title: "Smile \u{1F600} lamp" }),
      sampleListing({ title: "Plain lamp" }),
    ]);
    const body = {
      selection: { filter: {} },
      operation: { kind: "findReplace", field: "title", find: "\udE00 lamp", replace: " light" },
    };
    const broken = {
      ...body,
      operation: { kind: "findReplace", field: "title", find: "smile", replace: "\ud800" },
    };
    for (const b of [body, broken]) {
      const pv = await call<Preview>(api, "POST", "/v1/bulk-edits/preview", {
        token: s.accessToken,
        body: b,
      });
      const ap = await call<Applied>(api, "POST", "/v1/bulk-edits/apply", {
        token: s.accessToken,
        body: b,
      });
      expect(ap.status).toBe(200);
      expect(ap.body).toMatchObject({ changed: pv.body.changed, rejected: pv.body.rejectedCount });
    }
    // Half an emoji is not a character of the title, in plain text as in a pattern.
    const half = await call<Preview>(api, "POST", "/v1/bulk-edits/preview", {
      token: s.accessToken,
      body,
    });
    expect(half.body).toMatchObject({ changed: 0, rejectedCount: 0 });
    const pv = await call<Preview>(api, "POST", "/v1/bulk-edits/preview", {
      token: s.accessToken,
      body: broken,
    });
    expect(pv.body).toMatchObject({ changed: 0, rejectedCount: 1 });
    expect(pv.body.rejected[0]?.id).toBe(smile);
    expect((await all(s)).map((l) => l.title)).toEqual(["Plain lamp", "Smile \u{1F600} lamp"]);
  });
});
