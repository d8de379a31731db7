import { describe, expect, it } from "vitest";
import { type RawRow, readTable } from "../src/index";
import { collect, rejection } from "./helpers";

async function rowsOf(bytes: Uint8Array, limits = {}) {
  const t = await readTable({ bytes, limits });
  const rows = await collect(t.rows);
  return { t, rows, values: rows.map((r: RawRow) => r.values) };
}

describe("csv reader", () => {
  it("strips a UTF-8 BOM and keeps identifiers as text", async () => {
    const { t, values } = await rowsOf(
      Buffer.from("\uFEFFSKU,Title,Price\r\n007,Lamp,12.50\r\n12345678901234567890,Desk,3\r\n"),
    );
    expect(t.kind).toBe("csv");
    expect(t.headers).toEqual(["SKU", "Title", "Price"]);
    expect(values).toEqual([
      ["007", "Lamp", "12.50"],
      ["12345678901234567890", "Desk", "3"],
    ]);
  });

  it("decodes UTF-16LE and UTF-16BE with a BOM, as Excel writes them", async () => {
    const text = "Title\tPrice\nCafé ☕\t5\n";
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const be = Buffer.from(le);
    be.swap16();
    for (const bytes of [le, be]) {
      const { t, values } = await rowsOf(bytes);
      expect(t.delimiter).toBe("\t");
      expect(t.notices.map((n) => n.code)).toContain("UTF16");
      expect(values).toEqual([["Café ☕", "5"]]);
    }
  });

  it("detects ; and tab delimiters and accepts LF, CRLF and quoted newlines", async () => {
    const semi = await rowsOf(
      Buffer.from('Title;Price;Description\n"A; B";1,5;"line 1\r\nline ""2"""\nC;2;\n'),
    );
    expect(semi.t.delimiter).toBe(";");
    expect(semi.values).toEqual([
      ["A; B", "1,5", 'line 1\r\nline "2"'],
      ["C", "2", ""],
    ]);
    const tab = await rowsOf(Buffer.from("Title\tPrice\r\nX\t1\r\n"));
    expect(tab.t.delimiter).toBe("\t");
    expect(tab.values).toEqual([["X", "1"]]);
  });

  it("numbers rows as the user sees them, counting blank and multi-line records", async () => {
    const { t, rows } = await rowsOf(Buffer.from('Title,Price\n"a\nb",1\n\n,\nc,2\n'));
    expect(rows.map((r) => r.row)).toEqual([2, 5]);
    expect(t.notices).toContainEqual({
      code: "BLANK_ROWS_SKIPPED",
      message: "2 empty row(s) were skipped (first: row 3)",
    });
  });

  it("finds the header row below title lines", async () => {
    const { t, rows } = await rowsOf(
      Buffer.from("My shop export\nGenerated today\nTitle,Price,Quantity\nA,1,2\n"),
    );
    expect(t.headerRow).toBe(3);
    expect(t.preamble.map((r) => r.values[0])).toEqual(["My shop export", "Generated today"]);
    expect(rows[0]).toEqual({ row: 4, values: ["A", "1", "2"] });
  });

  it("reads latin-1 (windows-1252) text with a notice instead of failing", async () => {
    const bytes = Buffer.from([
      ...Buffer.from("Title,Price\n"),
      ...[0x43, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x93, 0x71, 0x94], // Café €“q”
      ...Buffer.from(",5\n"),
    ]);
    const { t, values } = await rowsOf(bytes);
    expect(t.notices.map((n) => n.code)).toContain("ENCODING_WINDOWS_1252");
    expect(values).toEqual([["Café €“q”", "5"]]);
  });

  it("rejects invalid UTF-8 found after the sniffed start, past real UTF-8, with INVALID_ENCODING", async () => {
    // Real UTF-8 (the é) before the bad bytes: the file is not Windows-1252 read from the start.
    const good = `Title,Price\nCafé,1\n${"x,1\n".repeat(30_000)}`;
    const bytes = Buffer.concat([
      Buffer.from(good),
      Buffer.from([0xff, 0xfe, 0x41]),
      Buffer.from(",1\n"),
    ]);
    const t = await readTable({ bytes });
    const err = await rejection(collect(t.rows));
    expect(err.code).toBe("INVALID_ENCODING");
  });

  it("rejects binary junk named .csv by content", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    expect((await rejection(readTable({ bytes: png, fileName: "listings.csv" }))).code).toBe(
      "BINARY_CONTENT",
    );
    const nul = Buffer.from("Title,Price\nA\u0000B,1\n");
    expect((await rejection(readTable({ bytes: nul, fileName: "x.csv" }))).code).toBe(
      "BINARY_CONTENT",
    );
    const ctrl = Buffer.from(Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? 0x01 : 0x41)));
    expect((await rejection(readTable({ bytes: ctrl }))).code).toBe("BINARY_CONTENT");
    const zipNotXlsx = Buffer.from("PK\u0003\u0004 this is not really a zip at all");
    expect((await rejection(readTable({ bytes: zipNotXlsx, fileName: "x.csv" }))).code).toBe(
      "ZIP_TRUNCATED",
    );
    expect((await rejection(readTable({ bytes: new Uint8Array(0) }))).code).toBe("EMPTY_FILE");
  });

  it("fails fast on a million columns without building the row", async () => {
    const line = "a,".repeat(1_000_000);
    const started = performance.now();
    const err = await rejection(readTable({ bytes: Buffer.from(`${line}\n1\n`) }));
    expect(err.code).toBe("TOO_MANY_COLUMNS");
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("enforces cell length, row count and file size limits with codes", async () => {
    const long = `Title,Price\n"${"x".repeat(200)}",1\n`;
    expect(
      (await rejection(readTable({ bytes: Buffer.from(long), limits: { maxCellChars: 100 } })))
        .code,
    ).toBe("CELL_TOO_LONG");
    const readAll = async (limits: { maxRows: number }) =>
      collect(
        (await readTable({ bytes: Buffer.from(`Title,Price\n${"a,1\n".repeat(50)}`), limits }))
          .rows,
      );
    expect((await rejection(readAll({ maxRows: 10 }))).code).toBe("TOO_MANY_ROWS");
    expect((await rejection(readAll({ maxRows: 40 }))).code).toBe("TOO_MANY_ROWS");
    expect(await readAll({ maxRows: 50 })).toHaveLength(50);
    expect(
      (
        await rejection(
          readTable({ bytes: Buffer.alloc(2000, 65), limits: { maxFileBytes: 1000 } }),
        )
      ).code,
    ).toBe("FILE_TOO_LARGE");
    expect(
      (await rejection(readTable({ bytes: Buffer.from("a"), limits: { maxRows: -1 } }))).code,
    ).toBe("INVALID_OPTION");
  });

  it("reads from a stream in small chunks the same as from bytes", async () => {
    const text = '\uFEFFTitle,Price,Note\r\n"multi\r\nline",1,"a ""q"""\r\nB,2,x\r\n';
    const bytes = Buffer.from(text);
    async function* drip() {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
    }
    const t = await readTable({ stream: drip() });
    expect((await collect(t.rows)).map((r) => r.values)).toEqual([
      ["multi\r\nline", "1", 'a "q"'],
      ["B", "2", "x"],
    ]);
  });

  it("strips the formula guard our exports add, and only that", async () => {
    const { values } = await rowsOf(
      Buffer.from("Title,Price,Barcode\n'=SUM(A1),'-5,'3212483\n''=x,1,'plain\n"),
    );
    expect(values).toEqual([
      ["=SUM(A1)", "-5", "'3212483"],
      ["'=x", "1", "'plain"],
    ]);
  });
});
