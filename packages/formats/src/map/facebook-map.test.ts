import { describe, expect, it } from "vitest";
import { FACEBOOK_TEMPLATE } from "../marketplaces/facebook";
import { createFacebookMapper } from "./facebook-map";

const map = createFacebookMapper(FACEBOOK_TEMPLATE.headers);
const priceProblems = (price: string) =>
  map({ row: 2, values: ["Lamp", price, "New", "", "", ""] }).problems.filter(
    (p) => p.column === "PRICE",
  );

describe("the Facebook price cell", () => {
  it("reports an empty or blank price as missing, not as a whole-dollars problem", () => {
    for (const price of ["", "   ", "\u00a0"]) {
      const problems = priceProblems(price);
      expect(problems, JSON.stringify(price)).toHaveLength(1);
      expect(problems[0]).toMatchObject({ code: "REQUIRED", severity: "error", row: 2 });
      expect(problems[0]?.message).toMatch(/missing/i);
      expect(problems[0]?.message).not.toMatch(/whole dollars/i);
    }
  });

  it("still asks for whole dollars when the price has cents", () => {
    expect(priceProblems("12.50")).toEqual([
      expect.objectContaining({
        code: "WHOLE_DOLLARS",
        message: "Facebook prices are whole dollars",
        suggestion: "13",
      }),
    ]);
  });
});
