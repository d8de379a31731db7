import { act } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Mounted, mountWithApp, settle } from "./screen-test-harness";
import { SearchScreen } from "./search-screen";

const api = vi.hoisted(() => ({
  search: {
    query: { query: vi.fn() },
    similar: { query: vi.fn() },
    duplicates: { query: vi.fn() },
    mergeDuplicates: { mutate: vi.fn() },
  },
}));
vi.mock("../api/client", () => ({ api }));

const listing = (id: string) => ({
  id,
  title: `Chair ${id}`,
  price: "10.00",
  currency: "USD",
  quantity: 1,
  sku: null,
  status: "active",
  category: null,
  updatedAt: "2026-01-01T00:00:00.000Z",
});

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
  vi.unstubAllGlobals();
});

describe("Duplicates", () => {
  it("merges a group once however often the button is clicked while it runs", async () => {
    vi.stubGlobal("confirm", () => true);
    api.search.duplicates.query.mockResolvedValue({ groups: [[listing("a"), listing("b")]] });
    let answer: (v: unknown) => void = () => {};
    api.search.mergeDuplicates.mutate.mockImplementation(
      () =>
        new Promise((r) => {
          answer = r;
        }),
    );
    m = await mountWithApp(<SearchScreen search="?view=duplicates" />);
    await settle();
    const mergeButton = () =>
      [...(m?.host.querySelectorAll("button") ?? [])].find((b) =>
        b.textContent?.includes("Merge into kept listing"),
      );
    await act(async () => mergeButton()?.click());
    await act(async () => mergeButton()?.click());
    expect(api.search.mergeDuplicates.mutate).toHaveBeenCalledTimes(1);
    api.search.duplicates.query.mockResolvedValue({ groups: [] });
    await act(async () => answer({ kept: "a", merged: 1 }));
    await settle();
    expect(m.host.textContent).toContain("No likely duplicates");
  });
});

describe("Duplicates keep choice", () => {
  it("stays with the listing chosen after a merge above moves its group up", async () => {
    vi.stubGlobal("confirm", () => true);
    api.search.mergeDuplicates.mutate.mockReset();
    api.search.mergeDuplicates.mutate.mockResolvedValue({ kept: "a", merged: 1 });
    api.search.duplicates.query.mockResolvedValue({
      groups: [
        [listing("a"), listing("b")],
        [listing("c"), listing("d")],
      ],
    });
    m = await mountWithApp(<SearchScreen search="?view=duplicates" />);
    await settle();
    const radio = (id: string) =>
      m?.host.querySelector<HTMLInputElement>(`input[aria-label="Keep Chair ${id}"]`);
    const mergeButtons = () =>
      [...(m?.host.querySelectorAll("button") ?? [])].filter((b) =>
        b.textContent?.includes("Merge into kept listing"),
      );
    // The seller keeps "d" in the second group, then merges the first one.
    await act(async () => radio("d")?.click());
    expect(radio("d")?.checked).toBe(true);
    api.search.duplicates.query.mockResolvedValue({ groups: [[listing("c"), listing("d")]] });
    await act(async () => mergeButtons()[0]?.click());
    await settle();
    expect(api.search.mergeDuplicates.mutate).toHaveBeenLastCalledWith({
      keepId: "a",
      mergeIds: ["b"],
      mode: "merge",
    });

    // The second group is now the first: its choice is still "d".
    expect(radio("d")?.checked).toBe(true);
    expect(radio("c")?.checked).toBe(false);
    await act(async () => mergeButtons()[0]?.click());
    await settle();
    expect(api.search.mergeDuplicates.mutate).toHaveBeenLastCalledWith({
      keepId: "d",
      mergeIds: ["c"],
      mode: "merge",
    });
  });
});

describe("Duplicates prices", () => {
  it("shows yen in whole units and dollars with cents", async () => {
    api.search.duplicates.query.mockResolvedValue({
      groups: [
        [
          { ...listing("a"), price: "1200.00", currency: "JPY" },
          { ...listing("b"), price: "12.50", currency: "USD" },
        ],
      ],
    });
    m = await mountWithApp(<SearchScreen search="?view=duplicates" />);
    await settle();
    const prices = [...m.host.querySelectorAll("td.nowrap")]
      .map((td) => td.textContent)
      .filter((t) => / [A-Z]{3}$/.test(t ?? ""));
    expect(prices).toEqual(["1200 JPY", "12.50 USD"]);
  });
});
