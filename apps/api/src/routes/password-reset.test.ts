import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  call,
  createTestApi,
  type Seller,
  signUp,
  type TestApi,
  uniqueEmail,
} from "../../test/harness";
import { startTestSmtp, type TestSmtp } from "../../test/smtp";
import type { AppRouter } from "../trpc/router";

const PUBLIC_URL = "https://editor.example.test";

let smtp: TestSmtp;
let api: TestApi;
beforeAll(async () => {
  smtp = await startTestSmtp();
  api = await createTestApi({
    SMTP_URL: smtp.url,
    MAIL_FROM: "Bulk Editor <no-reply@editor.example.test>",
    PUBLIC_URL,
    LOGIN_PER_MINUTE: "1000",
    RATE_LIMIT_PER_MINUTE: "100000",
  });
});
afterAll(async () => {
  await api.close();
  await smtp.close();
});
afterEach(() => {
  vi.useRealTimers();
});

let ipCounter = 0;
const freshIp = () => ({ "x-forwarded-for": `10.77.${ipCounter >> 8}.${ipCounter++ & 255}` });

const requestReset = (email: string) =>
  call(api, "POST", "/v1/auth/password-reset", { body: { email }, headers: freshIp() });
const confirm = (token: string, password: string) =>
  call<{ ok?: boolean; error?: { code: string } }>(api, "POST", "/v1/auth/password-reset/confirm", {
    body: { token, password },
    headers: freshIp(),
  });
const login = (email: string, password: string) =>
  call<{ accessToken: string; refreshToken: string }>(api, "POST", "/v1/auth/login", {
    body: { email, password },
    headers: freshIp(),
  });

/** The token from the emailed link, which must point at the console's reset page. */
function tokenFrom(text: string): string {
  const escaped = PUBLIC_URL.replace(/[.]/g, "\\.");
  const m = new RegExp(`${escaped}/reset-password\\?token=([A-Za-z0-9_%-]+)`).exec(text);
  if (!m?.[1]) throw new Error(`no reset link in:\n${text}`);
  return decodeURIComponent(m[1]);
}

async function resetTokenFor(s: Seller): Promise<string> {
  const r = await requestReset(s.email);
  expect(r.status).toBe(202);
  const mail = await smtp.waitFor(s.email);
  return tokenFrom(mail.text);
}

