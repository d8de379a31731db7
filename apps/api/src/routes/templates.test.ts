import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, sampleListing, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000" });
});
afterAll(() => api.close());

type T = { id: string; useCount: number; mine: boolean };

describe("templates", () => {
  it("creates, applies (undoably), counts uses, and shares public ones read-only", async () => {
    const s = await signUp(api);
    const other = await signUp(api);
    const tpl = await call<T>(api, "POST", "/v1/templates", {
      token: s.accessToken,
      body: {
        name: "Used local",
        fields: { condition: "Used - Good", offerShipping: false },
        isPublic: true,
      },
    });
    expect(tpl.status).toBe(201);
    const l = await call<{ id: string }>(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: sampleListing({ condition: "New", offerShipping: true }),
    });
    const applied = await call<{ updated: number; changeSetId: string }>(
      api,
      "POST",
      `/v1/templates/${tpl.body.id}/apply`,
      { token: s.accessToken, body: { listingIds: [l.body.id] } },
    );
    expect(applied.body.updated).toBe(1);
    const after = await call<{ condition: string; offerShipping: boolean }>(
      api,
      "GET",
      `/v1/listings/${l.body.id}`,
      { token: s.accessToken },
    );
    expect(after.body).toMatchObject({ condition: "Used - Good", offerShipping: false });
    expect(
      (await call<T>(api, "GET", `/v1/templates/${tpl.body.id}`, { token: s.accessToken })).body
        .useCount,
    ).toBe(1);
    await call(api, "POST", `/v1/change-sets/${applied.body.changeSetId}/undo`, {
      token: s.accessToken,
    });
    expect(
      (
        await call<{ condition: string }>(api, "GET", `/v1/listings/${l.body.id}`, {
          token: s.accessToken,
        })
      ).body.condition,
    ).toBe("New");

    const seen = await call<T>(api, "GET", `/v1/templates/${tpl.body.id}`, {
      token: other.accessToken,
    });
    expect(seen.status).toBe(200);
    expect(seen.body.mine).toBe(false);
    expect(
      (
        await call(api, "PATCH", `/v1/templates/${tpl.body.id}`, {
          token: other.accessToken,
          body: { name: "mine now" },
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(api, "DELETE", `/v1/templates/${tpl.body.id}`, { token: other.accessToken }))
        .status,
    ).toBe(404);
    // Applying someone's public template only ever touches your own listings.
    const foreign = await call<{ failed: number }>(
      api,
      "POST",
      `/v1/templates/${tpl.body.id}/apply`,
      { token: other.accessToken, body: { listingIds: [l.body.id] } },
    );
    expect(foreign.body.failed).toBe(1);
  });

  it("keeps private templates private and validates fields", async () => {
    const s = await signUp(api);
    const other = await signUp(api);
    const tpl = await call<T>(api, "POST", "/v1/templates", {
      token: s.accessToken,
      body: { name: "Private", fields: { status: "active" } },
    });
    expect(
      (await call(api, "GET", `/v1/templates/${tpl.body.id}`, { token: other.accessToken })).status,
    ).toBe(404);
    const bad = await call<{ error: { code: string } }>(api, "POST", "/v1/templates", {
      token: s.accessToken,
      body: { name: "Bad", fields: { status: "sold", unknownField: 1 } },
    });
    expect(bad.status).toBe(400);
    const upd = await call<{ name: string }>(api, "PATCH", `/v1/templates/${tpl.body.id}`, {
      token: s.accessToken,
      body: { name: "Renamed" },
    });
    expect(upd.body.name).toBe("Renamed");
    expect(
      (await call(api, "DELETE", `/v1/templates/${tpl.body.id}`, { token: s.accessToken })).status,
    ).toBe(200);
  });
  it("changes only the fields a PATCH sends", async () => {
    const s = await signUp(api);
    const tpl = await call<T>(api, "POST", "/v1/templates", {
      token: s.accessToken,
      body: {
        name: "Shared",
        description: "For the spring sale",
        fields: { status: "active" },
        isPublic: true,
      },
    });
    expect(tpl.status).toBe(201);
    type Full = { name: string; description: string; isPublic: boolean; fields: object };
    const renamed = await call<Full>(api, "PATCH", `/v1/templates/${tpl.body.id}`, {
      token: s.accessToken,
      body: { name: "Shared (spring)" },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      name: "Shared (spring)",
      description: "For the spring sale",
      isPublic: true,
      fields: { status: "active" },
    });
    const hidden = await call<Full>(api, "PATCH", `/v1/templates/${tpl.body.id}`, {
      token: s.accessToken,
      body: { isPublic: false },
    });
    expect(hidden.body).toMatchObject({
      name: "Shared (spring)",
      description: "For the spring sale",
    });
    expect(hidden.body.isPublic).toBe(false);
  });
});
