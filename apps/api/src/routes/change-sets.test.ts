import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, sampleListing, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
});
afterAll(() => api.close());

type L = { id: string; title: string; price: number; version: number };

/** A new seller with one listing at price 10, created through the API (its own change set). */
async function oneListing() {
  const s = await signUp(api);
  const t = s.accessToken;
  const made = await call<L & { changeSetId: string }>(api, "POST", "/v1/listings", {
    token: t,
    body: sampleListing({ price: 10 }),
  });
  return { t, made, id: made.body.id };
}

const revertAs = (token: string, csId: string, verb: "undo" | "redo") =>
  call(api, "POST", `/v1/change-sets/${csId}/${verb}`, { token });

describe("change sets, undo and redo", () => {
  it("undoes and redoes a bulk upsert and a delete", async () => {
    const s = await signUp(api);
    const t = s.accessToken;
    const base = await call<L>(api, "POST", "/v1/listings", {
      token: t,
      body: sampleListing({ sku: "A", price: 10 }),
    });
    const bulk = await call<{ changeSetId: string }>(api, "POST", "/v1/listings/bulk", {
      token: t,
      body: { rows: [{ sku: "A", price: 20 }, sampleListing({ sku: "B" })] },
    });
    const list = async () =>
      (
        await call<{ items: L[] }>(api, "GET", "/v1/listings?sort=title:asc&limit=100", {
          token: t,
        })
      ).body.items;
    expect((await list()).length).toBe(2);
    const undo = await call<{ status: string }>(
      api,
      "POST",
      `/v1/change-sets/${bulk.body.changeSetId}/undo`,
      { token: t },
    );
    expect(undo.status).toBe(200);
    expect(undo.body.status).toBe("undone");
    let rows = await list();
    expect(rows.length).toBe(1);
    expect(rows[0]?.price).toBe(10);
    expect(
      (await call(api, "POST", `/v1/change-sets/${bulk.body.changeSetId}/undo`, { token: t }))
        .status,
    ).toBe(409);
    const redo = await call(api, "POST", `/v1/change-sets/${bulk.body.changeSetId}/redo`, {
      token: t,
    });
    expect(redo.status).toBe(200);
    rows = await list();
    expect(rows.length).toBe(2);
    expect(rows.find((r) => r.id === base.body.id)?.price).toBe(20);

    const del = await call<{ changeSetId: string }>(api, "DELETE", `/v1/listings/${base.body.id}`, {
      token: t,
    });
    await call(api, "POST", `/v1/change-sets/${del.body.changeSetId}/undo`, { token: t });
    const back = await call<L & { sku: string }>(api, "GET", `/v1/listings/${base.body.id}`, {
      token: t,
    });
    expect(back.status).toBe(200);
    expect(back.body.sku).toBe("A");
    expect(back.body.price).toBe(20);
  });

  it("refuses undo with 409 when a row changed since, touching nothing", async () => {
    const s = await signUp(api);
    const t = s.accessToken;
    const a = await call<L>(api, "POST", "/v1/listings", {
      token: t,
      body: sampleListing({ price: 10 }),
    });
    const b = await call<L>(api, "POST", "/v1/listings", {
      token: t,
      body: sampleListing({ price: 10 }),
    });
    const bulk = await call<{ changeSetId: string }>(api, "POST", "/v1/listings/bulk", {
      token: t,
      body: {
        rows: [
          { id: a.body.id, price: 11 },
          { id: b.body.id, price: 12 },
        ],
      },
    });
    await call(api, "PATCH", `/v1/listings/${b.body.id}`, { token: t, body: { price: 99 } });
    const undo = await call<{ error: { code: string; details: { listingIds: string[] } } }>(
      api,
      "POST",
      `/v1/change-sets/${bulk.body.changeSetId}/undo`,
      { token: t },
    );
    expect(undo.status).toBe(409);
    expect(undo.body.error.details.listingIds).toEqual([b.body.id]);
    expect((await call<L>(api, "GET", `/v1/listings/${a.body.id}`, { token: t })).body.price).toBe(
      11,
    );
  });

  it("undoes edits of one row newest first and redoes them in order, as the grid's undo stack does", async () => {
    const { t, made, id } = await oneListing();
    const a = await call<L & { changeSetId: string }>(api, "PATCH", `/v1/listings/${id}`, {
      token: t,
      body: { price: 11, version: made.body.version },
    });
    const b = await call<L & { changeSetId: string }>(api, "PATCH", `/v1/listings/${id}`, {
      token: t,
      body: { price: 12, version: a.body.version },
    });
    const price = async () =>
      (await call<L>(api, "GET", `/v1/listings/${id}`, { token: t })).body.price;
    const step = async (csId: string, verb: "undo" | "redo", expected: number) => {
      const r = await call(api, "POST", `/v1/change-sets/${csId}/${verb}`, { token: t });
      expect(r.status, `${verb} → ${expected}`).toBe(200);
      expect(await price()).toBe(expected);
    };
    const refused = async (csId: string, verb: "undo" | "redo") => {
      const before = await price();
      const r = await call(api, "POST", `/v1/change-sets/${csId}/${verb}`, { token: t });
      expect(r.status, verb).toBe(409);
      expect(await price()).toBe(before);
    };
    // Out of order, the earlier edit's state is gone: refused.
    await refused(a.body.changeSetId, "undo");
    for (let round = 0; round < 2; round++) {
      await step(b.body.changeSetId, "undo", 11);
      await step(a.body.changeSetId, "undo", 10);
      await refused(b.body.changeSetId, "redo");
      await step(a.body.changeSetId, "redo", 11);
      await step(b.body.changeSetId, "redo", 12);
    }
    // Any other edit since (even of another field) still blocks it.
    await step(b.body.changeSetId, "undo", 11);
    const now = await call<L>(api, "GET", `/v1/listings/${id}`, { token: t });
    await call(api, "PATCH", `/v1/listings/${id}`, {
      token: t,
      body: { title: "Renamed meanwhile", version: now.body.version },
    });
    await refused(a.body.changeSetId, "undo");
  });

  it("re-creates a twice-deleted listing under a new version, so an old edit cannot be redone over newer ones", async () => {
    const { t, id } = await oneListing();
    const get = () => call<L>(api, "GET", `/v1/listings/${id}`, { token: t });
    const revert = (csId: string, verb: "undo" | "redo") => revertAs(t, csId, verb);
    const patch = async (price: number) => {
      const now = await get();
      return call<L & { changeSetId: string }>(api, "PATCH", `/v1/listings/${id}`, {
        token: t,
        body: { price, version: now.body.version },
      });
    };
    const del = await call<{ changeSetId: string }>(api, "DELETE", `/v1/listings/${id}`, {
      token: t,
    });
    expect((await revert(del.body.changeSetId, "undo")).status).toBe(200);
    const e = await patch(11);
    expect((await revert(e.body.changeSetId, "undo")).status).toBe(200);
    // Back at the state the undo of the delete brought back: the delete can be redone.
    expect((await revert(del.body.changeSetId, "redo")).status).toBe(200);
    expect((await get()).status).toBe(404);
    expect((await revert(del.body.changeSetId, "undo")).status).toBe(200);
    expect((await get()).body.price).toBe(10);
    await patch(12);
    await patch(13);
    // The edit undone earlier belongs to a past the two new edits replaced.
    expect((await revert(e.body.changeSetId, "redo")).status).toBe(409);
    expect((await get()).body.price).toBe(13);
  });

  it("undoes a listing's creation after undoing its edits, and redoes both in order", async () => {
    const { t, made, id } = await oneListing();
    const edit = await call<L & { changeSetId: string }>(api, "PATCH", `/v1/listings/${id}`, {
      token: t,
      body: { price: 11, version: made.body.version },
    });
    const revert = (csId: string, verb: "undo" | "redo") => revertAs(t, csId, verb);
    const get = () => call<L>(api, "GET", `/v1/listings/${id}`, { token: t });
    // While the edit stands, the creation cannot be undone.
    expect((await revert(made.body.changeSetId, "undo")).status).toBe(409);
    expect((await get()).body.price).toBe(11);
    expect((await revert(edit.body.changeSetId, "undo")).status).toBe(200);
    // The creation undone and redone twice over still stands in the state the edit started from.
    for (let i = 0; i < 2; i++) {
      expect((await revert(made.body.changeSetId, "undo")).status).toBe(200);
      expect((await revert(made.body.changeSetId, "redo")).status).toBe(200);
    }
    expect((await revert(edit.body.changeSetId, "redo")).status).toBe(200);
    expect((await get()).body.price).toBe(11);
    for (let round = 0; round < 2; round++) {
      expect((await revert(edit.body.changeSetId, "undo")).status).toBe(200);
      expect((await revert(made.body.changeSetId, "undo")).status).toBe(200);
      expect((await get()).status).toBe(404);
      expect((await revert(made.body.changeSetId, "redo")).status).toBe(200);
      expect((await get()).body.price).toBe(10);
      expect((await revert(edit.body.changeSetId, "redo")).status).toBe(200);
      expect((await get()).body.price).toBe(11);
    }
  });

  it("refuses with 409 an undo that would bring back a SKU taken since", async () => {
    const s = await signUp(api);
    const t = s.accessToken;
    const first = await call<{ id: string }>(api, "POST", "/v1/listings", {
      token: t,
      body: sampleListing({ sku: "TAKEN-1" }),
    });
    const del = await call<{ changeSetId: string }>(
      api,
      "DELETE",
      `/v1/listings/${first.body.id}`,
      {
        token: t,
      },
    );
    const second = await call<{ id: string; changeSetId: string }>(api, "POST", "/v1/listings", {
      token: t,
      body: sampleListing({ sku: "TAKEN-1" }),
    });
    expect(second.status).toBe(201);
    const undo = await call<{ error: { code: string } }>(
      api,
      "POST",
      `/v1/change-sets/${del.body.changeSetId}/undo`,
      { token: t },
    );
    expect(undo.status).toBe(409);
    expect(undo.body.error.code).toBe("CONFLICT");
    // Nothing was touched: the deleted listing stays deleted, the new one keeps the SKU.
    expect((await call(api, "GET", `/v1/listings/${first.body.id}`, { token: t })).status).toBe(
      404,
    );
    const kept = await call<{ sku: string }>(api, "GET", `/v1/listings/${second.body.id}`, {
      token: t,
    });
    expect(kept.body.sku).toBe("TAKEN-1");
  });

  it("lists change sets with entries holding before and after", async () => {
    const s = await signUp(api);
    const a = await call<L>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ price: 10 }),
    });
    const e = await call<{ changeSetId: string }>(api, "PATCH", `/v1/listings/${a.body.id}`, {
      token: s.accessToken,
      body: { price: 15 },
    });
    const list = await call<{ items: { id: string; kind: string }[] }>(
      api,
      "GET",
      "/v1/change-sets",
      { token: s.accessToken },
    );
    expect(list.body.items.map((c) => c.kind)).toEqual(["edit", "create"]);
    const detail = await call<{
      entries: { before: Record<string, unknown>; after: Record<string, unknown> }[];
    }>(api, "GET", `/v1/change-sets/${e.body.changeSetId}`, { token: s.accessToken });
    expect(detail.body.entries[0]).toMatchObject({
      before: { price: "10.00", version: 1 },
      after: { price: "15.00", version: 2 },
    });
  });

  it("pages the entries of a change set larger than one chunk and reverts it back and forth", async () => {
    const s = await signUp(api);
    const t = s.accessToken;
    const n = 5200;
    type Entry = { id: number; listingId: string; op: string; before: L; after: L };
    const created = await call<{ changeSetId: string; created: number }>(
      api,
      "POST",
      "/v1/listings/bulk",
      {
        token: t,
        body: {
          rows: Array.from({ length: n }, (_, i) =>
            sampleListing({ sku: `P-${i}`, title: `Paged item ${i}`, price: 10 }),
          ),
        },
      },
    );
    expect(created.body.created).toBe(n);
    // A created listing that still stands as created shows itself as the entry's "after".
    const first = await call<{ entries: Entry[] }>(
      api,
      "GET",
      `/v1/change-sets/${created.body.changeSetId}?entriesLimit=1`,
      { token: t },
    );
    expect(first.body.entries[0]).toMatchObject({ op: "create", before: null });
    expect(first.body.entries[0]?.after).toMatchObject({ price: "10.00", version: 1 });

    const prices = async () => {
      const r = await call<{ items: L[]; total: number }>(
        api,
        "GET",
        "/v1/listings?limit=200&includeTotal=true",
        { token: t },
      );
      return { total: r.body.total, prices: new Set(r.body.items.map((i) => i.price)) };
    };
    const revert = (id: string, way: "undo" | "redo") =>
      call(api, "POST", `/v1/change-sets/${id}/${way}`, { token: t });
    expect((await revert(created.body.changeSetId, "undo")).status).toBe(200);
    expect((await prices()).total).toBe(0);
    expect((await revert(created.body.changeSetId, "redo")).status).toBe(200);
    expect(await prices()).toEqual({ total: n, prices: new Set([10]) });
    const back = await call<{ items: (L & { sku: string })[] }>(
      api,
      "GET",
      "/v1/listings?limit=1&q=Paged%20item%205199",
      { token: t },
    );
    expect(back.body.items[0]).toMatchObject({ sku: "P-5199", price: 10 });

    const price = await call<{ changeSetId: string; changed: number }>(
      api,
      "POST",
      "/v1/bulk-edits/apply",
      {
        token: t,
        body: {
          selection: { filter: {} },
          operation: { kind: "priceChange", mode: "amount", value: 5 },
        },
      },
    );
    expect(price.body.changed).toBe(n);
    const seen = new Set<string>();
    let cursor: number | null = null;
    let pages = 0;
    do {
      const q: string = cursor === null ? "" : `&entriesAfter=${cursor}`;
      const page: { body: { entries: Entry[]; nextEntriesCursor: number | null } } = await call(
        api,
        "GET",
        `/v1/change-sets/${price.body.changeSetId}?entriesLimit=1000${q}`,
        { token: t },
      );
      for (const e of page.body.entries) {
        expect(e).toMatchObject({
          op: "update",
          before: { price: "10.00" },
          after: { price: "15.00" },
        });
        seen.add(e.listingId);
      }
      cursor = page.body.nextEntriesCursor;
      pages++;
    } while (cursor !== null);
    expect(seen.size).toBe(n);
    expect(pages).toBe(6);
    // The listing has moved on since it was created; the snapshot its undo took still shows.
    const edited = await call<{ entries: Entry[] }>(
      api,
      "GET",
      `/v1/change-sets/${created.body.changeSetId}?entriesLimit=1`,
      { token: t },
    );
    expect(edited.body.entries[0]).toMatchObject({
      op: "create",
      before: null,
      after: { price: "10.00", version: 1 },
    });
    expect((await revert(price.body.changeSetId, "undo")).status).toBe(200);
    expect(await prices()).toEqual({ total: n, prices: new Set([10]) });
    expect((await revert(price.body.changeSetId, "redo")).status).toBe(200);
    expect(await prices()).toEqual({ total: n, prices: new Set([15]) });
    // The creates were edited since: their undo is refused.
    expect((await revert(created.body.changeSetId, "undo")).status).toBe(409);
  });

  it("answers 404 for an id that is not a uuid, like every other resource", async () => {
    const s = await signUp(api);
    const r = await call<{ error: { code: string } }>(api, "GET", "/v1/change-sets/not-a-uuid", {
      token: s.accessToken,
    });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("NOT_FOUND");
  });

  it("pages with `before` given as an RFC 3339 time with an offset", async () => {
    const { t } = await oneListing();
    const list = (before: string) =>
      call<{ items: { id: string; createdAt: string }[] }>(
        api,
        "GET",
        `/v1/change-sets?before=${encodeURIComponent(before)}`,
        { token: t },
      );
    const created = new Date(
      (await call<{ items: { createdAt: string }[] }>(api, "GET", "/v1/change-sets", { token: t }))
        .body.items[0]?.createdAt ?? "",
    );
    /** The instant `ms` from the change set's creation, written in UTC+01:00. */
    const plusOne = (ms: number) =>
      `${new Date(created.getTime() + ms + 3_600_000).toISOString().slice(0, 19)}+01:00`;
    const later = await list(plusOne(60_000));
    expect(later.status).toBe(200);
    expect(later.body.items).toHaveLength(1);
    const earlier = await list(plusOne(-60_000));
    expect(earlier.status).toBe(200);
    expect(earlier.body.items).toHaveLength(0);
  });
});

