import { guardFormula } from "@mbe/formats";
import { describe, expect, it } from "vitest";
import { CsvFormulaGuard } from "./csv-guard";

/** A cell as PostgreSQL's COPY (FORMAT csv) writes it: quoted only when it must be, NULL empty. */
function pgCell(v: string | null): string {
  if (v === null) return "";
  return v === "" || /[,"\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}
const pgCsv = (rows: (string | null)[][]) =>
  rows.map((r) => `${r.map(pgCell).join(",")}\n`).join("");

const CELLS = [
  '=HYPERLINK("http://evil")',
  "+1 555",
  "-3 dB",
  "@SUM(A1)",
  "\tTab",
  "\rCR first",
  "\nLF first",
  "'=quoted once",
  "'''+three quotes",
  "'plain quote",
  "''",
  "'",
  '"=not a formula: starts with a quote mark',
  '""',
  "a,=b",
  "x\n=y",
  "plain",
  "",
  null,
  "🚲 =bike",
  "=🚲",
  "'\n",
];

function run(input: Buffer, cuts: number[]) {
  const g = new CsvFormulaGuard();
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, input.length]) {
    const b = g.push(input.subarray(at, c));
    if (b) out.push(b);
    at = c;
  }
  const last = g.flush(true);
  if (last) out.push(last);
  return { text: Buffer.concat(out).toString("utf8"), records: g.records };
}

describe("CsvFormulaGuard", () => {
  const rows: (string | null)[][] = [];
  for (let i = 0; i < CELLS.length; i++)
    rows.push([CELLS[i] ?? null, `r${i}`, CELLS[(i + 7) % CELLS.length] ?? null]);
  const input = Buffer.from(pgCsv(rows));
  const want = pgCsv(
    rows.map((r) => r.map((v) => (v === null ? null : v === "" ? "" : guardFormula(v)))),
  );

  it("guards each cell as guardFormula does and counts the records", () => {
    expect(run(input, [])).toEqual({ text: want, records: rows.length });
  });

  it("gives the same bytes wherever the chunks are cut", () => {
    for (let a = 1; a < input.length; a++) {
      expect(run(input, [a]).text).toBe(want);
      expect(
        run(input, [a, Math.min(input.length, a + 1), Math.min(input.length, a + 2)]).text,
      ).toBe(want);
    }
    const bytes: number[] = [];
    for (let i = 1; i < input.length; i++) bytes.push(i);
    expect(run(input, bytes)).toEqual({ text: want, records: rows.length });
  });

  it("passes chunks through in ~64 KiB buffers and leaves unguarded text as it was", () => {
    const line = Buffer.from(`${"x".repeat(200)},"a ""quoted"", cell",plain\n`);
    const g = new CsvFormulaGuard();
    const sizes: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const b = g.push(line);
      if (b) sizes.push(b.length);
    }
    const last = g.flush(true);
    expect(sizes.length).toBeGreaterThan(0);
    for (const s of sizes) expect(s).toBeGreaterThanOrEqual(64 * 1024);
    expect(sizes.reduce((a, b) => a + b, 0) + (last?.length ?? 0)).toBe(line.length * 1000);
    expect(g.records).toBe(1000);
  });
});
