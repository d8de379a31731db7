import { readFile } from "node:fs/promises";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import {
  CONTENT_TYPES,
  decodeXstring,
  type ExportListing,
  exportFileName,
  exportListings,
  FACEBOOK_CATEGORIES,
  guardFormula,
  guardXlsxFormula,
  importListings,
  readTable,
  stripFormulaGuard,
  stripXlsxFormulaGuard,
} from "../src/index";
import { bytesOf, collect, fixture, rejection, unzip } from "./helpers";

const NOW = new Date("2026-03-04T05:06:07Z");

describe("file names and content types", () => {
  it("uses marketplace-listings-YYYYMMDD-HHMMSS.<ext> in UTC", () => {
    expect(exportFileName("csv", NOW)).toBe("marketplace-listings-20260304-050607.csv");
    expect(exportFileName("xlsx", new Date("2026-12-31T23:59:59Z"), "-part-002")).toBe(
      "marketplace-listings-20261231-235959-part-002.xlsx",
    );
  });

  it("returns the right type per format", async () => {
    const cases = [
      ["csv", "csv", "text/csv; charset=utf-8"],
      ["json", "json", "application/json; charset=utf-8"],
      ["xlsx", "xlsx", CONTENT_TYPES.xlsx],
      ["sql", "sql", "application/sql; charset=utf-8"],
      ["text", "txt", "text/plain; charset=utf-8"],
    ] as const;
    for (const [format, ext, type] of cases) {
      const r = await exportListings([{ title: "A", price: "1" }], { format, now: NOW });
      expect([r.extension, r.contentType, r.fileName]).toEqual([
        ext,
        type,
        `marketplace-listings-20260304-050607.${ext}`,
      ]);
      expect((await bytesOf(r)).length).toBeGreaterThan(0);
    }
    expect((await rejection(exportListings([], { layout: "facebook", format: "csv" }))).code).toBe(
      "INVALID_OPTION",
    );
  });
});

