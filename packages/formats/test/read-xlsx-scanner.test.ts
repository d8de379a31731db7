import { buffer } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { exportListings, importListings, readTable, writeXlsx } from "../src/index";
import { buildZip, bytesOf, collect, entry, rejection, unzip, xlsxParts } from "./helpers";

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';

/** A workbook from a sheet body plus optional shared strings, styles and workbook properties. */
function workbook(
  sheetData: string,
  extra: { shared?: string; styles?: string; workbookPr?: string; sheetName?: string } = {},
): Buffer {
  const parts = xlsxParts(
    `<?xml version="1.0" encoding="UTF-8"?><worksheet ${NS}><sheetData>${sheetData}</sheetData></worksheet>`,
  ).map(([name, xml]): [string, string] => {
    if (name === "xl/workbook.xml" && (extra.workbookPr || extra.sheetName))
      return [
        name,
        xml
          .replace("<sheets>", `${extra.workbookPr ?? ""}<sheets>`)
          .replace('name="Data"', `name="${extra.sheetName ?? "Data"}"`),
      ];
    return [name, xml];
  });
  if (extra.shared) parts.push(["xl/sharedStrings.xml", `<sst ${NS}>${extra.shared}</sst>`]);
  if (extra.styles) parts.push(["xl/styles.xml", `<styleSheet ${NS}>${extra.styles}</styleSheet>`]);
  return buildZip(parts.map(([n, x]) => entry(n, x)));
}

async function rows(bytes: Buffer) {
  const t = await readTable({ bytes, headerRow: 1 });
  return { headers: t.headers, rows: await collect(t.rows) };
}

const HEADER =
  '<row r="1"><c r="A1" t="inlineStr"><is><t>Title</t></is></c><c r="B1" t="inlineStr"><is><t>Price</t></is></c><c r="C1" t="inlineStr"><is><t>Note</t></is></c></row>';

