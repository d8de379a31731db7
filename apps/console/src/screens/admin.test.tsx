import { afterEach, describe, expect, it, vi } from "vitest";
import { AdminScreen } from "./admin";
import { type Mounted, mountWithApp, until } from "./screen-test-harness";

const api = vi.hoisted(() => ({
  admin: { users: { query: vi.fn() }, stats: { query: vi.fn() } },
}));
vi.mock("../api/client", () => ({ api }));

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});

describe("AdminScreen", () => {
  it("does not count a first seller when the search matches none", async () => {
    api.admin.users.query.mockResolvedValue({ items: [], total: 0 });
    api.admin.stats.query.mockResolvedValue({
      users: { total: 1, active: 1, locked: 0 },
      listings: { total: 0 },
      activityLast24h: { changeSets: 0, auditEvents: 0, failedEvents: 0 },
      activeSessions: 1,
      activeApiKeys: 0,
    });
    m = await mountWithApp(<AdminScreen />);
    await until(() => !!m?.host.querySelector(".row-gap"));
    const range = m.host.querySelector(".row-gap .muted")?.textContent;
    expect(range).toBe("No sellers found");
  });
});
