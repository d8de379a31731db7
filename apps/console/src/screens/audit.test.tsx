import { act } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AuditScreen } from "./audit";
import { type Mounted, mountWithApp, settle, typeInto } from "./screen-test-harness";

const api = vi.hoisted(() => ({ auditLogs: { list: { query: vi.fn() } } }));
vi.mock("../api/client", () => ({ api }));

const entry = (id: string, action: string) => ({
  id,
  action,
  outcome: "success",
  resourceType: "listing",
  resourceId: null,
  actorType: "user",
  ip: null,
  details: {},
  createdAt: "2026-01-01T00:00:00.000Z",
});

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});

describe("AuditScreen", () => {
  it("shows the entries for the filter as typed last, even when an older answer arrives late", async () => {
    const answers = new Map<string, (v: unknown) => void>();
    api.auditLogs.list.query.mockImplementation(
      (input: { action?: string }) =>
        new Promise((r) => {
          answers.set(input.action ?? "", r);
        }),
    );
    m = await mountWithApp(<AuditScreen />);
    const input = m.host.querySelector<HTMLInputElement>(
      'input[placeholder="e.g. listing.update"]',
    );
    if (!input) throw new Error("no filter");
    await act(async () => typeInto(input, "listing"));
    await act(async () => typeInto(input, "import"));
    await settle();
    await act(async () =>
      answers.get("import")?.({ items: [entry("2", "import.commit")], nextCursor: null }),
    );
    await act(async () =>
      answers.get("listing")?.({ items: [entry("1", "listing.update")], nextCursor: null }),
    );
    await act(async () =>
      answers.get("")?.({ items: [entry("0", "auth.login")], nextCursor: null }),
    );
    await settle();
    const shown = [...m.host.querySelectorAll("tbody code")].map((c) => c.textContent);
    expect(shown).toEqual(["import.commit"]);
    expect(m.host.querySelector("table")?.getAttribute("aria-busy")).toBe("false");
  });
});
