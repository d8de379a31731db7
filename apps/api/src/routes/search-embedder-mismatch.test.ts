import { createSearchPort, type SearchPort } from "@mbe/core";
import {
  memoryActiveStore,
  type OpenAIStub,
  startOpenAIStub,
  startTestChroma,
} from "@mbe/search/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi } from "../../test/harness";

// The API runs without an OpenAI key while the worker has one: both share Chroma and the name of
// the active index, as they share Redis in production.
let api: TestApi;
let stub: OpenAIStub;
let chroma: Awaited<ReturnType<typeof startTestChroma>>;
let apiSearch: SearchPort;
let workerSearch: SearchPort;

beforeAll(async () => {
  [chroma, stub] = await Promise.all([startTestChroma(), startOpenAIStub()]);
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
  const store = memoryActiveStore();
  const prefix = `mm${Math.random().toString(36).slice(2, 8)}`;
  apiSearch = createSearchPort({ chromaUrl: chroma.url, activeStore: store, prefix });
  workerSearch = createSearchPort({
    chromaUrl: chroma.url,
    activeStore: store,
    prefix,
    openaiApiKey: "sk-test",
    openaiBaseUrl: stub.url,
  });
  api.deps.search = apiSearch;
  // The worker built the index with its embedder.
  const rb = await workerSearch.index.beginRebuild();
  await rb.commit();
}, 60_000);

afterAll(async () => {
  await api?.deps.queues?.searchIndex.obliterate({ force: true }).catch(() => {});
  await api?.close();
  await stub?.stop();
  await chroma?.stop();
});

type ErrorBody = { error: { code: string; message: string } };

describe("search when the API and the worker embed differently", () => {
  it("answers 503 SEARCH_EMBEDDER_MISMATCH naming both embedders once the worker refused to rebuild", async () => {
    const s = await signUp(api);
    const search = () => call<ErrorBody>(api, "GET", "/v1/search?q=sofa", { token: s.accessToken });
    // Until the worker has answered, the API cannot tell a rebuild on its way from none coming.
    const first = await search();
    expect(first.status).toBe(503);
    expect(first.body.error.code).toBe("SEARCH_UNAVAILABLE");
    expect(first.headers.get("retry-after")).toBe("30");
    // The worker, embedding with OpenAI, refuses the rebuild asked for the local embedder.
    await workerSearch.index.refuseEmbedder(apiSearch.index.embedderId);
    const r = await search();
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("SEARCH_EMBEDDER_MISMATCH");
    expect(r.body.error.message).toContain(workerSearch.index.embedderId);
    expect(r.body.error.message).toContain(apiSearch.index.embedderId);
    expect(r.body.error.message).toMatch(/API and the worker must be configured alike/);
    // Trying again later does not help: no Retry-After.
    expect(r.headers.get("retry-after")).toBeNull();
  });
});
