import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTable } from "../src/index";
import { buildZip, collect, entry, fixture, rejection, xlsxParts } from "./helpers";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mbe-xlsx-thread-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A workbook on disk whose sheet holds `rows` data rows (row 7 left blank). */
async function workbook(name: string, rows: number): Promise<string> {
  const cells: string[] = [
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Title</t></is></c><c r="B1" t="inlineStr"><is><t>Price</t></is></c><c r="C1" t="inlineStr"><is><t>SKU</t></is></c></row>',
  ];
  for (let r = 2; r < rows + 3; r++) {
    if (r === 7) cells.push('<row r="7"><c r="A7" t="inlineStr"><is><t></t></is></c></row>');
    else
      cells.push(
        `<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>Bike ${r} &amp; helmet</t></is></c><c r="B${r}"><v>${r}.5</v></c><c r="D${r}" t="str"><v>SKU-${r}</v></c></row>`,
      );
  }
  const sheet = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${cells.join("")}</sheetData></worksheet>`;
  const path = join(dir, name);
  await writeFile(path, buildZip(xlsxParts(sheet).map(([n, x]) => entry(n, x))));
  return path;
}

describe("xlsx read in a worker thread", () => {
  it("gives the same headers, rows, sheet name and notices as reading in this thread", async () => {
    const path = await workbook("same.xlsx", 5000);
    const here = await readTable({ path });
    const hereRows = await collect(here.rows);
    const there = await readTable({ path, thread: true });
    const thereRows = await collect(there.rows);
    expect(thereRows).toHaveLength(5000);
    expect(thereRows[5]).toEqual({ row: 8, values: ["Bike 8 & helmet", "8.5", "", "SKU-8"] });
    expect(thereRows).toEqual(hereRows);
    expect(there.headers).toEqual(["Title", "Price", "SKU"]);
    expect(there.sheetName).toBe("Data");
    expect(there.notices).toEqual(here.notices);
    expect(there.notices.map((n) => n.code)).toContain("BLANK_ROWS_SKIPPED");
  });

  it("reads the sheet asked for", async () => {
    const t = await readTable({
      path: fixture("facebook-bulk-upload-template.xlsx"),
      sheet: "VALIDATION",
      headerRow: 3,
      limits: { maxColumns: 5000 },
      thread: true,
    });
    expect(t.sheetName).toBe("VALIDATION");
    expect(t.headers).toEqual(["New", "Used - Like New", "Used - Good", "Used - Fair"]);
    const [cats] = await collect(t.rows);
    expect(cats?.values).toHaveLength(1870);
  });

  it("refuses with the same codes and messages, limits included", async () => {
    const broken = join(dir, "broken.xlsx");
    await writeFile(broken, buildZip(xlsxParts("<<<>>>&&&").map(([n, x]) => entry(n, x))));
    const a = await rejection(readTable({ path: broken }));
    const b = await rejection(readTable({ path: broken, thread: true }));
    expect(b.code).toBe("XLSX_INVALID");
    expect(b.message).toBe(a.message);

    const path = await workbook("long.xlsx", 3000);
    const tooMany = async (thread: boolean) => {
      const t = await readTable({ path, thread, limits: { maxRows: 2000 } });
      return rejection(collect(t.rows));
    };
    const c = await tooMany(false);
    const d = await tooMany(true);
    expect(d.code).toBe("TOO_MANY_ROWS");
    expect(d.message).toBe(c.message);
    expect((await rejection(readTable({ path, thread: true, sheet: "Nope" }))).code).toBe(
      "XLSX_NO_SHEET",
    );
  });

  it("stops reading when the caller stops early", async () => {
    const path = await workbook("early.xlsx", 20_000);
    const t = await readTable({ path, thread: true });
    let n = 0;
    for await (const _ of t.rows) if (++n === 10) break;
    expect(n).toBe(10);
    // A second read of the same file still works (the first thread is gone, not stuck).
    const again = await readTable({ path, thread: true });
    expect((await collect(again.rows)).length).toBe(20_000);
  });
});

describe("reading progress", () => {
  /** The progress calls of reading a whole table, and the rows read. */
  async function progressOf(input: Parameters<typeof readTable>[0]) {
    const calls: { read: number; total: number }[] = [];
    let rows = 0;
    const table = await readTable({
      ...input,
      onProgress: (read, total) => calls.push({ read, total }),
    });
    for await (const _ of table.rows) rows++;
    return { calls, rows };
  }

  function expectSteady(calls: { read: number; total: number }[], total: number) {
    expect(calls.length).toBeGreaterThan(2);
    for (const c of calls) expect(c.total).toBe(total);
    for (let i = 1; i < calls.length; i++)
      expect(calls[i]?.read).toBeGreaterThanOrEqual(calls[i - 1]?.read as number);
    expect(calls.at(-1)?.read).toBe(total);
    // Some came while rows were still being read, not all at the end.
    expect(calls.some((c) => c.read < total)).toBe(true);
  }

  it.each([false, true])(
    "reports an xlsx sheet's XML scanned, of its size (thread: %s)",
    async (thread) => {
      const path = await workbook(`progress-${thread}.xlsx`, 30_000);
      const { calls, rows } = await progressOf({ path, thread });
      expect(rows).toBe(30_000);
      const total = calls.at(-1)?.total ?? 0;
      expect(total).toBeGreaterThan(1_000_000);
      expectSteady(calls, total);
    },
  );

  it("reports bytes of a CSV file read, of its size, given as a path or as bytes", async () => {
    const lines = ["title,price"];
    for (let i = 0; i < 30_000; i++) lines.push(`Chair ${i},${i}.50`);
    const bytes = Buffer.from(`${lines.join("\n")}\n`);
    const path = join(dir, "progress.csv");
    await writeFile(path, bytes);
    for (const input of [{ path }, { bytes: new Uint8Array(bytes) }]) {
      const { calls, rows } = await progressOf(input);
      expect(rows).toBe(30_000);
      expectSteady(calls, bytes.length);
    }
  });
});
