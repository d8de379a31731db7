import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  createTestApi,
  type Seller,
  signUp,
  type TestApi,
  upload,
  waitFor,
} from "../../test/harness";

const PNG = new Uint8Array(
  readFileSync(
    path.resolve(__dirname, "../../../../packages/ocr/test/fixtures/clean-price-list.png"),
  ),
);

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi(
    { RATE_LIMIT_PER_MINUTE: "100000", UPLOADS_PER_MINUTE: "1000" },
    { workers: true },
  );
});
afterAll(() => api.close());

type ErrorBody = { error: { code: string; message: string } };
type Scan = { id: string; status: string; pages: { imageUrl: string | null }[] };

/** A completed scan of `s` whose first page has an image. */
async function scannedPage(s: Seller): Promise<string> {
  const up = await upload<Scan>(
    api,
    "/v1/ocr/scans",
    { name: "price-list.png", bytes: PNG },
    { token: s.accessToken },
  );
  expect(up.status).toBe(201);
  const scan = await waitFor(async () => {
    const r = await call<Scan>(api, "GET", `/v1/ocr/scans/${up.body.id}`, {
      token: s.accessToken,
    });
    return r.body.status === "completed" || r.body.status === "failed" ? r.body : undefined;
  }, 90_000);
  expect(scan.status).toBe("completed");
  expect(scan.pages[0]?.imageUrl).toBeTruthy();
  return scan.id;
}

async function imageUrl(token: string, id: string): Promise<string> {
  const r = await call<Scan>(api, "GET", `/v1/ocr/scans/${id}`, { token });
  expect(r.status).toBe(200);
  return r.body.pages[0]?.imageUrl as string;
}

async function changePassword(s: Seller): Promise<string> {
  const r = await call<{ accessToken: string }>(api, "POST", "/v1/auth/change-password", {
    token: s.accessToken,
    body: { currentPassword: s.password, newPassword: "a-brand-new-password" },
  });
  expect(r.status).toBe(200);
  return r.body.accessToken;
}

describe("signed page image links and password changes", () => {
  it("refuses image links minted before the password changed and honours links minted after", async () => {
    const s = await signUp(api);
    const id = await scannedPage(s);
    const before = await imageUrl(s.accessToken, id);
    expect((await api.app.request(before)).status).toBe(200);

    const token = await changePassword(s);

    const refused = await call<ErrorBody>(api, "GET", before);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("UNAUTHORIZED");
    expect(refused.body.error.message).toMatch(/revoked/);

    const after = await imageUrl(token, id);
    const img = await api.app.request(after);
    expect(img.status).toBe(200);
    expect(img.headers.get("content-type")).toBe("image/png");
  });

  it("refuses an image link whose minting time was removed or altered", async () => {
    const s = await signUp(api);
    const id = await scannedPage(s);
    const url = await imageUrl(s.accessToken, id);
    const iat = new URL(url, "http://x").searchParams.get("iat");
    expect(iat).toMatch(/^\d+$/);
    expect((await api.app.request(url.replace(/iat=\d+&/, ""))).status).toBe(401);
    const later = url.replace(/iat=\d+/, `iat=${Number(iat) + 60_000}`);
    expect((await api.app.request(later)).status).toBe(401);
    expect((await api.app.request(url)).status).toBe(200);
  });

  it("keeps a seller's image links working when another seller changes their password", async () => {
    const a = await signUp(api);
    const b = await signUp(api);
    const id = await scannedPage(a);
    const url = await imageUrl(a.accessToken, id);
    await changePassword(b);
    expect((await api.app.request(url)).status).toBe(200);
  });

  it("stops a deactivated seller's image links, and works again once reactivated", async () => {
    const s = await signUp(api);
    const id = await scannedPage(s);
    const url = await imageUrl(s.accessToken, id);
    const sql = api.db.sql;
    if (!sql) throw new Error("needs PostgreSQL");
    await sql`update users set active = false where id = ${s.id}`;
    expect((await api.app.request(url)).status).toBe(404);
    await sql`update users set active = true where id = ${s.id}`;
    expect((await api.app.request(url)).status).toBe(200);
  });

  it("honours image links issued before they carried their minting time, until the password changes", async () => {
    const s = await signUp(api);
    const id = await scannedPage(s);
    // An account whose password was set days ago, as any with such links is.
    const sql = api.db.sql;
    if (!sql) throw new Error("needs PostgreSQL");
    await sql`update users set password_changed_at = now() - interval '3 days' where id = ${s.id}`;
    const exp = Math.floor(Date.now() / 1000) + 900;
    const sig = createHmac("sha256", api.deps.jwtSecret)
      .update(`ocr:${id}:1:${exp}`)
      .digest("base64url");
    const legacy = `/v1/ocr/scans/${id}/pages/1/image?exp=${exp}&sig=${sig}`;
    expect((await api.app.request(legacy)).status).toBe(200);
    await changePassword(s);
    const refused = await call<ErrorBody>(api, "GET", legacy);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("UNAUTHORIZED");
    expect(refused.body.error.message).toMatch(/revoked/);
  });
});
