import { describe, expect, it } from "vitest";
import { validateForMarketplace } from "../src/index";

const codes = (...a: Parameters<typeof validateForMarketplace>) =>
  validateForMarketplace(...a).map((w) => w.code);

describe("validateForMarketplace", () => {
  it("checks facebook's template rules", () => {
    expect(
      codes(
        {
          title: "Desk",
          price: "20",
          condition: "New",
          category: "Furniture//Desks",
          description: "",
        },
        "facebook",
      ),
    ).toEqual(expect.not.arrayContaining(["REQUIRED", "WHOLE_DOLLARS", "INVALID_CONDITION"]));
    expect(
      codes(
        { title: "", price: "19.5", condition: "Used", category: "Electronics > TVs" },
        "facebook",
      ),
    ).toEqual(["REQUIRED", "WHOLE_DOLLARS", "INVALID_CONDITION", "UNKNOWN_CATEGORY"]);
    expect(codes({ title: "A", price: "", condition: "New" }, "facebook")).toEqual(["REQUIRED"]);
    expect(
      codes(
        {
          title: "A",
          price: "5",
          condition: "New",
          category: "Electronics//Cell Phones & Accessories//Cell Phones",
        },
        "facebook",
      ),
    ).toEqual([]);
  });

  it("checks eBay and Shopify specifics", () => {
    expect(
      codes(
        {
          title: "x".repeat(81),
          price: "0",
          quantity: 0,
          marketplaceFields: { conditionId: "42", format: "Fixed", duration: "Forever" },
        },
        "ebay",
      ),
    ).toEqual([
      "TOO_LONG",
      "INVALID_PRICE",
      "INVALID_QUANTITY",
      "CATEGORY_ID",
      "INVALID_CONDITION",
      "INVALID_FORMAT",
      "INVALID_DURATION",
    ]);
    expect(
      codes(
        {
          title: "Cam",
          price: "5",
          marketplaceFields: { ebayCategoryId: "31388", conditionId: "3000" },
        },
        "ebay",
      ),
    ).toEqual([]);
    expect(
      codes(
        { title: "T", price: "1", marketplaceFields: { shopifyHandle: "bad handle!" } },
        "shopify",
      ),
    ).toEqual(["INVALID_HANDLE"]);
  });
});
