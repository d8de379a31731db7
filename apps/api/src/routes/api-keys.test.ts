import { MAX_ACTIVE_API_KEYS } from "@mbe/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000", LOGIN_PER_MINUTE: "100000" });
});
afterAll(() => api.close());

const create = (token: string, name: string) =>
  call<{ id: string; secret: string; error?: { code: string } }>(api, "POST", "/v1/api-keys", {
    token,
    body: { name, scopes: ["read"] },
  });

describe("API key limits", () => {
  it("caps the unrevoked keys an account holds; revoking one makes room", async () => {
    const s = await signUp(api, "keys");
    const made: string[] = [];
    for (let i = 0; i < MAX_ACTIVE_API_KEYS; i++) {
      const r = await create(s.accessToken, `key ${i}`);
      expect(r.status).toBe(201);
      made.push(r.body.id);
    }
    const over = await create(s.accessToken, "one too many");
    expect(over.status).toBe(409);
    expect(over.body.error?.code).toBe("CONFLICT");
    // Another seller's limit is their own.
    const other = await signUp(api, "keys-other");
    expect((await create(other.accessToken, "mine")).status).toBe(201);
    expect(
      (await call(api, "DELETE", `/v1/api-keys/${made[0]}`, { token: s.accessToken })).status,
    ).toBe(200);
    expect((await create(s.accessToken, "replacement")).status).toBe(201);
    expect((await create(s.accessToken, "again too many")).status).toBe(409);
  });

  it("holds the cap against parallel creations", async () => {
    const s = await signUp(api, "keys-race");
    const answers = await Promise.all(
      Array.from({ length: MAX_ACTIVE_API_KEYS + 5 }, (_, i) => create(s.accessToken, `k${i}`)),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(MAX_ACTIVE_API_KEYS);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(5);
    const list = await call<{ items: unknown[] }>(api, "GET", "/v1/api-keys", {
      token: s.accessToken,
    });
    expect(list.body.items).toHaveLength(MAX_ACTIVE_API_KEYS);
  });
});

describe("the API key list", () => {
  type Page = {
    items: { id: string; name: string; revokedAt: string | null }[];
    nextCursor: string | null;
    error?: { code: string };
  };
  const list = (token: string, query: string) =>
    call<Page>(api, "GET", `/v1/api-keys${query}`, { token });

  it("pages through keys however many were revoked, and filters by status", async () => {
    const s = await signUp(api, "keys-pages");
    const revoked: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await create(s.accessToken, `rotated ${i}`);
      await call(api, "DELETE", `/v1/api-keys/${r.body.id}`, { token: s.accessToken });
      revoked.push(r.body.id);
    }
    const live = await create(s.accessToken, "current");
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof list>> = await list(
        s.accessToken,
        `?limit=7${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.body.items.map((k) => k.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    // Newest first, each key once.
    expect(seen).toEqual([live.body.id, ...revoked.reverse()]);
    const active = await list(s.accessToken, "?status=active");
    expect(active.body.items.map((k) => k.name)).toEqual(["current"]);
    const gone = await list(s.accessToken, "?status=revoked&limit=500");
    expect(gone.body.items).toHaveLength(30);
    expect(gone.body.items.every((k) => k.revokedAt)).toBe(true);
    // Another seller's list is their own.
    const other = await signUp(api, "keys-pages-other");
    expect((await list(other.accessToken, "")).body.items).toEqual([]);
    for (const bad of ["?limit=0", "?limit=501", "?status=expired", "?cursor=nonsense"]) {
      const r = await list(s.accessToken, bad);
      expect(r.status, bad).toBe(400);
      expect(r.body.error?.code, bad).toBe("VALIDATION_FAILED");
    }
  });
});
