import { type OpenAIStub, startOpenAIStub } from "@mbe/search/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  createTestApi,
  type Seller,
  signUp,
  type TestApi,
  waitFor,
} from "../../test/harness";

// Without an OpenAI key the local embedder runs: the one whose results mean something offline.
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" }, { workers: true, search: true });
});
afterAll(async () => {
  await api.close();
});

type Hit = { listing: { id: string; title: string }; score: number; semanticScore?: number };

const CATALOG = [
  { title: "12V 100Ah LiFePO4 deep cycle battery", category: "Electronics//Batteries", price: 329 },
  { title: "Grey three-seat fabric sofa", category: "Home & Garden//Furniture", price: 250 },
  { title: "Trek FX 2 hybrid bicycle 53cm", category: "Sporting Goods//Bicycles", price: 480 },
  { title: "Apple MacBook Air M1 8GB 256GB", category: "Electronics//Computers", price: 650 },
  {
    title: "Nintendo Switch OLED console with games",
    category: "Toys & Games//Video Games",
    price: 280,
  },
];

async function seed(s: Seller, rows: Record<string, unknown>[]) {
  const r = await call<{ results: { id: string }[] }>(api, "POST", "/v1/listings/bulk", {
    token: s.accessToken,
    body: { rows },
  });
  return r.body.results.map((x) => x.id);
}
async function searchFor(s: Seller, q: string) {
  return call<{ items: Hit[] }>(api, "GET", `/v1/search?q=${encodeURIComponent(q)}&limit=5`, {
    token: s.accessToken,
  });
}

