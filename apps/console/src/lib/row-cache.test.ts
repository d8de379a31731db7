import { describe, expect, it } from "vitest";
import { RowCache } from "./row-cache";
import { listing } from "./row-fixture";

describe("RowCache", () => {
  it("still finds a row by id after a refetch moved it up the list", () => {
    const c = new RowCache("q");
    c.fill(0, [listing(0), listing(1), listing(2)]);
    // Sorted by last update: the row edited (or undone) last comes first on the refetch.
    c.invalidate();
    c.fill(0, [listing(2, { version: 2 }), listing(0), listing(1)]);
    expect(c.indexOf("id-2")).toBe(0);
    expect(c.indexOf("id-0")).toBe(1);
    expect(c.indexOf("id-1")).toBe(2);
    // A save of the moved row shows up where it is now.
    expect(c.replace(listing(2, { title: "Saved", version: 3 }))).toBe(true);
    expect(c.get(0)?.title).toBe("Saved");
  });

  it("forgets a row that is no longer in the list", () => {
    const c = new RowCache("q");
    c.fill(0, [listing(0), listing(1)]);
    c.fill(0, [listing(1), listing(5)]);
    expect(c.indexOf("id-0")).toBeUndefined();
    expect(c.indexOf("id-1")).toBe(0);
    expect(c.indexOf("id-5")).toBe(1);
  });
});
