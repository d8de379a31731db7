import { type OpenAIStub, startOpenAIStub } from "@mbe/search/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi, waitFor } from "../../test/harness";

// Search with an OpenAI key: every query is embedded by the (stand-in) OpenAI server first.
let api: TestApi;
let stub: OpenAIStub;
beforeAll(async () => {
  stub = await startOpenAIStub();
  api = await createTestApi(
    { RATE_LIMIT_PER_MINUTE: "100000" },
    { workers: true, search: true, openaiBaseUrl: stub.url },
  );
});
afterAll(async () => {
  await api.close();
  await stub.stop();
});

type Hits = { items: { listing: { id: string } }[] };

describe("search when OpenAI embeds the queries", () => {
  it("answers 503 AI_UNAVAILABLE within the query bound when OpenAI is slow or rate limits, then recovers", async () => {
    const s = await signUp(api);
    const created = await call<{ id: string }>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: { title: "Grey three-seat fabric sofa", price: 250 },
    });
    const search = () =>
      call<Hits & { error: { code: string } }>(api, "GET", "/v1/search?q=qzx", {
        token: s.accessToken,
      });
    // Stub vectors carry no meaning, but a seller's only indexed listing is always the top hit.
    // Indexed by the worker in the background: generous on a loaded machine.
    await waitFor(
      async () => (await search()).body.items?.[0]?.listing.id === created.body.id,
      60_000,
    );
    try {
      // An answer that takes a minute, then a rate limit asking to come back in 20 s, per attempt.
      for (const trouble of [
        () => stub.setDelay(60_000),
        () => stub.failNext(10, 429, { retryAfterSeconds: 20 }),
      ]) {
        stub.reset();
        trouble();
        const t0 = Date.now();
        const r = await search();
        expect(r.status).toBe(503);
        expect(r.body.error.code).toBe("AI_UNAVAILABLE");
        // The default bound on a query's embedding is 10 s.
        expect(Date.now() - t0).toBeLessThan(13_000);
        // The abandoned query stops asking OpenAI.
        const asked = stub.requests.length;
        await new Promise((r) => setTimeout(r, 1000));
        expect(stub.requests.length).toBe(asked);
      }
    } finally {
      stub.reset();
    }
    expect((await search()).body.items[0]?.listing.id).toBe(created.body.id);
  }, 120_000);
});