describe("semantic search", () => {
  it("finds listings by meaning, kept fresh by index jobs after each write", async () => {
    const s = await signUp(api);
    const ids = await seed(s, CATALOG);
    const couch = await waitFor(async () => {
      const r = await searchFor(s, "couch");
      return r.body.items.length ? r.body : undefined;
    });
    expect(couch.items[0]?.listing.title).toContain("sofa");
    expect(
      (await searchFor(s, "12 volt battery for a camper")).body.items[0]?.listing.title,
    ).toContain("LiFePO4");
    expect((await searchFor(s, "laptop")).body.items[0]?.listing.title).toContain("MacBook");
    // Edits and deletes reach the index.
    await call(api, "PATCH", `/v1/listings/${ids[2]}`, {
      token: s.accessToken,
      body: { title: "Specialized mountain bike 29er" },
    });
    await waitFor(async () =>
      ((await searchFor(s, "mountain bike")).body.items[0]?.listing.title ?? "").includes("29er"),
    );
    await call(api, "DELETE", `/v1/listings/${ids[1]}`, { token: s.accessToken });
    await waitFor(
      async () => !(await searchFor(s, "couch")).body.items.some((h) => h.listing.id === ids[1]),
    );
  });

  it("indexes saves queued behind a busy index worker together, deciding by what the database holds", async () => {
    const s = await signUp(api);
    const [keep, gone, back] = await seed(s, [
      { title: "Cast iron dutch oven 6 quart", price: 45 },
      { title: "Folding camping chair", price: 15 },
      { title: "Acoustic guitar with hard case", price: 210 },
    ]);
    await waitFor(async () => (await searchFor(s, "guitar")).body.items.length > 0);
    const queue = api.deps.queues?.searchIndex;
    if (!queue) throw new Error("no queues");
    // While the queue is paused every save leaves a job behind; on resume they meet in one batch.
    await queue.pause();
    try {
      for (let i = 0; i < 8; i++)
        await call(api, "POST", "/v1/listings", {
          token: s.accessToken,
          body: { title: `Vintage vinyl record ${i} jazz LP`, price: 12 + i },
        });
      await call(api, "PATCH", `/v1/listings/${keep}`, {
        token: s.accessToken,
        body: { title: "Enamelled cast iron casserole pot" },
      });
      await call(api, "POST", "/v1/listings/bulk-delete", {
        token: s.accessToken,
        body: { ids: [gone] },
      });
      // Deleted, then brought back by undo: a remove job queued before an upsert job of one id.
      const del = await call<{ changeSetId: string }>(api, "POST", "/v1/listings/bulk-delete", {
        token: s.accessToken,
        body: { ids: [back] },
      });
      await call(api, "POST", `/v1/change-sets/${del.body.changeSetId}/undo`, {
        token: s.accessToken,
      });
      expect(await queue.getWaitingCount()).toBeGreaterThanOrEqual(12);
    } finally {
      await queue.resume();
    }
    await waitFor(
      async () => (await queue.getWaitingCount()) + (await queue.getActiveCount()) === 0,
    );
    const done = await queue.getCompleted(0, 50);
    const batched = done.filter((j) => (j.returnvalue as { batchedWith?: string })?.batchedWith);
    expect(batched.length).toBeGreaterThanOrEqual(10);
    const vinyl = await searchFor(s, "jazz vinyl LP");
    expect(vinyl.body.items.filter((h) => h.listing.title.includes("vinyl")).length).toBe(5);
    expect((await searchFor(s, "casserole pot")).body.items[0]?.listing.id).toBe(keep);
    expect(
      (await searchFor(s, "camping chair")).body.items.some((h) => h.listing.id === gone),
    ).toBe(false);
    expect((await searchFor(s, "guitar hard case")).body.items[0]?.listing.id).toBe(back);
  });

  it("indexes one seller one batch at a time across workers (a Redis lock per seller)", async () => {
    const s = await signUp(api);
    const [id] = await seed(s, [{ title: "Brass floor lamp", price: 60 }]);
    await waitFor(async () => (await searchFor(s, "lamp")).body.items[0]?.listing.id === id);
    const queue = api.deps.queues?.searchIndex;
    if (!queue) throw new Error("no queues");
    const redis = api.redis;
    const lock = `${queue.opts.prefix}:search-index-lock:${s.id}`;
    // Another worker holds this seller's lock: the save's index job waits for it. Taken the way a
    // worker takes it, once no index batch is running (one still running from the seed would read
    // the saved title from the database and index it regardless of the lock taken after it).
    await waitFor(
      async () =>
        (await queue.getActiveCount()) === 0 &&
        (await redis.set(lock, "another-worker", "PX", 30_000, "NX")) === "OK",
    );
    try {
      await call(api, "PATCH", `/v1/listings/${id}`, {
        token: s.accessToken,
        body: { title: "Walnut rocking chair" },
      });
      await new Promise((r) => setTimeout(r, 1500));
      expect(await queue.getActiveCount()).toBeGreaterThanOrEqual(1);
      const meanwhile = (await searchFor(s, "rocking chair")).body.items[0];
      expect(meanwhile?.semanticScore ?? 0).toBeLessThan(0.5);
    } finally {
      await redis.del(lock);
    }
    await waitFor(
      async () => ((await searchFor(s, "rocking chair")).body.items[0]?.semanticScore ?? 0) > 0.5,
    );
    expect(await redis.exists(lock)).toBe(0);
  });

  it("never returns another seller's listings", async () => {
    const a = await signUp(api);
    const b = await signUp(api);
    const [secret] = await seed(a, [
      { title: "Secret vintage Rolex Submariner watch", price: 9000 },
    ]);
    await seed(b, [{ title: "Casio digital watch", price: 20 }]);
    await waitFor(async () => (await searchFor(a, "watch")).body.items.length > 0);
    await waitFor(async () => (await searchFor(b, "watch")).body.items.length > 0);
    const r = await searchFor(b, "rolex submariner");
    expect(r.body.items.every((h) => h.listing.id !== secret)).toBe(true);
    expect(
      (await call(api, "GET", `/v1/listings/${secret}/similar`, { token: b.accessToken })).status,
    ).toBe(404);
  });

  it("lists similar listings and duplicate groups, and merges duplicates as one undoable change set", async () => {
    const s = await signUp(api);
    const ids = await seed(s, [
      { title: "Nintendo Switch OLED white console", price: 280, quantity: 1, sku: "A" },
      { title: "Nintendo Switch OLED white console", price: 280, quantity: 2, sku: "B" },
      { title: "Garden hose 30m", price: 25 },
    ]);
    const similar = await waitFor(async () => {
      const r = await call<{ items: Hit[] }>(api, "GET", `/v1/listings/${ids[0]}/similar?limit=2`, {
        token: s.accessToken,
      });
      return r.status === 200 && r.body.items.length ? r.body : undefined;
    });
    expect(similar.items[0]?.listing.id).toBe(ids[1]);
    const dups = await call<{ groups: { id: string }[][] }>(
      api,
      "GET",
      "/v1/duplicates?threshold=0.9",
      { token: s.accessToken },
    );
    expect(dups.body.groups.map((g) => g.map((l) => l.id).sort())).toContainEqual(
      [ids[0], ids[1]].sort(),
    );
    const merged = await call<{ changeSetId: string; removed: number }>(
      api,
      "POST",
      "/v1/duplicates/merge",
      { token: s.accessToken, body: { keepId: ids[0], mergeIds: [ids[1]] } },
    );
    expect(merged.body.removed).toBe(1);
    expect(
      (
        await call<{ quantity: number }>(api, "GET", `/v1/listings/${ids[0]}`, {
          token: s.accessToken,
        })
      ).body.quantity,
    ).toBe(3);
    await call(api, "POST", `/v1/change-sets/${merged.body.changeSetId}/undo`, {
      token: s.accessToken,
    });
    expect(
      (await call(api, "GET", `/v1/listings/${ids[1]}`, { token: s.accessToken })).status,
    ).toBe(200);
  });

  it("rebuilds the index into a new generation on demand (admins only) and on a nightly schedule", async () => {
    const s = await signUp(api);
    await seed(s, CATALOG);
    await waitFor(async () => (await searchFor(s, "couch")).body.items.length > 0);
    expect(
      (await call(api, "POST", "/v1/admin/search/reindex", { token: s.accessToken })).status,
    ).toBe(403);
    const pg = api.db.sql;
    if (!pg) throw new Error("tests run on PostgreSQL");
    await pg`update users set role = 'admin' where id = ${s.id}`;
    const search = api.deps.search;
    if (!search) throw new Error("search not configured");
    const before = (await search.index.status()).active;
    const r = await call<{ jobId: string }>(api, "POST", "/v1/admin/search/reindex", {
      token: s.accessToken,
    });
    expect(r.status).toBe(202);
    await waitFor(async () => {
      const st = await search.index.status();
      return st.active !== before && st.building === null;
    }, 30_000);
    expect((await searchFor(s, "couch")).body.items[0]?.listing.title).toContain("sofa");
    const schedulers = await api.deps.queues?.searchIndex.getJobSchedulers();
    expect(schedulers?.map((j) => j.key)).toContain("nightly-rebuild");
    expect(schedulers?.find((j) => j.key === "nightly-rebuild")?.pattern).toBe("0 3 * * *");
  });

  it("answers 503 with a code when Chroma is unreachable, while saves still succeed", async () => {
    const s = await signUp(api);
    const { createSearchPort } = await import("@mbe/core");
    const { memoryActiveStore } = await import("@mbe/search/testing");
    const saved = api.deps.search;
    api.deps.search = createSearchPort({
      chromaUrl: "http://127.0.0.1:1",
      activeStore: memoryActiveStore(),
      timeoutMs: 1000,
    });
    try {
      const r = await call<{ error: { code: string } }>(api, "GET", "/v1/search?q=anything", {
        token: s.accessToken,
      });
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe("SEARCH_UNAVAILABLE");
      const created = await call(api, "POST", "/v1/listings", {
        token: s.accessToken,
        body: { title: "Saved while search is down", price: 5 },
      });
      expect(created.status).toBe(201);
    } finally {
      api.deps.search = saved;
    }
  });

  it("rejects empty, overlong and control-character queries with 400 VALIDATION_FAILED", async () => {
    const s = await signUp(api);
    for (const q of ["", "%20%20", "a".repeat(501), "%00sofa", "so%01fa", "sofa%1B%5B2J", "%7F"]) {
      const r = await call<{ error: { code: string; details?: { issues: { path: string }[] } } }>(
        api,
        "GET",
        `/v1/search?q=${q}`,
        { token: s.accessToken },
      );
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_FAILED");
      expect(r.body.error.details?.issues.map((i) => i.path)).toEqual(["q"]);
    }
    // Tabs and line breaks are spacing.
    expect((await searchFor(s, "grey\tsofa\n")).status).toBe(200);
  });

  it("refuses AI with a clear code when no OpenAI key is configured", async () => {
    const s = await signUp(api);
    const [id] = await seed(s, [{ title: "Lamp", price: 5 }]);
    const saved = api.deps.search;
    if (!saved) throw new Error("search not configured");
    api.deps.search = { ...saved, openai: undefined };
    try {
      const r = await call<{ error: { code: string } }>(api, "POST", "/v1/ai/suggest", {
        token: s.accessToken,
        body: { listingIds: [id] },
      });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("NOT_CONFIGURED");
    } finally {
      api.deps.search = saved;
    }
  });
});

