import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type Seller, signUp, type TestApi } from "../../test/harness";
import { createApp } from "../app";
import { createQueuesBoard } from "../queues-board";

let api: TestApi;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000", LOGIN_PER_MINUTE: "100000" });
  const queues = api.deps.queues;
  if (!queues) throw new Error("the test API has no queues");
  app = createApp({ ...api.deps, queuesDashboard: createQueuesBoard(queues) });
});
afterAll(() => api.close());

async function admin(): Promise<Seller> {
  const s = await signUp(api, "admin");
  const sql = api.db.sql;
  if (!sql) throw new Error("the test database handle exposes no raw client");
  await sql.unsafe("update users set role = 'admin' where id = $1", [s.id]);
  const r = await app.request("/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: s.email, password: s.password }),
  });
  const body = (await r.json()) as { accessToken: string };
  return { ...s, accessToken: body.accessToken };
}

const ticket = (headers: Record<string, string> = {}) =>
  app.request("/v1/admin/queues-ticket", { method: "POST", headers });

/** Redeems a fresh ticket and returns the session cookie (`name=value`). */
async function session(a: Seller): Promise<string> {
  const t = await ticket({ authorization: `Bearer ${a.accessToken}` });
  expect(t.status).toBe(200);
  const { url } = (await t.json()) as { url: string };
  const r = await app.request(url);
  expect(r.status).toBe(302);
  return (r.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

describe("queues dashboard", () => {
  it("refuses anonymous callers with 401, on the page, its API and the ticket", async () => {
    expect((await app.request("/admin/queues")).status).toBe(401);
    expect((await app.request("/admin/queues/api/queues")).status).toBe(401);
    expect((await ticket()).status).toBe(401);
    expect((await app.request("/admin/queues/session?ticket=nope")).status).toBe(401);
  });

  it("refuses sellers with 403 and never gives them a ticket", async () => {
    const s = await signUp(api);
    const r = await ticket({ authorization: `Bearer ${s.accessToken}` });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
  });

  it("refuses an administrator's API key: only a signed-in session may open it", async () => {
    const a = await admin();
    const k = await app.request("/v1/api-keys", {
      method: "POST",
      headers: { authorization: `Bearer ${a.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "ci", scopes: ["read", "write"] }),
    });
    expect(k.status).toBe(201);
    const { secret } = (await k.json()) as { secret: string };
    expect(secret).toMatch(/^mbe_/);
    expect((await ticket({ "x-api-key": secret })).status).toBe(403);
  });

  it("opens for an administrator through a one-time ticket and a strict session cookie", async () => {
    const a = await admin();
    const t = await ticket({ authorization: `Bearer ${a.accessToken}` });
    expect(t.status).toBe(200);
    const { url, expiresInSeconds } = (await t.json()) as { url: string; expiresInSeconds: number };
    expect(url).toMatch(/^\/admin\/queues\/session\?ticket=[A-Za-z0-9_-]{43}$/);
    expect(expiresInSeconds).toBe(60);

    const redeemed = await app.request(url);
    expect(redeemed.status).toBe(302);
    expect(redeemed.headers.get("location")).toBe("/admin/queues");
    const setCookie = redeemed.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^mbe_queues=/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/admin/queues");
    // A ticket works once.
    expect((await app.request(url)).status).toBe(401);

    const cookie = setCookie.split(";")[0] ?? "";
    const page = await app.request("/admin/queues", { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain('<base href="/admin/queues/"');
    const css = /href="(static\/css\/[^"]+)"/.exec(html)?.[1];
    expect(css).toBeDefined();
    const asset = await app.request(`/admin/queues/${css}`, { headers: { cookie } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("text/css");
    expect((await app.request(`/admin/queues/${css}`)).status).toBe(401);

    const listed = await app.request("/admin/queues/api/queues", { headers: { cookie } });
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual([
      "exports",
      "imports",
      "ocr",
      "search-index",
    ]);
  });

  it("hands the console the same one-time link through tRPC, to administrators only", async () => {
    const trpc = (token: string) =>
      app.request("/trpc/admin.queuesTicket", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}",
      });
    const s = await signUp(api);
    expect((await trpc(s.accessToken)).status).toBe(403);
    const a = await admin();
    const r = await trpc(a.accessToken);
    expect(r.status).toBe(200);
    const { result } = (await r.json()) as { result: { data: { url: string } } };
    const redeemed = await app.request(result.data.url);
    expect(redeemed.status).toBe(302);
    expect(redeemed.headers.get("set-cookie")).toMatch(/^mbe_queues=/);
  });

  it("ends a session at once when its holder is no longer an active administrator or signs out everywhere", async () => {
    const sql = api.db.sql;
    if (!sql) throw new Error("the test database handle exposes no raw client");
    const a = await admin();
    const cookie = await session(a);
    const open = () => app.request("/admin/queues/api/queues", { headers: { cookie } });
    expect((await open()).status).toBe(200);
    await sql.unsafe("update users set role = 'seller' where id = $1", [a.id]);
    expect((await open()).status).toBe(401);
    await sql.unsafe("update users set role = 'admin' where id = $1", [a.id]);
    expect((await open()).status).toBe(200);
    await sql.unsafe("update users set active = false where id = $1", [a.id]);
    expect((await open()).status).toBe(401);
    await sql.unsafe("update users set active = true where id = $1", [a.id]);
    expect((await open()).status).toBe(200);
    // Signing the console session out ends the dashboard opened from it.
    const out = await app.request("/v1/auth/logout", {
      method: "POST",
      headers: { authorization: `Bearer ${a.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({}),
    });
    expect(out.status).toBeLessThan(300);
    expect((await open()).status).toBe(401);
  });

  it("ends with a password change, which signs every session out", async () => {
    const a = await admin();
    const cookie = await session(a);
    const open = () => app.request("/admin/queues/api/queues", { headers: { cookie } });
    expect((await open()).status).toBe(200);
    const changed = await app.request("/v1/auth/change-password", {
      method: "POST",
      headers: { authorization: `Bearer ${a.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        currentPassword: a.password,
        newPassword: "another-admin-password-1",
      }),
    });
    expect(changed.status).toBe(200);
    expect((await open()).status).toBe(401);
  });

  it("rejects forged or altered session cookies", async () => {
    const a = await admin();
    const cookie = await session(a);
    const [name, value] = cookie.split("=") as [string, string];
    const [userId, sid, exp, sig] = value.split(".") as [string, string, string, string];
    const later = `${name}=${userId}.${sid}.${Number(exp) + 3600}.${sig}`;
    expect((await app.request("/admin/queues", { headers: { cookie: later } })).status).toBe(401);
    const s = await signUp(api);
    const other = `${name}=${s.id}.${sid}.${exp}.${sig}`;
    expect((await app.request("/admin/queues", { headers: { cookie: other } })).status).toBe(401);
  });

  it("refuses dashboard actions sent from another origin", async () => {
    const a = await admin();
    const cookie = await session(a);
    const r = await app.request("http://localhost/admin/queues/api/queues/ocr/pause", {
      method: "PUT",
      headers: { cookie, origin: "https://evil.example", host: "localhost" },
    });
    expect(r.status).toBe(403);
    expect(await api.deps.queues?.ocr.isPaused()).toBe(false);
    const same = await app.request("http://localhost/admin/queues/api/queues/ocr/pause", {
      method: "PUT",
      headers: { cookie, origin: "http://localhost", host: "localhost" },
    });
    expect(same.status).toBe(200);
    expect(await api.deps.queues?.ocr.isPaused()).toBe(true);
    await api.deps.queues?.ocr.resume();
  });
});