describe("password reset by email", () => {
  it("emails a link that sets a new password once and signs every session out", async () => {
    const s = await signUp(api, "reset");
    const second = await login(s.email, s.password);
    expect(second.status).toBe(200);

    const r = await requestReset(s.email.toUpperCase());
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ ok: true });
    const mail = await smtp.waitFor(s.email);
    expect(mail.subject).toBe("Reset your Bulk Editor password");
    expect(mail.from).toBe("no-reply@editor.example.test");
    expect(mail.text).toContain("30 minutes");
    const token = tokenFrom(mail.text);
    expect(mail.html).toContain(`${PUBLIC_URL}/reset-password?token=`);

    const ok = await confirm(token, "brand-new-password-1");
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true });

    // Both sessions that existed before the reset are gone: access and refresh tokens.
    for (const access of [s.accessToken, second.body.accessToken]) {
      const me = await call(api, "GET", "/v1/auth/me", { token: access });
      expect(me.status).toBe(401);
    }
    for (const refreshToken of [s.refreshToken, second.body.refreshToken]) {
      const rr = await call(api, "POST", "/v1/auth/refresh", {
        body: { refreshToken },
        headers: freshIp(),
      });
      expect(rr.status).toBe(401);
    }
    expect((await login(s.email, s.password)).status).toBe(401);
    const fresh = await login(s.email, "brand-new-password-1");
    expect(fresh.status).toBe(200);

    const again = await confirm(token, "another-password-22");
    expect(again.status).toBe(400);
    expect(again.body.error?.code).toBe("RESET_TOKEN_USED");
    expect((await login(s.email, "brand-new-password-1")).status).toBe(200);

    const audit = await call<{ items: { action: string; outcome: string }[] }>(
      api,
      "GET",
      "/v1/audit-logs?limit=50",
      { token: fresh.body.accessToken },
    );
    expect(audit.body.items.map((i) => `${i.action}:${i.outcome}`)).toEqual(
      expect.arrayContaining([
        "auth.password_reset_request:success",
        "auth.password_reset:success",
        "auth.password_reset:failure",
      ]),
    );
  });

  it("answers an unknown email exactly like a known one, without waiting for mail, and sends nothing", async () => {
    // This mail server holds every message 3 s before accepting it: a request that waited for
    // the mail server would take at least that long.
    const holdMs = 3000;
    const slow = await startTestSmtp({ acceptDelayMs: holdMs });
    const slowApi = await createTestApi({
      SMTP_URL: slow.url,
      PUBLIC_URL,
      LOGIN_PER_MINUTE: "1000",
    });
    try {
      const send = (email: string) =>
        call(slowApi, "POST", "/v1/auth/password-reset", { body: { email }, headers: freshIp() });
      const known = await signUp(slowApi, "known");
      const unknown = uniqueEmail("nobody");

      const t0 = performance.now();
      const a = await send(unknown);
      const unknownMs = performance.now() - t0;
      const t1 = performance.now();
      const b = await send(known.email);
      const knownMs = performance.now() - t1;
      const acceptedWhenAnswered = slow.to(known.email).length;

      expect(a.status).toBe(202);
      expect(b.status).toBe(202);
      expect(a.body).toEqual(b.body);
      expect([...a.headers.keys()].sort()).toEqual([...b.headers.keys()].sort());
      expect(acceptedWhenAnswered).toBe(0);
      expect(knownMs).toBeLessThan(holdMs);
      console.log(
        `password-reset answer: unknown email ${unknownMs.toFixed(1)} ms, known email ${knownMs.toFixed(1)} ms (mail server holds each message ${holdMs} ms)`,
      );

      await slow.waitFor(known.email);
      // The known address's mail arrived; any mail for the unknown one was sent before it.
      expect(slow.to(unknown)).toHaveLength(0);
      expect(slow.messages).toHaveLength(1);
    } finally {
      await slowApi.close();
      await slow.close();
    }
  });

  it("sends one email per minute at most, however often the form is sent", async () => {
    const s = await signUp(api, "flood");
    for (let i = 0; i < 4; i++) expect((await requestReset(s.email)).status).toBe(202);
    await smtp.waitFor(s.email);
    // Later sends, had there been any, would have arrived by now.
    await new Promise((r) => setTimeout(r, 800));
    expect(smtp.to(s.email)).toHaveLength(1);
  });

  it("accepts a link for 30 minutes and refuses it after", async () => {
    const early = await signUp(api, "early");
    const late = await signUp(api, "late");
    const earlyToken = await resetTokenFor(early);
    const lateToken = await resetTokenFor(late);
    const now = Date.now();

    vi.useFakeTimers({ toFake: ["Date"], now: now + 29 * 60_000 });
    expect((await confirm(earlyToken, "still-in-time-123")).status).toBe(200);

    vi.setSystemTime(now + 31 * 60_000);
    const expired = await confirm(lateToken, "too-late-password");
    expect(expired.status).toBe(400);
    expect(expired.body.error?.code).toBe("RESET_TOKEN_EXPIRED");
    vi.useRealTimers();

    expect((await login(late.email, late.password)).status).toBe(200);
    expect((await login(late.email, "too-late-password")).status).toBe(401);
    expect((await login(early.email, "still-in-time-123")).status).toBe(200);
  });

  it("clears a sign-in lockout", async () => {
    const s = await signUp(api, "locked");
    for (let i = 0; i < 5; i++) await login(s.email, "wrong-password-x");
    const locked = await call<{ error: { code: string } }>(api, "POST", "/v1/auth/login", {
      body: { email: s.email, password: s.password },
      headers: freshIp(),
    });
    expect(locked.body.error.code).toBe("ACCOUNT_LOCKED");
    const token = await resetTokenFor(s);
    expect((await confirm(token, "unlocked-password-9")).status).toBe(200);
    expect((await login(s.email, "unlocked-password-9")).status).toBe(200);
  });

  it("refuses unknown tokens and weak passwords with a code", async () => {
    const bad = await confirm("not-a-real-token-at-all", "good-password-123");
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe("RESET_TOKEN_INVALID");

    const s = await signUp(api, "weak");
    const token = await resetTokenFor(s);
    const weak = await confirm(token, "short");
    expect(weak.status).toBe(400);
    expect(weak.body.error?.code).toBe("VALIDATION_FAILED");
    // A refused attempt leaves the token usable.
    expect((await confirm(token, "long-enough-password")).status).toBe(200);
  });

  it("is rate-limited per IP like sign-in", async () => {
    const strict = await createTestApi({ SMTP_URL: smtp.url, LOGIN_PER_MINUTE: "2" });
    try {
      const headers = { "x-forwarded-for": "10.99.0.1" };
      const send = () =>
        call(strict, "POST", "/v1/auth/password-reset", {
          body: { email: uniqueEmail("rl") },
          headers,
        });
      expect((await send()).status).toBe(202);
      expect((await send()).status).toBe(202);
      const limited = await send();
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBeTruthy();
    } finally {
      await strict.close();
    }
  });

  it("is documented in the OpenAPI description", async () => {
    const doc = await call<{ paths: Record<string, { post?: { operationId?: string } }> }>(
      api,
      "GET",
      "/v1/openapi.json",
    );
    expect(doc.body.paths["/v1/auth/password-reset"]?.post?.operationId).toBe(
      "requestPasswordReset",
    );
    expect(doc.body.paths["/v1/auth/password-reset/confirm"]?.post?.operationId).toBe(
      "confirmPasswordReset",
    );
  });
});

