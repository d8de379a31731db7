import { createJsonLogger, searchIndexHooks } from "@mbe/core";
import { logLinesDuring } from "@mbe/core/testing";
import { createQueues } from "@mbe/jobs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, signUp, type TestApi } from "../../test/harness";
import { createApp } from "../app";

let api: TestApi;
const deadRedis = new Redis("redis://127.0.0.1:1", {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
});
deadRedis.on("error", () => {});
const deadQueues = createQueues(deadRedis, "dead");

beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
});
afterAll(async () => {
  await api.close();
  await deadQueues.close().catch(() => {});
  deadRedis.disconnect();
});

describe("request ids in the API's log lines", () => {
  it("puts the request id on a core hook's warning as well as the access line", async () => {
    const log = createJsonLogger("info");
    // Indexing cannot be queued (Redis for the queues is down): the save succeeds and says why.
    const app = createApp({ ...api.deps, log, hooks: searchIndexHooks(deadQueues, log) });
    const s = await signUp(api);
    const lines = await logLinesDuring(async () => {
      const r = await app.request("/v1/listings", {
        method: "POST",
        headers: {
          authorization: `Bearer ${s.accessToken}`,
          "content-type": "application/json",
          "x-request-id": "req-hook-1",
        },
        body: JSON.stringify({ title: "Desk", price: 40 }),
      });
      expect(r.status).toBe(201);
    });
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(["could not queue search indexing", "request"]),
    );
    for (const l of lines) expect(l.requestId, JSON.stringify(l)).toBe("req-hook-1");
  });

  it("puts the request id on unexpected errors from a verb, over REST and tRPC", async () => {
    const log = createJsonLogger("info");
    // A hook that fails after the write: the verb throws something that is not a CoreError.
    const hooks = {
      listingsChanged: async () => {
        throw new Error("hook exploded");
      },
    };
    const app = createApp({ ...api.deps, log, hooks });
    const s = await signUp(api);
    const headers = {
      authorization: `Bearer ${s.accessToken}`,
      "content-type": "application/json",
      "x-request-id": "req-err-1",
    };
    const lines = await logLinesDuring(async () => {
      const rest = await app.request("/v1/listings", {
        method: "POST",
        headers,
        body: JSON.stringify({ title: "Chair", price: 9 }),
      });
      expect(rest.status).toBe(500);
      const body = (await rest.json()) as { error: { requestId: string } };
      expect(body.error.requestId).toBe("req-err-1");
      const trpc = await app.request("/trpc/listings.create", {
        method: "POST",
        headers,
        body: JSON.stringify({ title: "Stool", price: 7 }),
      });
      expect(trpc.status).toBe(500);
    });
    const errors = lines.filter((l) => l.level === "error");
    expect(errors.map((l) => l.msg).sort()).toEqual(["trpc error", "unhandled error"]);
    for (const e of errors) expect(String(e.err)).toContain("hook exploded");
    for (const l of lines) expect(l.requestId, JSON.stringify(l)).toBe("req-err-1");
  });
});
