import { describe, expect, it } from "vitest";
import { importListings, preflightTable, readTable, writeXlsx } from "../src/index";
import { buildZip, collect, entry, rejection, xlsxParts } from "./helpers";

/** The error reading a table to its end rejects with (from opening it or from its rows). */
const readError = (input: Parameters<typeof readTable>[0]) =>
  rejection(
    (async () => {
      const t = await readTable(input);
      return collect(t.rows);
    })(),
  );

/** A workbook with the given sheets, each a header row and one data row. */
async function workbook(sheets: { name: string; title: string }[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of writeXlsx(
    sheets.map((s) => ({
      name: s.name,
      leadRows: [{ values: ["title", "price"] }],
      rows: (async function* () {
        yield [s.title, "1"];
      })(),
    })),
  ))
    parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe("csv: a quote left open", () => {
  it("is refused with UNTERMINATED_QUOTE naming the line it opened on", async () => {
    const csv = [
      "title,price,description",
      'Lamp,10,"two',
      'lines"',
      'Desk,90,"never closed',
      "Chair,5,fine",
      "Stool,3,fine",
    ].join("\n");
    const err = await readError({ bytes: Buffer.from(csv) });
    expect(err.code).toBe("UNTERMINATED_QUOTE");
    // Line 4 as an editor numbers it (row 3 of the file: row 2 spans lines 2-3).
    expect(err.message).toMatch(/line 4\b/);
    expect((err as { details?: unknown }).details).toMatchObject({ line: 4, row: 3, column: 3 });
  });

  it("names the opening line when the open quote swallows more than a cell may hold", async () => {
    const csv = `title,price\n"Lamp,10\n${"Desk,90\n".repeat(5000)}`;
    const err = await readError({ bytes: Buffer.from(csv) });
    expect(err.code).toBe("CELL_TOO_LONG");
    expect(err.message).toMatch(/opened on line 2\b/);
  });

  it("still reads quoted cells that close, across lines and chunks", async () => {
    const long = "x".repeat(70 * 1024);
    const csv = `title,description\n"A","${long}\nmore"\n"B","He said ""hi"""\n`;
    const t = await readTable({ bytes: Buffer.from(csv), limits: { maxCellChars: 200_000 } });
    const rows = await collect(t.rows);
    expect(rows.map((r) => r.values[0])).toEqual(["A", "B"]);
    expect(rows[1]?.values[1]).toBe('He said "hi"');
  });
});

describe("text encoding decided after the first 64 KiB", () => {
  const asciiRows = "Plain lamp,10\n".repeat(6000); // ~84 KiB of ASCII

  it("reads a file as Windows-1252 when its first accent comes late after plain ASCII", async () => {
    const bytes = Buffer.concat([
      Buffer.from(`title,price\n${asciiRows}`),
      Buffer.from("Caf\xe9 cr\xe8me \x96 oak,12\n", "latin1"),
    ]);
    const t = await readTable({ bytes });
    const rows = await collect(t.rows);
    expect(rows).toHaveLength(6001);
    expect(rows.at(-1)?.values).toEqual(["Café crème – oak", "12"]);
    expect(t.notices.map((n) => n.code)).toContain("ENCODING_WINDOWS_1252");
  });

  it("reads it so too when the accent is the file's very last byte", async () => {
    const bytes = Buffer.concat([
      Buffer.from(`title,price\n${asciiRows}`),
      Buffer.from("Caf\xe9", "latin1"),
    ]);
    const t = await readTable({ bytes });
    const rows = await collect(t.rows);
    expect(rows.at(-1)?.values).toEqual(["Café"]);
  });

  it("reads it so when the accent straddles the readers' chunks", async () => {
    // The accent is the last byte of the second 64 KiB chunk: it looks like the start of a
    // UTF-8 character until the next chunk begins.
    const lines = `title,price\n${"Plain lamp,10\n".repeat(10_000)}`.slice(0, 2 * 64 * 1024 - 1000);
    const head = `${lines.slice(0, lines.lastIndexOf("\n") + 1)}Caf`;
    const pad = "a".repeat(2 * 64 * 1024 - 1 - Buffer.byteLength(head));
    const bytes = Buffer.concat([Buffer.from(head + pad), Buffer.from("\xe9,1\n", "latin1")]);
    expect(bytes[2 * 64 * 1024 - 1]).toBe(0xe9);
    const t = await readTable({ bytes });
    const rows = await collect(t.rows);
    expect(rows.at(-1)?.values).toEqual([`Caf${pad}é`, "1"]);
  });

  it("still refuses the file when real UTF-8 came before the bad byte", async () => {
    const bytes = Buffer.concat([
      Buffer.from(`title,price\nCafé,1\n${asciiRows}`),
      Buffer.from("Caf\xe9,12\n", "latin1"),
    ]);
    const err = await readError({ bytes });
    expect(err.code).toBe("INVALID_ENCODING");
  });
});

describe("facebook prices with three digits after a dot", () => {
  const csv = (price: string) =>
    ["TITLE,PRICE,CONDITION,DESCRIPTION,CATEGORY,OFFER SHIPPING", `Sofa,${price},New,,,`].join(
      "\n",
    );

  it("reports 1.299 as ambiguous with 1299 as the fix, never importing 1.299", async () => {
    for (const price of ["1.299", "$12.500"]) {
      const s = await importListings({ bytes: Buffer.from(csv(price)) });
      expect(s.marketplace).toBe("facebook");
      const [l] = await collect(s.listings);
      expect(l?.ok, price).toBe(false);
      expect(l?.listing?.price, price).not.toBe(price.replace("$", ""));
      expect(
        l?.problems.find((p) => p.code === "AMBIGUOUS_PRICE"),
        price,
      ).toMatchObject({
        row: 2,
        column: "PRICE",
        value: price,
        severity: "error",
        suggestion: price.replace(/[$.]/g, ""),
      });
    }
  });

  it("takes the suggested 1299 when fixes are applied", async () => {
    const s = await importListings({ bytes: Buffer.from(csv("1.299")), applyFixes: true });
    const [l] = await collect(s.listings);
    expect(l?.listing?.price).toBe("1299");
  });

  it("keeps other decimals a whole-dollars problem", async () => {
    const s = await importListings({ bytes: Buffer.from(csv("12.50")) });
    const [l] = await collect(s.listings);
    expect(l?.problems.map((p) => p.code)).toEqual(["WHOLE_DOLLARS"]);
  });
});

describe("xlsx: choosing a sheet whose name is a number", () => {
  it("prefers the sheet of that name, then takes the digits as a position", async () => {
    const bytes = await workbook([
      { name: "Notes", title: "From Notes" },
      { name: "2024", title: "From 2024" },
      { name: "1", title: "From the sheet named 1" },
    ]);
    const byName = await readTable({ bytes, sheet: "2024" });
    expect(byName.sheetName).toBe("2024");
    expect(byName.sheetPosition).toBe(2);
    expect((await collect(byName.rows))[0]?.values[0]).toBe("From 2024");
    const named1 = await readTable({ bytes, sheet: "1" });
    expect(named1.sheetName).toBe("1");
    const second = await readTable({ bytes, sheet: "2" });
    expect(second.sheetName).toBe("2024");
    // A number is always a position.
    const first = await readTable({ bytes, sheet: 1 });
    expect(first.sheetName).toBe("Notes");
    expect((await rejection(readTable({ bytes, sheet: "7" }))).code).toBe("XLSX_NO_SHEET");
  });
});

describe("preflightTable: refusals decided without reading the file whole", () => {
  it("refuses a zip declaring too many entries or too many inflated bytes", async () => {
    const parts = xlsxParts("<worksheet/>").map(([n, x]) => entry(n, x));
    const many = buildZip([
      ...parts,
      ...Array.from({ length: 20 }, (_, i) => entry(`xl/media/pad${i}.xml`, "x")),
    ]);
    const e1 = await rejection(preflightTable({ bytes: many, limits: { maxZipEntries: 10 } }));
    expect(e1.code).toBe("ZIP_TOO_MANY_ENTRIES");
    const big = buildZip([
      ...parts.filter((p) => p.name !== "xl/worksheets/sheet1.xml"),
      { ...entry("xl/worksheets/sheet1.xml", "<worksheet/>"), declaredSize: 1024 * 1024 * 1024 },
    ]);
    expect((await rejection(preflightTable({ bytes: big }))).code).toBe("ZIP_TOO_LARGE");
    await expect(preflightTable({ bytes: buildZip(parts) })).resolves.toBeUndefined();
  });

  it("refuses a CSV whose first row is wider than allowed, reading at most its first MiB", async () => {
    const wide = Buffer.from(`${Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(",")}\n`);
    const err = await rejection(preflightTable({ bytes: wide }));
    expect(err.code).toBe("TOO_MANY_COLUMNS");
    await expect(
      preflightTable({ bytes: Buffer.from("title,price\nLamp,10\n") }),
    ).resolves.toBeUndefined();
  });

  it("leaves every other problem to the full read", async () => {
    for (const bytes of [
      Buffer.from('title,price\n"open,1\n'),
      Buffer.from("\n\n\n"),
      buildZip([entry("xl/workbook.xml", "x")]).subarray(0, 40),
    ])
      await expect(preflightTable({ bytes })).resolves.toBeUndefined();
  });
});