describe("password reset over tRPC", () => {
  function client(ip: string) {
    return createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: "http://local/trpc",
          headers: () => ({ "x-forwarded-for": ip }),
          fetch: async (url, init) =>
            api.app.request(String(url), init as RequestInit) as Promise<Response>,
        }),
      ],
    });
  }

  it("requests and confirms with the same verbs and error codes", async () => {
    const s = await signUp(api, "trpc");
    const c = client("10.78.0.1");
    expect(await c.auth.passwordReset.request.mutate({ email: s.email })).toEqual({ ok: true });
    expect(await c.auth.passwordReset.request.mutate({ email: uniqueEmail("x") })).toEqual({
      ok: true,
    });
    const token = tokenFrom((await smtp.waitFor(s.email)).text);
    expect(
      await c.auth.passwordReset.confirm.mutate({ token, password: "trpc-new-password" }),
    ).toEqual({ ok: true });
    await expect(
      c.auth.passwordReset.confirm.mutate({ token, password: "trpc-other-password" }),
    ).rejects.toMatchObject({ data: { code: "BAD_REQUEST", appCode: "RESET_TOKEN_USED" } });
    expect((await login(s.email, "trpc-new-password")).status).toBe(200);
  });

  it("changes nothing when the account is deactivated while the reset is being confirmed", async () => {
    const s = await signUp(api, "reset-deactivated");
    const token = await resetTokenFor(s);
    const sql = api.db.sql;
    if (!sql) throw new Error("needs PostgreSQL");
    // An administrator's deactivation landing between the confirmation's checks and its write:
    // a trigger deactivates the account as the link is claimed, for this account only.
    const fn = `deactivate_during_reset_${s.id.replace(/-/g, "")}`;
    await sql.unsafe(`create function ${fn}() returns trigger language plpgsql as $$
      begin update users set active = false where id = new.user_id; return new; end $$`);
    await sql.unsafe(`create trigger ${fn} before update on password_reset_tokens for each row
      when (new.user_id = '${s.id}' and old.used_at is null and new.used_at is not null)
      execute function ${fn}()`);
    try {
      const r = await confirm(token, "never-set-password-1");
      expect(r.status).toBe(403);
      expect(r.body.error?.code).toBe("ACCOUNT_DISABLED");
    } finally {
      await sql.unsafe(`drop trigger ${fn} on password_reset_tokens`);
      await sql.unsafe(`drop function ${fn}()`);
    }
    // Nothing was written: the old password still stands (the trigger's deactivation was part of
    // the refused transaction, so the account is active again here).
    expect((await login(s.email, "never-set-password-1")).status).toBe(401);
    expect((await login(s.email, s.password)).status).toBe(200);
  });
});
