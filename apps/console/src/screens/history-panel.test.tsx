import { act } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HistoryPanel } from "./history-panel";
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

const changeSet = (n: number) => ({
  id: `cs-${n}`,
  kind: "bulk_edit",
  summary: `Change ${n}`,
  status: "applied",
  rowCount: 1,
  createdAt: new Date(2026, 0, 1, 0, 0, n).toISOString(),
  undoneAt: null,
  redoneAt: null,
});

/** 120 change sets served 50 to a page, newest first, through `cursor`. */
function serveHistory() {
  const all = Array.from({ length: 120 }, (_, i) => changeSet(120 - i));
  const inputs: { limit?: number; cursor?: string }[] = [];
  fake.api.client.changeSets.list.query = (async (input: { limit?: number; cursor?: string }) => {
    inputs.push(input);
    return pageOfItems(all, input, 50);
  }) as never;
  return inputs;
}

const summaries = () =>
  [...(m?.host.querySelectorAll(".h-summary") ?? [])].map((e) => e.textContent);
const olderButton = () =>
  [...(m?.host.querySelectorAll("button") ?? [])].find((b) =>
    b.textContent?.includes("Show older"),
  );

describe("HistoryPanel", () => {
  it("shows older change sets a page at a time until there are none", async () => {
    fake.api.reset([]);
    const inputs = serveHistory();
    m = await mountWithApp(<HistoryPanel tick={0} onClose={() => {}} onChanged={() => {}} />);
    await settle();
    expect(summaries()).toHaveLength(50);
    expect(summaries()[0]).toBe("Change 120");
    await act(async () => olderButton()?.click());
    await settle();
    expect(summaries()).toHaveLength(100);
    expect(inputs.at(-1)).toEqual({ limit: 50, cursor: "50" });
    await act(async () => olderButton()?.click());
    await settle();
    expect(summaries()).toHaveLength(120);
    expect(summaries().at(-1)).toBe("Change 1");
    expect(olderButton()).toBeUndefined();
  });
});
