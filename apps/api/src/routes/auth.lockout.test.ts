import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestApi, type Seller, signUp, type TestApi } from "../../test/harness";
import { startTestSmtp, type TestSmtp } from "../../test/smtp";

/*
 * The sign-in lockout under parallel guesses, and the ways around it: a password change with a
 * guessed current password, a reset link older than the password, a flood of reset requests.
 */
const PUBLIC_URL = "https://editor.example.test";
let smtp: TestSmtp;
let api: TestApi;
beforeAll(async () => {
  smtp = await startTestSmtp();
  api = await createTestApi({
    SMTP_URL: smtp.url,
    PUBLIC_URL,
    LOGIN_PER_MINUTE: "100000",
    RATE_LIMIT_PER_MINUTE: "100000",
  });
});
afterAll(async () => {
  await api.close();
  await smtp.close();
});

let ip = 0;
/** Each guess from another address, as a botnet would send them. */
const fromAnywhere = () => ({ "x-forwarded-for": `10.91.${ip >> 8}.${ip++ & 255}` });
const login = (email: string, password: string) =>
  call<{ error?: { code: string } }>(api, "POST", "/v1/auth/login", {
    body: { email, password },
    headers: fromAnywhere(),
  });
const db = () => {
  const sql = api.db.sql;
  if (!sql) throw new Error("needs PostgreSQL");
  return sql;
};
const failures = async (s: Seller) =>
  (await db()<{ n: number }[]>`select failed_login_count as n from users where id = ${s.id}`)[0]?.n;

describe("the sign-in lockout", () => {
  it("checks no more than five passwords however many guesses arrive at once", async () => {
    const s = await signUp(api);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => login(s.email, "wrong-password")),
    );
    const codes = answers.map((r) => r.body.error?.code);
    expect(codes.filter((c) => c === "INVALID_CREDENTIALS").length).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === "ACCOUNT_LOCKED").length).toBeGreaterThanOrEqual(15);
    expect(await failures(s)).toBeLessThanOrEqual(5);
    expect((await login(s.email, s.password)).status).toBe(423);
  });

  it("counts from zero again once a lock has run out", async () => {
    const s = await signUp(api);
    for (let i = 0; i < 5; i++) expect((await login(s.email, "wrong-password")).status).toBe(401);
    expect((await login(s.email, s.password)).status).toBe(423);
    await db()`update users set locked_until = now() - interval '1 second' where id = ${s.id}`;
    // One wrong guess after the lock is one failure, not the sixth.
    expect((await login(s.email, "wrong-password")).status).toBe(401);
    expect(await failures(s)).toBe(1);
    expect((await login(s.email, s.password)).status).toBe(200);
    expect(await failures(s)).toBe(0);
  });

  it("counts wrong current passwords of a password change towards the same lock", async () => {
    const s = await signUp(api);
    const change = (currentPassword: string) =>
      call<{ error?: { code: string } }>(api, "POST", "/v1/auth/change-password", {
        token: s.accessToken,
        body: { currentPassword, newPassword: "a-brand-new-password-1" },
      });
    for (let i = 0; i < 5; i++) expect((await change("wrong-password")).status).toBe(401);
    expect((await change(s.password)).status).toBe(423);
    expect((await login(s.email, s.password)).status).toBe(423);
  });
});

describe("an email without an account", () => {
  const keyOf = (email: string) =>
    createHmac("sha256", api.deps.jwtSecret).update(email.trim().toLowerCase()).digest("base64url");
  /** What a run of guesses answers: status, code and Retry-After of each. */
  const answersTo = async (email: string, guesses: number) => {
    const out: string[] = [];
    for (let i = 0; i < guesses; i++) {
      const r = await login(email, "wrong-password");
      const after = Number(r.headers.get("retry-after") ?? 0);
      // Seconds tick between the two runs; whole minutes must agree.
      out.push(`${r.status} ${r.body.error?.code} ${Math.round(after / 60)}`);
    }
    return out;
  };

  it("answers guess after guess exactly as a registered account does, lock included", async () => {
    const s = await signUp(api);
    const unknown = `nobody-${Date.now()}@example.test`;
    const registered = await answersTo(s.email, 7);
    expect(registered.slice(5)).toEqual(["423 ACCOUNT_LOCKED 30", "423 ACCOUNT_LOCKED 30"]);
    expect(await answersTo(unknown, 7)).toEqual(registered);
    // The same email in other letters and with spaces shares the tries.
    expect(await answersTo(` ${unknown.toUpperCase()} `, 1)).toEqual(["423 ACCOUNT_LOCKED 30"]);
    // The address itself is not stored, only its key.
    const stored = await db()<{ n: number }[]>`select failed_login_count as n
      from unknown_email_login_tries where email_key = ${keyOf(unknown)}`;
    expect(stored).toEqual([{ n: 5 }]);
    const named = await db()`select 1 from unknown_email_login_tries where email_key like '%@%'`;
    expect(named).toHaveLength(0);
  });

  it("counts from zero again once its lock has run out, and is forgotten after a month", async () => {
    const unknown = `nobody-again-${Date.now()}@example.test`;
    await answersTo(unknown, 6);
    const key = keyOf(unknown);
    await db()`update unknown_email_login_tries set locked_until = now() - interval '1 second'
      where email_key = ${key}`;
    expect(await answersTo(unknown, 1)).toEqual(["401 INVALID_CREDENTIALS 0"]);
    await db()`update unknown_email_login_tries set last_try_at = now() - interval '31 days'
      where email_key = ${key}`;
    await answersTo(`someone-else-${Date.now()}@example.test`, 1);
    const left = await db()`select 1 from unknown_email_login_tries where email_key = ${key}`;
    expect(left).toHaveLength(0);
  });
});

describe("password reset links", () => {
  const requestReset = (email: string) =>
    call(api, "POST", "/v1/auth/password-reset", { body: { email }, headers: fromAnywhere() });

  it("stop working once the password is changed another way", async () => {
    const s = await signUp(api);
    expect((await requestReset(s.email)).status).toBe(202);
    const mail = await smtp.waitFor(s.email);
    const token = decodeURIComponent(
      /reset-password\?token=([A-Za-z0-9_%-]+)/.exec(mail.text)?.[1] ?? "",
    );
    expect(token).not.toBe("");
    const changed = await call(api, "POST", "/v1/auth/change-password", {
      token: s.accessToken,
      body: { currentPassword: s.password, newPassword: "changed-by-the-owner-1" },
    });
    expect(changed.status).toBe(200);
    const confirm = await call<{ error?: { code: string } }>(
      api,
      "POST",
      "/v1/auth/password-reset/confirm",
      { body: { token, password: "set-by-the-old-link-1" }, headers: fromAnywhere() },
    );
    expect(confirm.body.error?.code).toBe("RESET_TOKEN_USED");
    expect((await login(s.email, "changed-by-the-owner-1")).status).toBe(200);
  });

  it("are sent once a minute however many requests arrive at once", async () => {
    const s = await signUp(api);
    const answers = await Promise.all(Array.from({ length: 8 }, () => requestReset(s.email)));
    expect(answers.every((r) => r.status === 202)).toBe(true);
    const [row] = await db()<{ n: number }[]>`
      select count(*)::int as n from password_reset_tokens where user_id = ${s.id}`;
    expect(row?.n).toBe(1);
  });
});
