import { crc32, inflateRawSync } from "node:zlib";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { readTable, writeXlsxTable, writeZip, type XlsxCell } from "../src/index";

const TEXTS = [
  "plain",
  "Title & <b> 'x' \"q\"",
  '=HYPERLINK("http://evil")',
  "'+1 quoted",
  " leading and trailing ",
  "multi\nline",
  "emoji 🚲🔋 ünïcödé ✓",
  "ctl\u0001\u001fchars\u007f",
  "",
  "cr\rlf\ncrlf\r\n",
  "literal _x0041_ and _x005F_ and _X000d_ and _x00_",
  '\u0001=HYPERLINK("http://evil")',
  "\ufffe\uffff lone \ud800 and \udc00 paired \ud83d\ude00",
  "nul\u0000dropped",
];

async function bytesOf(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function* source(rows: XlsxCell[][]) {
  for (const r of rows) yield r;
}

describe("writeXlsxTable", () => {
  const header = Array.from({ length: 30 }, (_, i) => `H${i}`);
  const rows: XlsxCell[][] = [header];
  for (let i = 0; i < 300; i++)
    rows.push(
      header.map((_, c) =>
        c === 2 ? i * 1.25 : c === 28 ? null : (TEXTS[(i + c) % TEXTS.length] ?? ""),
      ),
    );
  // Characters XML cannot hold travel as `_xHHHH_` and come back; only NUL is dropped.
  const expected = (v: XlsxCell) =>
    v === null ? "" : typeof v === "number" ? String(v) : v.replaceAll("\u0000", "");

  it("writes a workbook our reader takes back cell for cell (guard stripped, numbers kept)", async () => {
    const bytes = await bytesOf(writeXlsxTable(source(rows), { sheetName: "Listings" }));
    const table = await readTable({ bytes, fileName: "x.xlsx" });
    expect(table.headers).toEqual(header);
    const got: string[][] = [];
    for await (const r of table.rows) got.push(r.values.map((v) => String(v ?? "")));
    expect(table.sheetName).toBe("Listings");
    expect(got).toHaveLength(300);
    for (let i = 0; i < got.length; i++) {
      expect(got[i]).toEqual((rows[i + 1] ?? []).map(expected));
    }
  });

  it("is a valid xlsx for another zip and XML reader, with formulas neutralised", async () => {
    const bytes = await bytesOf(writeXlsxTable(source(rows), { sheetName: "Listings" }));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    const ws = wb.getWorksheet("Listings");
    expect(ws?.rowCount).toBe(301);
    expect(ws?.getCell("AD1").value).toBe("H29");
    expect(ws?.getCell("C3").value).toBe(1.25);
    const formula = rows.findIndex((r) => r[0] === TEXTS[2]);
    expect(ws?.getCell(`A${formula + 1}`).value).toBe(`'${TEXTS[2]}`);
    expect(ws?.getCell(`A${formula + 1}`).formula).toBeUndefined();
  });

  it("pulls rows only as the output is read", async () => {
    let pulled = 0;
    async function* many() {
      for (let i = 0; i < 200_000; i++) {
        pulled++;
        yield [`row ${i}`, "x".repeat(100), i];
      }
    }
    const out = writeXlsxTable(many());
    const it = out[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 300));
    expect(pulled).toBeLessThan(50_000);
    await it.return?.();
  });
});

describe("writeZip", () => {
  it("stores each entry so that it inflates back to its bytes, streamed or whole", async () => {
    const big = Buffer.alloc(300_000, "abc");
    async function* chunks() {
      for (let i = 0; i < big.length; i += 7000) yield big.subarray(i, i + 7000);
    }
    const zip = await bytesOf(
      writeZip([
        { name: "a.txt", data: Buffer.from("hello") },
        { name: "dir/ünï.bin", data: chunks() },
        { name: "empty", data: Buffer.alloc(0) },
      ]),
    );
    // Walk the central directory and inflate each entry.
    const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const count = zip.readUInt16LE(eocd + 10);
    let p = zip.readUInt32LE(eocd + 16);
    const found: Record<string, Buffer> = {};
    for (let k = 0; k < count; k++) {
      const csize = zip.readUInt32LE(p + 20);
      const size = zip.readUInt32LE(p + 24);
      const nameLen = zip.readUInt16LE(p + 28);
      const local = zip.readUInt32LE(p + 42);
      const name = zip.subarray(p + 46, p + 46 + nameLen).toString("utf8");
      const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const out = inflateRawSync(zip.subarray(data, data + csize));
      expect(out.length).toBe(size);
      expect(zip.readUInt32LE(p + 16)).toBe(crc32(out));
      found[name] = out;
      p += 46 + nameLen;
    }
    expect(Object.keys(found)).toEqual(["a.txt", "dir/ünï.bin", "empty"]);
    expect(found["a.txt"]?.toString()).toBe("hello");
    expect(found["dir/ünï.bin"]?.equals(big)).toBe(true);
    expect(found.empty?.length).toBe(0);
  });

  it("fails the stream when an entry's source fails, rather than ending a short file", async () => {
    async function* broken() {
      yield Buffer.from("part");
      throw new Error("source broke");
    }
    await expect(bytesOf(writeZip([{ name: "x", data: broken() }]))).rejects.toThrow(
      "source broke",
    );
  });
});
