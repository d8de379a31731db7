import { describe, expect, it } from "vitest";
import { orderedIdMaker } from "./ordered-id";

describe("orderedIdMaker", () => {
  it("makes version-7 UUIDs that sort in the order they were made, also within a millisecond", () => {
    const next = orderedIdMaker();
    const ids = Array.from({ length: 20_000 }, () => next());
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it("carries the time it was made in its first 48 bits", () => {
    const before = Date.now();
    const id = orderedIdMaker()();
    const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
  });
});