describe("collection pages", () => {
  it("pages change sets and templates through nextCursor and answers 400 to a bad cursor", async () => {
    const s = await signUp(api);
    const t = s.accessToken;
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call<{ changeSetId: string }>(api, "POST", "/v1/listings/bulk", {
        token: t,
        body: { rows: [sampleListing({ sku: `P${i}` })] },
      });
      made.push(r.body.changeSetId);
    }
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const q: string = next ? `&cursor=${encodeURIComponent(next)}` : "";
      const page = await call<{ items: { id: string }[]; nextCursor: string | null }>(
        api,
        "GET",
        `/v1/change-sets?limit=2${q}`,
        { token: t },
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((c) => c.id));
      next = page.body.nextCursor;
    } while (next);
    expect(seen).toEqual([...made].reverse());

    const collections = [
      "/v1/change-sets",
      "/v1/templates",
      "/v1/ocr/scans",
      "/v1/exports",
      "/v1/imports",
    ];
    for (const path of collections) {
      const bad = await call<{ error: { code: string } }>(api, "GET", `${path}?cursor=nope`, {
        token: t,
      });
      expect(bad.status, path).toBe(400);
      expect(bad.body.error.code, path).toBe("VALIDATION_FAILED");
    }
    const doc = await call<{ paths: Record<string, { get: { parameters?: { name: string }[] } }> }>(
      api,
      "GET",
      "/v1/openapi.json",
    );
    for (const path of collections)
      expect(
        doc.body.paths[path]?.get.parameters?.map((p) => p.name),
        path,
      ).toContain("cursor");
  });
});
