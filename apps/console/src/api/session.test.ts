import { describe, expect, it } from "vitest";
import { REFRESH_KEY, Session, type Tokens } from "./session";

const memory = () => {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    m,
  };
};
const tokens = (n: number): Tokens => ({
  accessToken: `a${n}`,
  refreshToken: `r${n}`,
  expiresIn: 900,
});

describe("Session", () => {
  it("rotates the refresh token once even when many calls need a refresh at the same time", async () => {
    const store = memory();
    let calls = 0;
    const s = new Session(store, async (rt) => {
      calls++;
      expect(rt).toBe("r1");
      await new Promise((r) => setTimeout(r, 5));
      return tokens(2);
    });
    s.set(tokens(1));
    const results = await Promise.all([s.refresh(), s.refresh(), s.refresh()]);
    expect(results).toEqual([true, true, true]);
    expect(calls).toBe(1);
    expect(s.accessToken).toBe("a2");
    expect(store.getItem(REFRESH_KEY)).toBe("r2");
    s.clear();
  });

  it("signs out with a reason when the server reports refresh-token reuse", async () => {
    const store = memory();
    const s = new Session(store, async () => {
      throw Object.assign(new Error("reuse"), { code: "TOKEN_REUSED" });
    });
    const events: [boolean, string | undefined][] = [];
    s.onChange((on, reason) => events.push([on, reason]));
    s.set(tokens(1));
    expect(await s.refresh()).toBe(false);
    expect(store.getItem(REFRESH_KEY)).toBeNull();
    expect(s.accessToken).toBeNull();
    expect(events.at(-1)?.[0]).toBe(false);
    expect(events.at(-1)?.[1]).toMatch(/revoked/);
  });

  it("keeps the session through a network failure", async () => {
    const store = memory();
    const s = new Session(store, async () => {
      throw Object.assign(new Error("offline"), { code: "NETWORK_ERROR" });
    });
    s.set(tokens(1));
    expect(await s.refresh()).toBe(false);
    expect(store.getItem(REFRESH_KEY)).toBe("r1");
    s.clear();
  });

  it("reports a stale access token shortly before it expires", () => {
    let now = 0;
    const s = new Session(
      memory(),
      async () => tokens(2),
      () => now,
    );
    s.set(tokens(1));
    expect(s.stale).toBe(false);
    now = 895_000;
    expect(s.stale).toBe(true);
    s.clear();
  });
});
