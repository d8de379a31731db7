import { type CoreContext, deactivateUser, defaultAuthConfig } from "@mbe/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, type Seller, signUp, type TestApi } from "../../test/harness";

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000", LOGIN_PER_MINUTE: "100000" });
});
afterAll(() => api.close());

/** Raw SQL through the harness's own client (tests never reach for drizzle operators). */
async function q<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  if (api.db.sql) return (await api.db.sql.unsafe(text, params as never[])) as unknown as T[];
  if (api.db.pglite) return (await api.db.pglite.query<T>(text, params)).rows;
  throw new Error("the test database handle exposes no raw client");
}

/** A fresh seller promoted to admin; the new role is in the token issued by signing in again. */
async function admin(): Promise<Seller> {
  const s = await signUp(api, "admin");
  await q("update users set role = 'admin' where id = $1", [s.id]);
  const r = await call<{ accessToken: string; refreshToken: string }>(
    api,
    "POST",
    "/v1/auth/login",
    { body: { email: s.email, password: s.password } },
  );
  return { ...s, accessToken: r.body.accessToken, refreshToken: r.body.refreshToken };
}

/**
 * The context a request of `a` reaches the verbs with once authenticated: built here so two
 * administrators' requests can be past authentication at the same moment.
 */
const adminContext = (a: Seller): CoreContext => ({
  db: api.deps.db,
  rootDb: api.deps.db,
  actor: { userId: a.id, role: "admin", via: "jwt", scopes: ["read", "write"] },
  requestId: crypto.randomUUID(),
  log: api.deps.log,
  auth: defaultAuthConfig(api.deps.jwtSecret),
  hooks: {},
  storage: api.deps.storage,
});

const auditFor = (action: string, target: string) =>
  q<{ actor_id: string }>(
    "select actor_id from audit_logs where action = $1 and resource_id = $2",
    [action, target],
  );

