import { describe, expect, it } from "vitest";
import { SearchListingsInput } from "../search/search";
import { ListingFilter } from "./schema";

describe("price bounds of a filter or a search", () => {
  it("read an empty value (an empty form field) as no bound, and keep the rest as given", () => {
    for (const schema of [ListingFilter, SearchListingsInput]) {
      const empty = schema.parse({ q: "lamp", priceMin: "", priceMax: " " });
      expect(empty.priceMin).toBeUndefined();
      expect(empty.priceMax).toBeUndefined();
      const given = schema.parse({ q: "lamp", priceMin: "0", priceMax: "10.499" });
      expect(given.priceMin).toBe(0);
      expect(given.priceMax).toBe(10.499);
      expect(schema.safeParse({ q: "lamp", priceMax: "-1" }).success).toBe(false);
      expect(schema.safeParse({ q: "lamp", priceMax: "abc" }).success).toBe(false);
    }
  });
});