describe("AI assistance (OpenAI stand-in server on 127.0.0.1)", () => {
  let ai: TestApi;
  let stub: OpenAIStub;
  beforeAll(async () => {
    stub = await startOpenAIStub();
    ai = await createTestApi(
      { RATE_LIMIT_PER_MINUTE: "100000" },
      { workers: true, search: true, openaiBaseUrl: stub.url },
    );
  });
  afterAll(async () => {
    await ai.close();
    await stub.stop();
  });

  it("suggests listing text with an OpenAI key (stub server), applied as a change set, and answers questions with citations", async () => {
    const s = await signUp(ai);
    const ids = (
      await call<{ results: { id: string }[] }>(ai, "POST", "/v1/listings/bulk", {
        token: s.accessToken,
        body: { rows: CATALOG.slice(0, 2) },
      })
    ).body.results.map((x) => x.id);
    const sug = await call<{
      suggestions: { id: string; after: { title: string; description: string } }[];
    }>(ai, "POST", "/v1/ai/suggest", {
      token: s.accessToken,
      body: { listingIds: [ids[0]], marketplace: "ebay" },
    });
    expect(sug.status).toBe(200);
    const first = sug.body.suggestions[0];
    expect(first?.after.title.length).toBeGreaterThan(0);
    expect(first?.after.title.length).toBeLessThanOrEqual(80);
    const applied = await call<{ updated: number; changeSetId: string }>(
      ai,
      "POST",
      "/v1/ai/apply",
      { token: s.accessToken, body: { suggestions: [{ id: ids[0], title: first?.after.title }] } },
    );
    expect(applied.body.changeSetId).toBeTruthy();
    expect(stub.requests.some((r) => r.path.includes("chat/completions"))).toBe(true);
    await waitFor(
      async () =>
        (
          await call<{ items: unknown[] }>(ai, "GET", "/v1/search?q=battery", {
            token: s.accessToken,
          })
        ).body.items.length > 0,
    );
    const ask = await call<{ answer: string; citations: { id: string }[] }>(
      ai,
      "POST",
      "/v1/ai/ask",
      { token: s.accessToken, body: { question: "Which batteries do I sell?" } },
    );
    expect(ask.status).toBe(200);
    expect(typeof ask.body.answer).toBe("string");
    expect(ask.body.citations.every((c) => ids.includes(c.id))).toBe(true);
  });
});
