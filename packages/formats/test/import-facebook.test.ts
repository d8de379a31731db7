import { describe, expect, it } from "vitest";
import {
  FACEBOOK_CATEGORIES,
  FACEBOOK_CONDITIONS,
  FACEBOOK_TEMPLATE,
  importListings,
  matchFacebookCategory,
  readTable,
  suggestFacebookCondition,
} from "../src/index";
import { collect, fixture } from "./helpers";

describe("facebook import", () => {
  it("ships the template's 1,870 categories and 4 conditions", () => {
    expect(FACEBOOK_CATEGORIES).toHaveLength(1870);
    expect(new Set(FACEBOOK_CATEGORIES).size).toBe(1870);
    expect(Math.max(...FACEBOOK_CATEGORIES.map((c) => c.split("//").length))).toBe(5);
    expect(FACEBOOK_CATEGORIES).toContain(
      "Clothing, Shoes & Accessories//Men's Clothing//T-Shirts",
    );
  });

  it("matches the template's hidden VALIDATION sheet and its first rows exactly", async () => {
    const v = await readTable({
      path: fixture("facebook-bulk-upload-template.xlsx"),
      sheet: "VALIDATION",
      headerRow: 3,
      limits: { maxColumns: 5000 },
    });
    expect(v.headers).toEqual(FACEBOOK_TEMPLATE.conditions);
    expect((await collect(v.rows))[0]?.values).toEqual([...FACEBOOK_CATEGORIES]);
    const t = await readTable({ path: fixture("facebook-bulk-upload-template.xlsx") });
    expect(t.headers).toEqual(FACEBOOK_TEMPLATE.headers);
    expect(t.preamble.map((r) => r.values)).toEqual([
      [FACEBOOK_TEMPLATE.title],
      [FACEBOOK_TEMPLATE.instructions],
      FACEBOOK_TEMPLATE.hints,
    ]);
  });

  it("imports the clean sheet with no errors", async () => {
    const s = await importListings({ path: fixture("facebook-listings-small.xlsx") });
    expect(s.marketplace).toBe("facebook");
    const out = await collect(s.listings);
    expect(out.map((l) => l.row)).toEqual([2, 3, 4]);
    expect(out.every((l) => l.ok)).toBe(true);
    expect(out.flatMap((l) => l.problems).filter((p) => p.severity === "error")).toEqual([]);
    expect(out[1]?.listing).toMatchObject({
      title: "Battery 12V 100Ah",
      price: "80",
      condition: "Used - Like New",
      description: "Deep cycle battery",
      category: "Electronics",
      offerShipping: true,
    });
    expect(out[2]?.listing?.offerShipping).toBe(false);
  });

  it("reports every bad cell of the messy sheet with row, column, value and a fix", async () => {
    const s = await importListings({ path: fixture("facebook-listings-solar-messy.xlsx") });
    expect(s.marketplace).toBe("facebook");
    const out = await collect(s.listings);
    expect(out).toHaveLength(22);
    expect(out.map((l) => l.row)).toEqual(Array.from({ length: 22 }, (_, i) => i + 2));
    expect(out.every((l) => !l.ok && l.listing !== null)).toBe(true);
    const problems = out.flatMap((l) => l.problems);
    // Every row lacks the required price.
    expect(problems.filter((p) => p.code === "REQUIRED" && p.column === "PRICE")).toHaveLength(22);
    const used = problems.filter((p) => p.column === "CONDITION" && p.value === "Used");
    expect(used.map((p) => p.row)).toEqual([4, 5, 7, 22]);
    for (const p of used) {
      expect(p.code).toBe("INVALID_CONDITION");
      expect(FACEBOOK_CONDITIONS).toContain(p.suggestion);
    }
    const refurb = problems.find((p) => p.value === "Refurbished");
    expect(refurb).toMatchObject({ row: 21, column: "CONDITION", code: "INVALID_CONDITION" });
    expect(FACEBOOK_CONDITIONS).toContain(refurb?.suggestion);
    const cats = problems.filter((p) => p.column === "CATEGORY");
    expect(cats).toHaveLength(22);
    for (const p of cats) {
      expect(p.code).toBe("UNKNOWN_CATEGORY");
      expect(FACEBOOK_CATEGORIES).toContain(p.suggestion);
    }
    expect(cats.find((p) => p.value === "Electronics > Solar Panels")?.suggestion).toMatch(
      /\/\/Solar Panels$/,
    );
    expect(problems.every((p) => p.message.length > 0)).toBe(true);
  });

  it("applies the suggested fixes on request", async () => {
    const s = await importListings({
      path: fixture("facebook-listings-solar-messy.xlsx"),
      applyFixes: true,
    });
    const out = await collect(s.listings);
    const row4 = out.find((l) => l.row === 4);
    expect(row4?.listing?.condition).toBe("Used - Good");
    expect(FACEBOOK_CATEGORIES).toContain(row4?.listing?.category);
  });

  it("fills an empty CONDITION with the suggested New when fixes are applied", async () => {
    const csv = ["TITLE,PRICE,CONDITION,DESCRIPTION,CATEGORY,OFFER SHIPPING", "Lamp,12,,,,"].join(
      "\n",
    );
    const [plain] = await collect((await importListings({ bytes: Buffer.from(csv) })).listings);
    expect(plain?.problems.find((p) => p.code === "REQUIRED")?.suggestion).toBe("New");
    expect(plain?.listing?.condition).toBeNull();
    const s = await importListings({ bytes: Buffer.from(csv), applyFixes: true });
    const [l] = await collect(s.listings);
    expect(l?.problems.find((p) => p.code === "REQUIRED")).toMatchObject({
      column: "CONDITION",
      suggestion: "New",
    });
    expect(l?.listing?.condition).toBe("New");
  });

  it("decodes HTML entities, parses $1,299 and insists on whole dollars", async () => {
    const csv = [
      "TITLE,PRICE,CONDITION,DESCRIPTION,CATEGORY,OFFER SHIPPING",
      'Tom &amp; Jerry DVD,"$1,299",New,Fish &amp; chips,Electronics > Blank Media,Yes',
      "Lamp,12.50,used - good,,,maybe",
      ",,,,,",
    ].join("\n");
    const s = await importListings({ bytes: Buffer.from(csv) });
    expect(s.marketplace).toBe("facebook");
    const [a, b] = await collect(s.listings);
    expect(a?.listing).toMatchObject({
      title: "Tom & Jerry DVD",
      price: "1299",
      description: "Fish & chips",
      category: "Electronics//Blank Media",
    });
    expect(a?.ok).toBe(true);
    expect(a?.problems.map((p) => p.code).sort()).toEqual([
      "CATEGORY_FORMAT",
      "HTML_ENTITIES",
      "HTML_ENTITIES",
      "PRICE_FORMAT",
    ]);
    expect(a?.problems.find((p) => p.code === "PRICE_FORMAT")).toMatchObject({
      row: 2,
      value: "$1,299",
      suggestion: "1299",
    });
    expect(b?.ok).toBe(false);
    expect(b?.problems.find((p) => p.code === "WHOLE_DOLLARS")).toMatchObject({
      row: 3,
      suggestion: "13",
    });
    expect(b?.listing?.condition).toBe("Used - Good");
    expect(b?.problems.find((p) => p.code === "INVALID_BOOLEAN")?.column).toBe("OFFER SHIPPING");
  });

  it("offers the best full template path under a parent category, and applies it on request", async () => {
    const csv = [
      "TITLE,PRICE,CONDITION,DESCRIPTION,CATEGORY,OFFER SHIPPING",
      "Old clock,40,Used - Good,,Antiques & Collectibles,",
      "Armchair,90,Used - Good,,antiques & collectibles > antique & collectible furniture,",
    ].join("\n");
    const parents = [
      "Antiques & Collectibles",
      "Antiques & Collectibles//Antique & Collectible Furniture",
    ];
    for (const p of parents) expect(FACEBOOK_CATEGORIES).not.toContain(p);
    const plain = await collect((await importListings({ bytes: Buffer.from(csv) })).listings);
    const suggestions = plain.map((l, i) => {
      const p = l.problems.find((x) => x.column === "CATEGORY");
      expect(p).toMatchObject({ code: "CATEGORY_NOT_LEAF", field: "category" });
      expect(FACEBOOK_CATEGORIES).toContain(p?.suggestion);
      expect(p?.suggestion?.startsWith(`${parents[i]}//`)).toBe(true);
      return p?.suggestion;
    });
    // The best fit under the parent: a path whose own name repeats the words typed.
    expect(suggestions[1]).toMatch(/\/\/Antique & Collectible Furniture\/\/[^/]+$/);
    const fixed = await collect(
      (await importListings({ bytes: Buffer.from(csv), applyFixes: true })).listings,
    );
    expect(fixed.map((l) => l.listing?.category)).toEqual(suggestions);
    // The older editor's clean sheet uses the top-level "Electronics"; the title picks the path.
    const small = await collect(
      (await importListings({ path: fixture("facebook-listings-small.xlsx"), applyFixes: true }))
        .listings,
    );
    for (const l of small) expect(FACEBOOK_CATEGORIES).toContain(l.listing?.category);
    expect(small[1]?.listing).toMatchObject({
      title: "Battery 12V 100Ah",
      category: "Electronics//Batteries & Power//Batteries",
    });
  });

  it("suggests conditions and categories", () => {
    expect(suggestFacebookCondition("Used")).toBe("Used - Good");
    expect(suggestFacebookCondition("like new")).toBe("Used - Like New");
    expect(suggestFacebookCondition("For parts")).toBe("Used - Fair");
    expect(suggestFacebookCondition("Brand new in box")).toBe("New");
    expect(matchFacebookCategory("electronics//cell phones & accessories//cell phones")).toEqual({
      kind: "reformatted",
      path: "Electronics//Cell Phones & Accessories//Cell Phones",
    });
    expect(matchFacebookCategory("Electronics").kind).toBe("ancestor");
    const m = matchFacebookCategory("Phones > Smartphones > Cell Phone");
    expect(m.kind).toBe("nearest");
    expect(m.kind === "nearest" ? m.path : "").toMatch(/Cell Phones/);
  });
});