describe("formula guard", () => {
  it("prefixes ' to formula-like text and strips exactly that", () => {
    for (const v of [
      "=1+1",
      "+1",
      "-1",
      "@SUM(A1)",
      "\tx",
      "\rx",
      "\nx",
      "\u0000x",
      "'=x",
      "''+y",
    ]) {
      expect(guardFormula(v)).toBe(`'${v}`);
      expect(stripFormulaGuard(guardFormula(v))).toBe(v);
    }
    for (const v of ["plain", "'quoted", "", "1=1", "a-b"]) {
      expect(guardFormula(v)).toBe(v);
      expect(stripFormulaGuard(v)).toBe(v);
    }
  });

  it("guards xlsx text as csv text, and also past leading invisible control characters", () => {
    for (const v of ["=1+1", "+1", "\rx", "\u0000x", "''+y", "plain", "'quoted", "", "a-b"]) {
      expect(guardXlsxFormula(v)).toBe(guardFormula(v));
      expect(stripXlsxFormulaGuard(guardXlsxFormula(v))).toBe(v);
    }
    for (const v of ["\u0001=x", "\u007f\u001f+x", "\u000b'@x", "'\u0008-x"]) {
      expect(guardXlsxFormula(v)).toBe(`'${v}`);
      expect(stripXlsxFormulaGuard(guardXlsxFormula(v))).toBe(v);
    }
    for (const v of ["\u0001x", "\u0001 =x", "'\u0001x"]) {
      expect(guardXlsxFormula(v)).toBe(v);
      expect(stripXlsxFormulaGuard(v)).toBe(v);
    }
  });

  it("guards csv cells and xlsx text cells, but not xlsx numbers", async () => {
    const l: ExportListing = {
      title: '=HYPERLINK("http://evil")',
      price: "-5",
      sku: "@x",
      description: "-not a number",
    };
    const csv = (await bytesOf(await exportListings([l], { format: "csv" }))).toString("utf8");
    expect(csv.startsWith("\uFEFFId,Title,Price")).toBe(true);
    expect(csv).toContain(`'=HYPERLINK(""http://evil"")`);
    expect(csv).toContain(",'-5,");
    const xlsx = await bytesOf(await exportListings([l], { format: "xlsx" }));
    const sheet = (await unzip(xlsx)).get("xl/worksheets/sheet1.xml")?.toString("utf8") ?? "";
    expect(sheet).toContain("&apos;=HYPERLINK");
    expect(sheet).toContain("&apos;-not a number");
    expect(sheet).toMatch(/<c r="C2"[^>]*><v>-5<\/v>/);
    const back = await collect((await importListings({ bytes: xlsx })).listings);
    expect(back[0]?.listing).toMatchObject({
      title: l.title,
      price: "-5",
      sku: "@x",
      description: "-not a number",
    });
  });
  it("guards xlsx text that starts with a formula past invisible control characters, and keeps them", async () => {
    // The controls travel as `_xHHHH_`; a reader that drops them (or what they decode to) must
    // still find the guard in front of what remains, not a cell starting with "=".
    const l: ExportListing = {
      title: '\u0001=HYPERLINK("http://evil")',
      price: "5",
      condition: "New",
      description: "\u007f\u001f+cmd|' /C calc'!A0",
      category: "\u000b@SUM(A1)",
      sku: "\u0008-2+3",
    };
    const generic = await bytesOf(await exportListings([l], { format: "xlsx" }));
    const facebook = await bytesOf(await exportListings([l], { layout: "facebook" }));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: dropping exactly those characters
    const hidden = /[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
    for (const bytes of [generic, facebook]) {
      const sheet = (await unzip(bytes)).get("xl/worksheets/sheet1.xml")?.toString("utf8") ?? "";
      expect(sheet).toContain("&apos;_x0001_=HYPERLINK");
      expect(sheet).toContain("&apos;_x007F__x001F_+cmd");
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(bytes as unknown as ArrayBuffer);
      const texts: string[] = [];
      wb.worksheets[0]?.eachRow((row) => {
        row.eachCell((c) => {
          expect(c.formula).toBeUndefined();
          if (typeof c.value === "string") texts.push(c.value);
        });
      });
      const dropped = texts.map((t) => decodeXstring(t).replace(hidden, ""));
      for (const shown of [texts, dropped]) {
        expect(shown.filter((t) => /^[=+\-@]/.test(t))).toEqual([]);
      }
      expect(dropped).toContain(`'=HYPERLINK("http://evil")`);
      expect(dropped).toContain("'+cmd|' /C calc'!A0");
      const back = await collect((await importListings({ bytes })).listings);
      expect(back[0]?.listing?.title).toBe(l.title);
      expect(back[0]?.listing?.description).toBe(l.description);
    }
    const back = await collect((await importListings({ bytes: generic })).listings);
    expect(back[0]?.listing).toMatchObject({ category: l.category, sku: l.sku });
    const csv = (await bytesOf(await exportListings([l], { format: "csv" }))).toString("utf8");
    // A CSV keeps those characters, so its cells do not start with a formula character at all.
    expect(csv).toContain('\u0001=HYPERLINK(""http://evil"")');
  });
});

describe("facebook layout", () => {
  const listing = (i: number): ExportListing => ({
    title: `Item ${i}`,
    price: "19.60",
    condition: "New",
    description: "d",
    category: FACEBOOK_CATEGORIES[i % FACEBOOK_CATEGORIES.length] ?? null,
    offerShipping: i % 2 === 0,
  });

  it("writes conditions and categories kept in other marketplaces' words as Facebook spells them", async () => {
    const path = FACEBOOK_CATEGORIES.find((c) => c.split("//").length === 3) ?? "";
    const r = await exportListings(
      [
        { title: "Drill", price: "40", condition: "Used", category: path.split("//").join(" > ") },
        { title: "Saw", price: "25", condition: "Unused", category: path.toUpperCase() },
        { title: "Lamp", price: "12", condition: "New other", category: "Not a template path" },
      ],
      { layout: "facebook", now: NOW },
    );
    const t = await readTable({ bytes: await bytesOf(r) });
    const rows = (await collect(t.rows)).map((x) => [x.values[2], x.values[4]]);
    expect(rows).toEqual([
      ["Used - Good", path],
      ["New", path],
      // A category that is no template path stays as the seller wrote it, for Facebook to refuse.
      ["New", "Not a template path"],
    ]);
  });

  it("reproduces the template: rows 1-3, headers on row 4, hidden VALIDATION sheet, whole dollars", async () => {
    const r = await exportListings([listing(0), listing(1)], { layout: "facebook", now: NOW });
    expect(r.extension).toBe("xlsx");
    expect(r.zipped).toBe(false);
    const bytes = await bytesOf(r);
    const template = await readTable({ path: fixture("facebook-bulk-upload-template.xlsx") });
    const t = await readTable({ bytes });
    expect(t.sheetName).toBe("Bulk Upload Template");
    expect(t.headerRow).toBe(4);
    expect(t.headers).toEqual(template.headers);
    expect(t.preamble.map((p) => p.values)).toEqual(template.preamble.map((p) => p.values));
    const rows = await collect(t.rows);
    expect(rows.map((x) => [x.row, x.values[1]])).toEqual([
      [5, "20"],
      [6, "20"],
    ]);
    const v = await readTable({
      bytes,
      sheet: "VALIDATION",
      headerRow: 3,
      limits: { maxColumns: 5000 },
    });
    expect(v.headers).toEqual(["New", "Used - Like New", "Used - Good", "Used - Fair"]);
    expect((await collect(v.rows))[0]?.values).toEqual([...FACEBOOK_CATEGORIES]);
    const files = await unzip(bytes);
    expect(files.get("xl/workbook.xml")?.toString()).toMatch(
      /name="VALIDATION"[^>]*state="hidden"|state="hidden"[^>]*name="VALIDATION"/,
    );
    expect(files.get("xl/worksheets/sheet1.xml")?.toString()).toContain("VALIDATION!$A$3:$D$3");
    const back = await collect((await importListings({ bytes })).listings);
    expect(back.every((b) => b.ok)).toBe(true);
  });

  it("gives each validated column one list validation range, like the template", async () => {
    const validations = (sheetXml: string) =>
      [
        ...sheetXml.matchAll(
          /<dataValidation\b[^>]*\bsqref="([^"]+)"[^>]*>[\s\S]*?<formula1>([^<]*)</g,
        ),
      ]
        .map((m) => ({ sqref: m[1] ?? "", formula: m[2] ?? "" }))
        .sort((a, b) => a.sqref.localeCompare(b.sqref));
    const column = (sqref: string) => sqref.replace(/\d.*$/, "");
    const template = validations(
      (await unzip(await readFile(fixture("facebook-bulk-upload-template.xlsx"))))
        .get("xl/worksheets/sheet1.xml")
        ?.toString("utf8") ?? "",
    );
    const r = await exportListings([listing(0)], { layout: "facebook", now: NOW });
    const got = validations(
      (await unzip(await bytesOf(r))).get("xl/worksheets/sheet1.xml")?.toString("utf8") ?? "",
    );
    // Same columns and lists as the template, each column covered by one range (rows 5-54).
    expect(got.map((v) => [column(v.sqref), v.formula])).toEqual(
      template.map((v) => [column(v.sqref), v.formula]),
    );
    expect(got.map((v) => v.sqref)).toEqual(["C5:C54", "E5:E54"]);
  });

  it("splits N listings into ceil(N/50) files inside a zip", async () => {
    const r = await exportListings(
      Array.from({ length: 101 }, (_, i) => listing(i)),
      { layout: "facebook", now: NOW },
    );
    expect([r.extension, r.contentType, r.zipped]).toEqual(["zip", "application/zip", true]);
    const files = await unzip(await bytesOf(r));
    expect([...files.keys()]).toEqual([
      "marketplace-listings-20260304-050607-part-001.xlsx",
      "marketplace-listings-20260304-050607-part-002.xlsx",
      "marketplace-listings-20260304-050607-part-003.xlsx",
    ]);
    const counts: number[] = [];
    const titles: string[] = [];
    for (const xlsx of files.values()) {
      const rows = await collect((await readTable({ bytes: xlsx })).rows);
      counts.push(rows.length);
      titles.push(...rows.map((x) => x.values[0] ?? ""));
    }
    expect(counts).toEqual([50, 50, 1]);
    expect(titles).toEqual(Array.from({ length: 101 }, (_, i) => `Item ${i}`));
  });
});