describe("xlsx sheet scanner", () => {
  it("reads shared strings, rich text runs (without phonetic hints) and entities", async () => {
    const shared =
      "<si><t>Title</t></si><si><t>Price</t></si><si><t>Note</t></si>" +
      "<si><t>Tom &amp; Jerry &lt;3 &#8364;&#x1F600;</t></si>" +
      '<si><r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space="preserve"> and plain</t></r></si>' +
      '<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh></si>';
    const sheet =
      '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>' +
      '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2"><v>12.50</v></c><c r="C2" t="s"><v>4</v></c></row>' +
      '<row r="3"><c r="A3" t="s"><v>5</v></c><c r="B3"><v>7</v></c></row>';
    const r = await rows(workbook(sheet, { shared }));
    expect(r.headers).toEqual(["Title", "Price", "Note"]);
    expect(r.rows).toEqual([
      { row: 2, values: ["Tom & Jerry <3 €😀", "12.5", "Bold and plain"] },
      { row: 3, values: ["漢字", "7"] },
    ]);
  });

  it("fills gaps in cell references, follows row numbers and skips empty rows", async () => {
    const sheet =
      HEADER +
      '<row r="4"><c r="C4" t="inlineStr"><is><t>only C</t></is></c></row>' +
      '<row r="5"><c r="A5" s="0"/><c r="B5" t="inlineStr"><is><t></t></is></c></row>' +
      // No references at all: cells follow one another, rows follow the previous one.
      '<row><c t="inlineStr"><is><t>a</t></is></c><c><v>1</v></c><c t="b"><v>0</v></c></row>';
    const t = await readTable({ bytes: workbook(sheet), headerRow: 1 });
    expect(await collect(t.rows)).toEqual([
      { row: 4, values: ["", "", "only C"] },
      { row: 6, values: ["a", "1", "FALSE"] },
    ]);
    expect(t.notices.map((n) => n.code)).toContain("BLANK_ROWS_SKIPPED");
  });

  it("reads dates of the 1900 and 1904 systems through built-in and custom formats", async () => {
    const styles =
      '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/><numFmt numFmtId="165" formatCode="&quot;d&quot;0.00"/></numFmts>' +
      '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs>';
    const sheet =
      HEADER +
      '<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B2" s="1"><v>45292</v></c><c r="C2" s="2"><v>45292.5</v></c></row>' +
      '<row r="3"><c r="A3" t="inlineStr"><is><t>y</t></is></c><c r="B3" s="3"><v>45292</v></c></row>';
    expect((await rows(workbook(sheet, { styles }))).rows).toEqual([
      { row: 2, values: ["x", "2024-01-01", "2024-01-01T12:00:00"] },
      { row: 3, values: ["y", "45292"] },
    ]);
    const r1904 = await rows(workbook(sheet, { styles, workbookPr: '<workbookPr date1904="1"/>' }));
    expect(r1904.rows[0]?.values).toEqual(["x", "2028-01-02", "2028-01-02T12:00:00"]);
  });

  it("reads formula results, errors and booleans as Excel shows them", async () => {
    const sheet =
      HEADER +
      '<row r="2"><c r="A2" t="str"><f>CONCAT("a","b")</f><v>ab</v></c><c r="B2"><f>1+1</f><v>2</v></c><c r="C2" t="e"><v>#N/A</v></c></row>' +
      '<row r="3"><c r="A3" t="b"><v>1</v></c><c r="B3"><f>A1</f></c></row>';
    expect((await rows(workbook(sheet))).rows).toEqual([
      { row: 2, values: ["ab", "2", "#N/A"] },
      { row: 3, values: ["TRUE", ""] },
    ]);
  });

  it("keeps CRLF, lone CR and tabs inside cells", async () => {
    const sheet =
      HEADER +
      '<row r="2"><c r="A2" t="inlineStr"><is><t>line 1\r\nline 2\rend</t></is></c><c r="B2" t="inlineStr"><is><t>a&#13;&#10;b\tc</t></is></c></row>';
    expect((await rows(workbook(sheet))).rows[0]?.values).toEqual([
      "line 1\r\nline 2\rend",
      "a\r\nb\tc",
    ]);
  });

  it("gives back CRLF written by the xlsx export", async () => {
    const r = await exportListings(
      [{ title: "Lamp", price: "1", description: "first line\r\nsecond line" }],
      { format: "xlsx" },
    );
    const t = await readTable({ bytes: await bytesOf(r) });
    const [row] = await collect(t.rows);
    expect(row?.values).toContain("first line\r\nsecond line");
  });

  it("reads namespace-prefixed parts, comments, CDATA and a chosen sheet by name", async () => {
    const sheet =
      '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Title</x:t></x:is></x:c><x:c r="B1" t="inlineStr"><x:is><x:t>Price</x:t></x:is></x:c></x:row>' +
      '<!-- a comment --><x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t><![CDATA[<b>5 & 6</b>]]></x:t></x:is></x:c><x:c r="B2"><x:v>3</x:v></x:c></x:row>';
    const parts = xlsxParts(
      `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>${sheet}</x:sheetData></x:worksheet>`,
    ).map(([n, x]): [string, string] => [
      n,
      n === "xl/workbook.xml" ? x.replace('name="Data"', 'name="Stock &amp; prices"') : x,
    ]);
    const bytes = buildZip(parts.map(([n, x]) => entry(n, x)));
    const t = await readTable({ bytes, sheet: "Stock & prices" });
    expect(t.sheetName).toBe("Stock & prices");
    expect(await collect(t.rows)).toEqual([{ row: 2, values: ["<b>5 & 6</b>", "3"] }]);
  });

  it("refuses undefined entities, forbidden characters, DTDs and mismatched tags with XLSX_INVALID", async () => {
    for (const body of [
      `${HEADER}<row r="2"><c r="A2" t="inlineStr"><is><t>&nbsp;</t></is></c></row>`,
      `${HEADER}<row r="2"><c r="A2" t="inlineStr"><is><t>&#0;</t></is></c></row>`,
      `${HEADER}<row r="2"><c r="A2"><v>1</c></v></row>`,
    ]) {
      expect((await rejection(readTable({ bytes: workbook(body) }))).code).toBe("XLSX_INVALID");
    }
    const dtd = xlsxParts(
      `<!DOCTYPE worksheet [<!ENTITY a "aaaa">]><worksheet ${NS}><sheetData>${HEADER}</sheetData></worksheet>`,
    );
    const bytes = buildZip(dtd.map(([n, x]) => entry(n, x)));
    expect((await rejection(readTable({ bytes }))).code).toBe("XLSX_INVALID");
  });

  it("refuses a cell longer than the limit while it streams", async () => {
    const long = "x".repeat(5000);
    const sheet = `${HEADER}<row r="2"><c r="A2" t="inlineStr"><is><t>${long}</t></is></c></row>`;
    const err = await rejection(
      (async () => {
        const t = await readTable({ bytes: workbook(sheet), limits: { maxCellChars: 4096 } });
        await collect(t.rows);
      })(),
    );
    expect(err.code).toBe("CELL_TOO_LONG");
  });

  it("reads a 20k-row export in one pass with the same cells as written", async () => {
    const n = 20_000;
    const out = writeXlsx([
      {
        name: "Big",
        leadRows: [{ values: ["Title", "Price", "SKU"] }],
        rows: (async function* () {
          for (let i = 0; i < n; i++) yield [`Item ${i} & "co" <x>`, i / 4, `=SKU-${i}`];
        })(),
      },
    ]);
    const t = await readTable({ bytes: await buffer(out) });
    let count = 0;
    for await (const r of t.rows) {
      const i = r.row - 2;
      expect(r.values).toEqual([`Item ${i} & "co" <x>`, String(i / 4), `=SKU-${i}`]);
      count++;
    }
    expect(count).toBe(n);
  });
});

