import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi, uniqueEmail } from "../../test/harness";
import { TRPC_MAX_BATCH } from "./mount";
import type { AppRouter } from "./router";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000", LOGIN_PER_MINUTE: "1000" });
});
afterAll(() => api.close());

function client(token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: "http://local/trpc",
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
        fetch: async (url, init) =>
          api.app.request(String(url), init as RequestInit) as Promise<Response>,
      }),
    ],
  });
}

describe("tRPC for the console", () => {
  it("signs up, edits a listing and undoes it through the same verbs as REST", async () => {
    const anon = client();
    const session = await anon.auth.register.mutate({
      email: uniqueEmail(),
      password: "long-enough-pass",
    });
    const c = client(session.accessToken);
    const created = await c.listings.create.mutate({ title: "Road bike", price: 450 });
    const updated = await c.listings.update.mutate({
      id: created.id,
      price: 400,
      version: created.version,
    });
    expect(updated.price).toBe(400);
    expect(updated.changeSetId).toBeTruthy();
    await c.changeSets.undo.mutate({ id: updated.changeSetId as string });
    const back = await c.listings.byId.query({ id: created.id });
    expect(back.price).toBe(450);
    const page = await c.listings.list.query({ limit: 10, includeTotal: true });
    expect(page.total).toBe(1);
  });

  it("maps core errors to tRPC codes with the app code", async () => {
    const anon = client();
    await expect(anon.listings.list.query({})).rejects.toMatchObject({
      data: { code: "UNAUTHORIZED" },
    });
    const session = await anon.auth.register.mutate({
      email: uniqueEmail(),
      password: "long-enough-pass",
    });
    const c = client(session.accessToken);
    const l = await c.listings.create.mutate({ title: "Lamp", price: 5 });
    await c.listings.update.mutate({ id: l.id, title: "Lamp 2", version: 1 });
    const err = await c.listings.update
      .mutate({ id: l.id, title: "Lamp 3", version: 1 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect(err.data).toMatchObject({ code: "CONFLICT", appCode: "VERSION_CONFLICT" });
    const bad = await c.listings.create.mutate({ title: "", price: -1 }).catch((e) => e);
    expect(bad.data).toMatchObject({ code: "BAD_REQUEST", appCode: "VALIDATION_FAILED" });
    const cursor = Buffer.from(
      JSON.stringify(["2026-01-01T00:00:00+25:00", "00000000-0000-4000-8000-000000000000"]),
    ).toString("base64url");
    const badCursor = await c.listings.list.query({ cursor }).catch((e) => e);
    expect(badCursor.data).toMatchObject({ code: "BAD_REQUEST", appCode: "VALIDATION_FAILED" });
  });
  it("refuses a batch of more calls than the console sends at once", async () => {
    const session = await client().auth.register.mutate({
      email: uniqueEmail(),
      password: "long-enough-pass",
    });
    const batch = (n: number) =>
      api.app.request(
        `/trpc/${Array(n).fill("templates.list").join(",")}?batch=1&input=${encodeURIComponent(
          JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [i, {}]))),
        )}`,
        { headers: { authorization: `Bearer ${session.accessToken}` } },
      );
    const ok = await batch(TRPC_MAX_BATCH);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as unknown[]).length).toBe(TRPC_MAX_BATCH);
    expect((await batch(TRPC_MAX_BATCH + 1)).status).toBe(400);
  });
});