describe("ebay and shopify layouts", () => {
  it("writes the Info line and the *Action header with its parameters", async () => {
    const r = await exportListings(
      [
        {
          title: "Cam",
          price: "9.99",
          condition: "Used",
          marketplaceFields: { ebayCategoryId: "31388", itemSpecifics: { Brand: "Canon" } },
        },
      ],
      {
        layout: "ebay",
        ebay: { actionParams: { SiteID: "US", Currency: "USD", Version: "1193" } },
      },
    );
    const lines = (await bytesOf(r)).toString("utf8").split("\r\n");
    expect(lines[0]).toBe("\uFEFFInfo,Version=1.0.0,Template=fx_category_template_EBAY_US");
    expect(
      lines[1]?.startsWith(
        "*Action(SiteID=US|Currency=USD|Version=1193),ItemID,CustomLabel,*Category,*Title",
      ),
    ).toBe(true);
    expect(lines[1]?.endsWith(",C:Brand")).toBe(true);
    expect(lines[2]).toBe("Add,,,31388,Cam,,,3000,,FixedPrice,GTC,9.99,,1,,,,Canon");
  });

  it("exports the seller's edited condition and category, not the ones imported from eBay", async () => {
    const csv = [
      "*Action(SiteID=US|Country=US|Currency=USD|Version=1193),*Category,*Title,*ConditionID,*StartPrice",
      "Add,31388,Camera,3000,10",
      "Add,31388,Lens,1500,20",
      "Add,31388,Flash,2750,30",
    ].join("\r\n");
    const imported = (await collect((await importListings({ bytes: Buffer.from(csv) })).listings))
      .map((i) => i.listing)
      .filter((l): l is NonNullable<typeof l> => l !== null);
    expect(imported.map((l) => l.condition)).toEqual(["Used", "New other", "Like New"]);
    const [camera, lens, flash] = imported as [ExportListing, ExportListing, ExportListing];
    const edited: ExportListing[] = [
      // Edited: the seller's condition and category must reach eBay.
      { ...camera, condition: "New", category: "625" },
      // Untouched: the imported code is kept (the text "New other" alone would not say 1500).
      lens,
      // Reworded to the same condition: the imported code still applies.
      { ...flash, condition: "Used - Like New" },
    ];
    const r = await exportListings(edited, { layout: "ebay" });
    const back = await collect((await importListings({ bytes: await bytesOf(r) })).listings);
    expect(back.map((b) => b.listing?.marketplaceFields?.conditionId)).toEqual([
      "1000",
      "1500",
      "2750",
    ]);
    expect(back.map((b) => b.listing?.marketplaceFields?.ebayCategoryId)).toEqual([
      "625",
      "31388",
      "31388",
    ]);
    expect(back.map((b) => b.listing?.condition)).toEqual(["New", "New other", "Like New"]);
  });

  it("writes a UK file back for the UK site in pounds, with the columns it had beside eBay's", async () => {
    const csv = [
      "*Action(SiteID=UK|Country=GB|Currency=GBP|Version=1193|CC=UTF-8),*Category,*Title,*ConditionID,*StartPrice,ShippingProfileName,ReturnProfileName,DispatchTimeMax",
      "Add,31388,Camera,3000,12.50,Royal Mail 48,30 days,2",
      "Add,31388,Lens,3000,20,Courier,,1",
    ].join("\r\n");
    const imported = (await collect((await importListings({ bytes: Buffer.from(csv) })).listings))
      .map((i) => i.listing)
      .filter((l): l is NonNullable<typeof l> => l !== null);
    expect(imported.map((l) => l.currency)).toEqual(["GBP", "GBP"]);
    const file = await bytesOf(await exportListings(imported, { layout: "ebay" }));
    const lines = file.toString("utf8").split("\r\n");
    expect(lines[1]).toMatch(
      /^\*Action\(SiteID=UK\|Country=GB\|Currency=GBP\|Version=1193\|CC=UTF-8\),/,
    );
    const back = (await collect((await importListings({ bytes: file })).listings)).map(
      (b) => b.listing,
    );
    expect(back.map((l) => [l?.currency, l?.price])).toEqual([
      ["GBP", "12.50"],
      ["GBP", "20"],
    ]);
    expect(back.map((l) => l?.marketplaceFields?.ebayExtra)).toEqual(
      imported.map((l) => l.marketplaceFields?.ebayExtra),
    );
    expect(back[0]?.marketplaceFields?.ebayExtra).toEqual({
      ShippingProfileName: "Royal Mail 48",
      ReturnProfileName: "30 days",
      DispatchTimeMax: "2",
    });
  });

  it("heads a file of listings priced in another currency with that currency's site", async () => {
    const r = await exportListings(
      [
        { title: "Kayak", price: "400", currency: "CAD" },
        { title: "Paddle", price: "40", currency: "CAD" },
      ],
      { layout: "ebay" },
    );
    const lines = (await bytesOf(r)).toString("utf8").split("\r\n");
    expect(lines[1]).toMatch(/^\*Action\(SiteID=Canada\|Country=CA\|Currency=CAD\|/);
  });

  it("writes the shopify template back as the same products", async () => {
    const first = await collect(
      (await importListings({ path: fixture("shopify-product-template.csv") })).listings,
    );
    const r = await exportListings(
      first.map((x) => x.listing ?? { title: "", price: "" }),
      { layout: "shopify" },
    );
    const again = await collect((await importListings({ bytes: await bytesOf(r) })).listings);
    expect(again.map((x) => x.rows.length)).toEqual([1, 3]);
    expect(again.map((x) => x.listing)).toEqual(first.map((x) => x.listing));
  });

  it("splits a shopify export past the size limit into csv parts cut at product boundaries", async () => {
    const listings: ExportListing[] = Array.from({ length: 40 }, (_, i) => ({
      title: `Product ${i}`,
      price: `${i}.99`,
      description: "x".repeat(200),
      imageUrls: [`https://cdn.test/${i}-a.png`, `https://cdn.test/${i}-b.png`],
    }));
    const small = await exportListings(listings.slice(0, 3), {
      layout: "shopify",
      shopify: { maxFileBytes: 4000 },
    });
    expect([small.extension, small.zipped]).toEqual(["csv", false]);
    const r = await exportListings(listings, {
      layout: "shopify",
      shopify: { maxFileBytes: 4000 },
      now: NOW,
    });
    expect([r.extension, r.contentType, r.zipped]).toEqual(["zip", "application/zip", true]);
    const files = await unzip(await bytesOf(r));
    expect(files.size).toBeGreaterThan(3);
    const titles: string[] = [];
    let n = 0;
    for (const [name, csv] of files) {
      expect(name).toBe(
        `marketplace-listings-20260304-050607-part-${String(++n).padStart(3, "0")}.csv`,
      );
      expect(csv.length).toBeLessThanOrEqual(4000);
      const part = await collect((await importListings({ bytes: csv })).listings);
      expect(part.every((p) => p.ok && p.rows.length === 2)).toBe(true);
      titles.push(...part.map((p) => p.listing?.title ?? ""));
    }
    expect(titles).toEqual(listings.map((l) => l.title));
  });

  it("writes a readable text sheet", async () => {
    const r = await exportListings(
      [
        {
          title: "Lamp",
          price: "12.50",
          currency: "USD",
          description: "Bright\nwarm",
          imageUrls: ["https://a", "https://b"],
        },
      ],
      { format: "text", now: NOW },
    );
    const text = (await bytesOf(r)).toString("utf8");
    expect(text).toContain("Exported 2026-03-04 05:06:07 UTC");
    expect(text).toContain("#1  Lamp\n  Price:      12.50 USD\n");
    expect(text).toContain("  Images:     https://a\n              https://b\n");
    expect(text).toContain("  Description:\n    Bright\n    warm\n");
    expect(text.trimEnd().endsWith("1 listing")).toBe(true);
  });
});
