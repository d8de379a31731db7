import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  createTestApi,
  type Seller,
  signUp,
  type TestApi,
  waitFor,
} from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi(
    { RATE_LIMIT_PER_MINUTE: "100000", EXPORTS_PER_HOUR: "1000" },
    { workers: true },
  );
});
afterAll(() => api.close());

type ErrorBody = { error: { code: string; message: string } };

async function finishedExport(s: Seller): Promise<string> {
  const rows = Array.from({ length: 4 }, (_, i) => ({
    title: `Linked item ${i}`,
    price: 10 + i,
    sku: `LINK-${i}`,
    condition: "New",
    status: "active",
  }));
  const bulk = await call(api, "POST", "/v1/listings/bulk", {
    token: s.accessToken,
    body: { rows },
  });
  expect(bulk.status).toBe(200);
  const queued = await call<{ id: string }>(api, "POST", "/v1/exports", {
    token: s.accessToken,
    body: { format: "csv", mode: "job" },
  });
  expect(queued.status).toBe(202);
  await waitFor(async () => {
    const r = await call<{ status: string }>(api, "GET", `/v1/exports/${queued.body.id}`, {
      token: s.accessToken,
    });
    return r.body.status === "completed" ? true : undefined;
  });
  return queued.body.id;
}

async function downloadUrl(token: string, id: string): Promise<string> {
  const r = await call<{ downloadUrl: string | null }>(api, "GET", `/v1/exports/${id}`, { token });
  expect(r.status).toBe(200);
  return r.body.downloadUrl as string;
}

describe("signed export links and password changes", () => {
  it("refuses links minted before the password changed and honours links minted after", async () => {
    const s = await signUp(api);
    const id = await finishedExport(s);
    const before = await downloadUrl(s.accessToken, id);
    expect((await api.app.request(before)).status).toBe(200);

    const changed = await call<{ accessToken: string }>(api, "POST", "/v1/auth/change-password", {
      token: s.accessToken,
      body: { currentPassword: s.password, newPassword: "a-brand-new-password" },
    });
    expect(changed.status).toBe(200);

    const refused = await call<ErrorBody>(api, "GET", before);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("UNAUTHORIZED");
    expect(refused.body.error.message).toMatch(/revoked/);

    const after = await downloadUrl(changed.body.accessToken, id);
    const file = await api.app.request(after);
    expect(file.status).toBe(200);
    expect(await file.text()).toContain("Linked item 3");
  });

  it("refuses a link whose minting time was removed or altered", async () => {
    const s = await signUp(api);
    const id = await finishedExport(s);
    const url = await downloadUrl(s.accessToken, id);
    const iat = new URL(url, "http://x").searchParams.get("iat");
    expect(iat).toMatch(/^\d+$/);
    const stripped = url.replace(/iat=\d+&/, "");
    expect((await api.app.request(stripped)).status).toBe(401);
    const later = url.replace(/iat=\d+/, `iat=${Number(iat) + 60_000}`);
    expect((await api.app.request(later)).status).toBe(401);
    expect((await api.app.request(url)).status).toBe(200);
  });

  it("keeps a seller's links working when another seller changes their password", async () => {
    const a = await signUp(api);
    const b = await signUp(api);
    const id = await finishedExport(a);
    const url = await downloadUrl(a.accessToken, id);
    const changed = await call(api, "POST", "/v1/auth/change-password", {
      token: b.accessToken,
      body: { currentPassword: b.password, newPassword: "a-brand-new-password" },
    });
    expect(changed.status).toBe(200);
    expect((await api.app.request(url)).status).toBe(200);
  });
  it("honours links issued before they carried their minting time, until the password changes", async () => {
    const s = await signUp(api);
    const id = await finishedExport(s);
    // An account whose password was set days ago, as any with such links is.
    const sql = api.db.sql;
    if (!sql) throw new Error("needs PostgreSQL");
    await sql`update users set password_changed_at = now() - interval '3 days' where id = ${s.id}`;
    const exp = Math.floor(Date.now() / 1000) + 900;
    const sig = createHmac("sha256", api.deps.jwtSecret)
      .update(`export:${id}:${exp}`)
      .digest("base64url");
    const legacy = `/v1/exports/${id}/download?exp=${exp}&sig=${sig}`;
    expect((await api.app.request(legacy)).status).toBe(200);
    const changed = await call(api, "POST", "/v1/auth/change-password", {
      token: s.accessToken,
      body: { currentPassword: s.password, newPassword: "a-brand-new-password" },
    });
    expect(changed.status).toBe(200);
    const refused = await call<ErrorBody>(api, "GET", legacy);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/revoked/);
  });
});