describe("admin", () => {
  it("refuses sellers with 403 on every admin route", async () => {
    const s = await signUp(api);
    for (const [m, p] of [
      ["GET", "/v1/admin/users"],
      ["GET", "/v1/admin/stats"],
      ["POST", `/v1/admin/users/${s.id}/unlock`],
      ["POST", `/v1/admin/users/${s.id}/deactivate`],
    ] as const) {
      const r = await call<{ error: { code: string } }>(api, m, p, { token: s.accessToken });
      expect(r.status, p).toBe(403);
      expect(r.body.error.code).toBe("FORBIDDEN");
    }
    expect((await call(api, "GET", "/v1/admin/users")).status).toBe(401);
  });

  it("lists sellers with lockout state and listing counts", async () => {
    const a = await admin();
    const s = await signUp(api, "listed");
    await call(api, "POST", "/v1/listings", {
      token: s.accessToken,
      body: { title: "One", price: 1 },
    });
    const r = await call<{
      total: number;
      items: {
        id: string;
        email: string;
        listingCount: number;
        locked: boolean;
        active: boolean;
      }[];
    }>(api, "GET", `/v1/admin/users?q=${encodeURIComponent(s.email)}`, { token: a.accessToken });
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(1);
    expect(r.body.items[0]).toMatchObject({
      id: s.id,
      email: s.email,
      listingCount: 1,
      locked: false,
      active: true,
    });
  });

  it("unlocks a locked account so the seller can sign in again, and audits it", async () => {
    const a = await admin();
    const s = await signUp(api, "locked");
    // Five wrong passwords lock the account; then even the right one is refused.
    for (let i = 0; i < 5; i++)
      await call(api, "POST", "/v1/auth/login", {
        body: { email: s.email, password: "wrong-password-123" },
      });
    const before = await call(api, "POST", "/v1/auth/login", {
      body: { email: s.email, password: s.password },
    });
    expect(before.status).toBe(423);
    const r = await call<{ unlocked: boolean }>(api, "POST", `/v1/admin/users/${s.id}/unlock`, {
      token: a.accessToken,
    });
    expect(r.status).toBe(200);
    const [row] = await q<{ locked_until: unknown; failed_login_count: number }>(
      "select locked_until, failed_login_count from users where id = $1",
      [s.id],
    );
    expect(row?.locked_until).toBeNull();
    expect(row?.failed_login_count).toBe(0);
    expect(
      (
        await call(api, "POST", "/v1/auth/login", {
          body: { email: s.email, password: s.password },
        })
      ).status,
    ).toBe(200);
    const audit = await auditFor("admin.user_unlock", s.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor_id).toBe(a.id);
  });

  it("deactivates an account: every session's refresh fails and the access token stops working", async () => {
    const a = await admin();
    const s = await signUp(api, "deact");
    const second = await call<{ refreshToken: string }>(api, "POST", "/v1/auth/login", {
      body: { email: s.email, password: s.password },
    });
    const r = await call<{ active: boolean; revokedSessions: number }>(
      api,
      "POST",
      `/v1/admin/users/${s.id}/deactivate`,
      { token: a.accessToken },
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ active: false, revokedSessions: 2 });
    for (const rt of [s.refreshToken, second.body.refreshToken]) {
      expect(
        (await call(api, "POST", "/v1/auth/refresh", { body: { refreshToken: rt } })).status,
      ).toBe(401);
    }
    // The session was revoked with the account, so the access token is refused too.
    expect((await call(api, "GET", "/v1/listings", { token: s.accessToken })).status).toBe(401);
    expect(
      (
        await call(api, "POST", "/v1/auth/login", {
          body: { email: s.email, password: s.password },
        })
      ).status,
    ).toBe(403);
    expect(await auditFor("admin.user_deactivate", s.id)).toHaveLength(1);
    // An admin cannot lock themselves out.
    expect(
      (await call(api, "POST", `/v1/admin/users/${a.id}/deactivate`, { token: a.accessToken }))
        .status,
    ).toBe(400);
    // Reactivation lets them sign in again.
    expect(
      (await call(api, "POST", `/v1/admin/users/${s.id}/reactivate`, { token: a.accessToken }))
        .status,
    ).toBe(200);
    expect(
      (
        await call(api, "POST", "/v1/auth/login", {
          body: { email: s.email, password: s.password },
        })
      ).status,
    ).toBe(200);
  });

  it("answers 404 for an unknown user and 400 for a malformed id", async () => {
    const a = await admin();
    expect(
      (
        await call(api, "POST", "/v1/admin/users/00000000-0000-4000-8000-000000000000/unlock", {
          token: a.accessToken,
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(api, "POST", "/v1/admin/users/not-a-uuid/unlock", { token: a.accessToken }))
        .status,
    ).toBe(400);
  });

  it("lets an admin's read-only API key look but not act", async () => {
    const a = await admin();
    const s = await signUp(api, "watched");
    const key = await call<{ secret: string }>(api, "POST", "/v1/api-keys", {
      token: a.accessToken,
      body: { name: "monitoring", scopes: ["read"] },
    });
    expect(key.status).toBe(201);
    const headers = { "x-api-key": key.body.secret };
    expect((await call(api, "GET", "/v1/admin/users", { headers })).status).toBe(200);
    for (const p of [
      `/v1/admin/users/${s.id}/deactivate`,
      `/v1/admin/users/${s.id}/reactivate`,
      `/v1/admin/users/${s.id}/unlock`,
      "/v1/admin/search/reindex",
    ]) {
      const r = await call<{ error: { code: string } }>(api, "POST", p, { headers });
      expect(r.status, p).toBe(403);
      expect(r.body.error.code, p).toBe("INSUFFICIENT_SCOPE");
    }
    const [row] = await q<{ active: boolean }>("select active from users where id = $1", [s.id]);
    expect(row?.active).toBe(true);
    expect(
      (await call(api, "POST", "/v1/auth/refresh", { body: { refreshToken: s.refreshToken } }))
        .status,
    ).toBe(200);
  });

  it("shows a seller what an admin did to their account, without the admin's address or browser", async () => {
    const a = await admin();
    const s = await signUp(api, "audited");
    const adminAgent = "AdminBrowser/1.0 (office)";
    expect(
      (
        await call(api, "POST", `/v1/admin/users/${s.id}/unlock`, {
          token: a.accessToken,
          headers: { "user-agent": adminAgent, "x-forwarded-for": "203.0.113.9" },
        })
      ).status,
    ).toBe(200);
    await call(api, "POST", "/v1/listings", {
      token: s.accessToken,
      headers: { "user-agent": "SellerBrowser/2.0" },
      body: { title: "Mine", price: 3 },
    });
    type Entry = { action: string; actorId: string; ip: string | null; userAgent: string | null };
    const own = await call<{ items: Entry[] }>(api, "GET", "/v1/audit-logs", {
      token: s.accessToken,
    });
    expect(own.status).toBe(200);
    const unlock = own.body.items.find((e) => e.action === "admin.user_unlock");
    expect(unlock).toMatchObject({ actorId: a.id, ip: null, userAgent: null });
    expect(JSON.stringify(own.body)).not.toContain(adminAgent);
    const created = own.body.items.find((e) => e.action === "listing.create");
    expect(created?.userAgent).toBe("SellerBrowser/2.0");
    // Administrators still see all of it.
    const all = await call<{ items: Entry[] }>(api, "GET", "/v1/audit-logs?all=true&limit=500", {
      token: a.accessToken,
    });
    const seen = all.body.items.find((e) => e.action === "admin.user_unlock" && e.actorId === a.id);
    expect(seen?.userAgent).toBe(adminAgent);
    // `all=false` is the admin's own log, not everyone's.
    const mineOnly = await call<{ items: Entry[] }>(api, "GET", "/v1/audit-logs?all=false", {
      token: a.accessToken,
    });
    expect(mineOnly.body.items.some((e) => e.action === "listing.create")).toBe(false);
  });

  it("never lets two administrators deactivate each other at the same moment", async () => {
    const a = await admin();
    const b = await admin();
    const settled = await Promise.allSettled([
      deactivateUser(adminContext(a), { id: b.id }),
      deactivateUser(adminContext(b), { id: a.id }),
    ]);
    expect(settled.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = settled.find((r) => r.status === "rejected");
    expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: "FORBIDDEN" });
    const rows = await q<{ active: boolean }>("select active from users where id in ($1, $2)", [
      a.id,
      b.id,
    ]);
    expect(rows.filter((r) => r.active)).toHaveLength(1);
  });

  it("refuses an administrator deactivated while their request was on its way", async () => {
    const a = await admin();
    const b = await admin();
    const s = await signUp(api, "bystander");
    // b's request was authenticated; a deactivates b before it acts.
    const late = adminContext(b);
    await deactivateUser(adminContext(a), { id: b.id });
    await expect(deactivateUser(late, { id: a.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(deactivateUser(late, { id: s.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const [row] = await q<{ active: boolean }>("select active from users where id = $1", [a.id]);
    expect(row?.active).toBe(true);
  });

  it("reports system stats", async () => {
    const a = await admin();
    const r = await call<{ users: { total: number; admins: number }; listings: { total: number } }>(
      api,
      "GET",
      "/v1/admin/stats",
      { token: a.accessToken },
    );
    expect(r.status).toBe(200);
    expect(r.body.users.total).toBeGreaterThanOrEqual(1);
    expect(r.body.users.admins).toBeGreaterThanOrEqual(1);
    expect(typeof r.body.listings.total).toBe("number");
  });
});
