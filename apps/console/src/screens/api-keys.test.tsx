import { act } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiKeysScreen } from "./api-keys";
import {
  type FakeApi,
  type Mounted,
  mountWithApp,
  pageOfItems,
  settle,
} from "./screen-test-harness";

const fake = vi.hoisted(() => ({ api: null as unknown as FakeApi }));
vi.mock("../api/client", async () => {
  const { FakeApi } = await import("./screen-test-harness");
  fake.api = new FakeApi();
  return { api: fake.api.client };
});

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});

const key = (name: string, revoked: boolean) => ({
  id: name,
  name,
  prefix: "mbe_abc",
  scopes: ["read"],
  lastUsedAt: null,
  revokedAt: revoked ? "2026-01-02T00:00:00.000Z" : null,
  createdAt: "2026-01-01T00:00:00.000Z",
});

type Query = { status?: string; limit?: number; cursor?: string };

/** Two working keys and 45 revoked ones, served by status through `cursor`. */
function serveKeys() {
  const active = [key("live 1", false), key("live 2", false)];
  const revoked = Array.from({ length: 45 }, (_, i) => key(`old ${i}`, true));
  const inputs: Query[] = [];
  fake.api.client.apiKeys.list.query = (async (input: Query) => {
    inputs.push(input);
    const all = input.status === "active" ? active : input.status === "revoked" ? revoked : [];
    return pageOfItems(all, input, 100);
  }) as never;
  return inputs;
}

const names = () =>
  [...(m?.host.querySelectorAll("tbody tr td:first-child") ?? [])].map((e) => e.textContent);
const olderButton = () =>
  [...(m?.host.querySelectorAll("button") ?? [])].find((b) =>
    b.textContent?.includes("Show older revoked keys"),
  );

describe("ApiKeysScreen", () => {
  it("lists every working key, then revoked ones a page at a time", async () => {
    fake.api.reset([]);
    const inputs = serveKeys();
    m = await mountWithApp(<ApiKeysScreen />);
    await settle();
    expect(names().slice(0, 3)).toEqual(["live 1", "live 2", "old 0"]);
    expect(names()).toHaveLength(22);
    await act(async () => olderButton()?.click());
    await settle();
    expect(names()).toHaveLength(42);
    await act(async () => olderButton()?.click());
    await settle();
    expect(names()).toHaveLength(47);
    expect(names().at(-1)).toBe("old 44");
    expect(olderButton()).toBeUndefined();
    expect(inputs.filter((q) => q.status === "revoked").map((q) => q.cursor)).toEqual([
      undefined,
      "20",
      "40",
    ]);
  });
});
