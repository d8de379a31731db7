import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { exportListings, readTable } from "../src/index";
import {
  buildZip,
  bytesOf,
  collect,
  entry,
  fixture,
  rejection,
  xlsxParts,
  zeroBomb,
} from "./helpers";

describe("xlsx reader", () => {
  it("finds the template's header row 4 below title, instructions and hints", async () => {
    const t = await readTable({ path: fixture("facebook-bulk-upload-template.xlsx") });
    expect(t.kind).toBe("xlsx");
    expect(t.sheetName).toBe("Bulk Upload Template");
    expect(t.headerRow).toBe(4);
    expect(t.headers).toEqual([
      "TITLE",
      "PRICE",
      "CONDITION",
      "DESCRIPTION",
      "CATEGORY",
      "OFFER SHIPPING",
    ]);
    expect(t.preamble.map((r) => r.row)).toEqual([1, 2, 3]);
    const rows = await collect(t.rows);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.row).toBe(5);
    expect(rows[0]?.values.slice(0, 3)).toEqual(["Blue Facebook T-Shirt (Unisex)", "20", "New"]);
  });

  it("reads a named hidden sheet", async () => {
    const t = await readTable({
      path: fixture("facebook-bulk-upload-template.xlsx"),
      sheet: "VALIDATION",
      headerRow: 3,
      limits: { maxColumns: 5000 },
    });
    expect(t.headers).toEqual(["New", "Used - Like New", "Used - Good", "Used - Fair"]);
    const [cats] = await collect(t.rows);
    expect(cats?.values).toHaveLength(1870);
  });

  it("sniffs xlsx by content whatever the name, from bytes and from a stream", async () => {
    const r = await exportListings([{ title: "A", price: "1" }], { format: "xlsx" });
    const bytes = await bytesOf(r);
    const t1 = await readTable({ bytes, fileName: "looks-like.csv" });
    expect(t1.kind).toBe("xlsx");
    async function* once() {
      yield bytes;
    }
    const spools = async () =>
      (await readdir(tmpdir())).filter((n) => n.startsWith("mbe-formats-spool-"));
    const before = await spools();
    const t2 = await readTable({ stream: once() });
    expect((await collect(t2.rows)).map((x) => x.values.slice(1, 3))).toEqual([["A", "1"]]);
    // The upload was spooled to a private temporary file, removed once the rows were read.
    expect(await spools()).toEqual(before);
  });

  it("refuses a truncated xlsx with ZIP_TRUNCATED, quickly", async () => {
    const r = await exportListings([{ title: "A", price: "1" }], { format: "xlsx" });
    const bytes = await bytesOf(r);
    for (const cut of [bytes.length - 10, Math.floor(bytes.length / 2), 100]) {
      const started = performance.now();
      const err = await rejection(readTable({ bytes: bytes.subarray(0, cut) }));
      expect(err.code).toMatch(/^ZIP_(TRUNCATED|INVALID)$/);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it("refuses an xlsx that would inflate to 1 GiB before inflating it", async () => {
    const bomb = await zeroBomb(1024);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const parts = xlsxParts("<worksheet/>").filter(([n]) => n !== "xl/worksheets/sheet1.xml");
    const zip = buildZip([
      ...parts.map(([n, x]) => entry(n, x)),
      { name: "xl/worksheets/sheet1.xml", data: bomb, method: 8, declaredSize: 1024 * 1024 * 1024 },
    ]);
    const started = performance.now();
    const err = await rejection(readTable({ bytes: zip, fileName: "bomb.xlsx" }));
    expect(err.code).toBe("ZIP_TOO_LARGE");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("catches a bomb that lies about its size in the headers", async () => {
    const bomb = await zeroBomb(64);
    const parts = xlsxParts("<worksheet/>").filter(([n]) => n !== "xl/worksheets/sheet1.xml");
    const zip = buildZip([
      ...parts.map(([n, x]) => entry(n, x)),
      { name: "xl/worksheets/sheet1.xml", data: bomb, method: 8, declaredSize: 2000 },
    ]);
    expect((await rejection(readTable({ bytes: zip }))).code).toBe("ZIP_TOO_LARGE");
  });

  it("refuses compression ratios only bombs reach, too many entries, corrupt data and non-xlsx zips", async () => {
    const bomb = await zeroBomb(8);
    const ratio = buildZip([
      { name: "xl/worksheets/sheet1.xml", data: bomb, method: 8, declaredSize: 8 * 1024 * 1024 },
    ]);
    expect((await rejection(readTable({ bytes: ratio }))).code).toBe("ZIP_RATIO_TOO_HIGH");
    const many = buildZip(Array.from({ length: 30 }, (_, i) => entry(`f${i}.txt`, "x")));
    expect((await rejection(readTable({ bytes: many, limits: { maxZipEntries: 20 } }))).code).toBe(
      "ZIP_TOO_MANY_ENTRIES",
    );
    const notXlsx = buildZip([entry("readme.txt", "hello")]);
    expect((await rejection(readTable({ bytes: notXlsx }))).code).toBe("XLSX_INVALID");
    const corrupt = buildZip([
      ...xlsxParts("<worksheet/>")
        .slice(0, 4)
        .map(([n, x]) => entry(n, x)),
      {
        name: "xl/worksheets/sheet1.xml",
        data: Buffer.from("not deflate data at all"),
        method: 8,
        declaredSize: 50,
      },
    ]);
    expect((await rejection(readTable({ bytes: corrupt }))).code).toBe("ZIP_INVALID");
  });

  it("reads a hand-made sheet with inline strings, numbers and booleans", async () => {
    const sheet =
      '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
      '<row r="1"><c r="A1" t="inlineStr"><is><t>Title</t></is></c><c r="B1" t="inlineStr"><is><t>Price</t></is></c><c r="C1" t="inlineStr"><is><t>Active</t></is></c></row>' +
      '<row r="3"><c r="A3" t="inlineStr"><is><t>Tom &amp; Jerry</t></is></c><c r="B3"><v>12.5</v></c><c r="C3" t="b"><v>1</v></c></row>' +
      "</sheetData></worksheet>";
    const zip = buildZip(xlsxParts(sheet).map(([n, x]) => entry(n, x)));
    const t = await readTable({ bytes: zip });
    expect(t.headers).toEqual(["Title", "Price", "Active"]);
    const rows = await collect(t.rows);
    expect(rows).toEqual([{ row: 3, values: ["Tom & Jerry", "12.5", "TRUE"] }]);
  });

  it('reads ISO 8601 date cells (t="d") as dates, not as the year alone', async () => {
    const c = (r: string, v: string, f = "") => `<c r="${r}" t="d">${f}<v>${v}</v></c>`;
    const sheet =
      '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
      '<row r="1"><c r="A1" t="inlineStr"><is><t>Listed</t></is></c><c r="B1" t="inlineStr"><is><t>Sold</t></is></c><c r="C1" t="inlineStr"><is><t>Due</t></is></c></row>' +
      `<row r="2">${c("A2", "2024-03-04T05:06:07")}${c("B2", "2024-03-04T00:00:00Z")}${c("C2", "2024-12-31T23:59:00.000", "<f>TODAY()</f>")}</row>` +
      `<row r="3">${c("A3", "2024-03-04")}${c("B3", "not a date")}</row>` +
      "</sheetData></worksheet>";
    const zip = buildZip(xlsxParts(sheet).map(([n, x]) => entry(n, x)));
    const rows = await collect((await readTable({ bytes: zip })).rows);
    expect(rows).toEqual([
      { row: 2, values: ["2024-03-04T05:06:07", "2024-03-04", "2024-12-31T23:59:00"] },
      { row: 3, values: ["2024-03-04", "not a date"] },
    ]);
  });

  it("turns broken sheet XML into a coded error, not a crash or a hang", async () => {
    const zip = buildZip(xlsxParts("<<<>>>&&&").map(([n, x]) => entry(n, x)));
    expect((await rejection(readTable({ bytes: zip }))).code).toBe("XLSX_INVALID");
    const wide = buildZip(
      xlsxParts(
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>',
      ).map(([n, x]) => entry(n, x)),
    );
    expect((await rejection(readTable({ bytes: wide }))).code).toBe("TOO_MANY_COLUMNS");
  });
  it("refuses a shared string or a row past the cell and column limits while reading", async () => {
    const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    const sheet = `<worksheet ${ns}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row></sheetData></worksheet>`;
    const withStrings = (strings: string[]) =>
      buildZip(
        [
          ...xlsxParts(sheet),
          [
            "xl/sharedStrings.xml",
            `<sst ${ns}>${strings.map((t) => `<si><t>${t}</t></si>`).join("")}</sst>`,
          ] as [string, string],
        ].map(([n, x]) => entry(n, x)),
      );
    // The same workbook with strings of a fair length reads.
    const fair = await readTable({ bytes: withStrings(["Title", "Lamp"]) });
    expect(fair.headers).toEqual(["Title"]);
    expect(await collect(fair.rows)).toEqual([{ row: 2, values: ["Lamp"] }]);
    const long = withStrings(["Title", randomBytes(20 * 1024).toString("hex")]);
    expect((await rejection(readTable({ bytes: long }))).code).toBe("CELL_TOO_LONG");
    // One row naming the same cell over and over: more cells than a row may have columns.
    const cells = Array.from(
      { length: 600 },
      (_, i) => `<c r="A1" t="inlineStr"><is><t>${i}</t></is></c>`,
    ).join("");
    const repeated = buildZip(
      xlsxParts(
        `<worksheet ${ns}><sheetData><row r="1">${cells}</row></sheetData></worksheet>`,
      ).map(([n, x]) => entry(n, x)),
    );
    expect((await rejection(readTable({ bytes: repeated }))).code).toBe("TOO_MANY_COLUMNS");
  });
});