describe("xlsx string escapes (_xHHHH_)", () => {
  it("decodes them in shared strings, inline strings and str values, per <t>", async () => {
    const shared =
      "<si><t>Title</t></si><si><t>Price</t></si><si><t>Note</t></si>" +
      "<si><t>Line1_x000D_\nLine2</t></si>" +
      "<si><t>a_x0001_b_x001f_c</t></si>" +
      "<si><t>_x005F_x0041_ is typed text</t></si>" +
      // An escape runs within one <t>: the one cut across runs is text.
      "<si><r><t>run _x000d_</t></r><r><t>_x00</t></r><r><t>41_</t></r></si>" +
      '<si><t>&apos;_x0001_=HYPERLINK("x")</t><rPh sb="0" eb="1"><t>_x0041_</t></rPh></si>';
    const sheet =
      HEADER +
      '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c><c r="C2" t="s"><v>5</v></c></row>' +
      '<row r="3"><c r="A3" t="s"><v>6</v></c><c r="B3" t="s"><v>7</v></c></row>' +
      '<row r="4"><c r="A4" t="inlineStr"><is><t>cr_x000D_lf_x000a_tab_x0009_</t></is></c>' +
      '<c r="B4" t="inlineStr"><is><r><t>_x005f_x005F_</t></r><r><t xml:space="preserve"> _xD83D__xDE00_</t></r></is></c>' +
      '<c r="C4" t="str"><v>v_x000D_</v></c></row>' +
      '<row r="5"><c r="A5" t="str"><f>A4</f><v>f_x0007_</v></c><c r="B5"><v>12</v></c>' +
      '<c r="C5" t="inlineStr"><is><t>not escapes: _X0041_ _x00G1_ _x0041 x0041_ _x_x0041_</t></is></c></row>' +
      '<row r="6"><c r="A6" t="inlineStr"><is><t>nul_x0000_gone</t></is></c>' +
      '<c r="B6" t="inlineStr"><is><t>\'_x0001_=cmd</t></is></c></row>';
    expect((await rows(workbook(sheet, { shared }))).rows).toEqual([
      { row: 2, values: ["Line1\r\nLine2", "a\u0001b\u001fc", "_x0041_ is typed text"] },
      { row: 3, values: ["run \r_x0041_", '\u0001=HYPERLINK("x")'] },
      { row: 4, values: ["cr\rlf\ntab\t", "_x005F_ 😀", "v\r"] },
      { row: 5, values: ["f\u0007", "12", "not escapes: _X0041_ _x00G1_ _x0041 x0041_ _xA"] },
      { row: 6, values: ["nulgone", "\u0001=cmd"] },
    ]);
  });

  it("decodes an escape cut between two inflated pieces of the sheet", async () => {
    // The sheet is inflated and scanned 64 KiB at a time: put the escape across that boundary.
    for (let cut = 1; cut < 7; cut++) {
      const head = `<?xml version="1.0" encoding="UTF-8"?><worksheet ${NS}><sheetData>${HEADER}<row r="2"><c r="A2" t="inlineStr"><is><t>`;
      const pad = "p".repeat(64 * 1024 - head.length - cut);
      const sheet = `${HEADER}<row r="2"><c r="A2" t="inlineStr"><is><t>${pad}_x000D_end</t></is></c></row>`;
      const t = await readTable({
        bytes: workbook(sheet),
        headerRow: 1,
        limits: { maxCellChars: 128 * 1024 },
      });
      expect((await collect(t.rows))[0]?.values[0]).toBe(`${pad}\rend`);
    }
  });

  it("measures a cell's length once its escapes are decoded", async () => {
    const crs = "_x000D_".repeat(1000);
    const ok = `${HEADER}<row r="2"><c r="A2" t="inlineStr"><is><t>${crs}</t></is></c></row>`;
    const limits = { maxCellChars: 4096 };
    const t = await readTable({ bytes: workbook(ok), headerRow: 1, limits });
    expect((await collect(t.rows))[0]?.values[0]).toBe("\r".repeat(1000));
    const long = `${HEADER}<row r="2"><c r="A2" t="inlineStr"><is><t>${"_x000D_".repeat(5000)}</t></is></c></row>`;
    const err = await rejection(
      (async () => collect((await readTable({ bytes: workbook(long), limits })).rows))(),
    );
    expect(err.code).toBe("CELL_TOO_LONG");
  });

  it("gives back control characters, CR, CRLF and escape-like text written by every xlsx export", async () => {
    const tricky = [
      "first\r\nsecond\rthird\nfourth",
      "ctl \u0001\u0002\u0008\u000b\u000c\u000e\u001f\u007f end",
      "typed _x0041_, _x005F_, _x005f_x0041_ and _X000D_",
      '\u0001=HYPERLINK("http://evil")',
      "=SUM(A1)_x000D_",
      "\ufffe\uffff and lone \ud800 \udfff",
    ];
    const listings = tricky.map((t, i) => ({
      title: `Item ${i} ${t}`,
      price: "1",
      condition: "New",
      description: t,
    }));
    const generic = await bytesOf(await exportListings(listings, { format: "xlsx" }));
    const sheet = (await unzip(generic)).get("xl/worksheets/sheet1.xml")?.toString("utf8") ?? "";
    expect(sheet).toContain("first_x000D_\nsecond_x000D_third\nfourth");
    expect(sheet).toContain(
      "typed _x005F_x0041_, _x005F_x005F_, _x005F_x005f_x005F_x0041_ and _x005F_X000D_",
    );
    expect(sheet).toContain("ctl _x0001__x0002__x0008__x000B__x000C__x000E__x001F__x007F_ end");
    expect(sheet).not.toMatch(/\r/);
    const facebook = await bytesOf(await exportListings(listings, { layout: "facebook" }));
    for (const bytes of [generic, facebook]) {
      const back = await collect((await importListings({ bytes })).listings);
      expect(back.map((b) => [b.listing?.title, b.listing?.description])).toEqual(
        listings.map((l) => [l.title, l.description]),
      );
    }
  });
});
