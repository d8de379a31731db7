/**
 * XLSX write and parse, 100k rows × 10 columns, each phase in its own process so peak RSS is its own.
 * References: exceljs' own streaming WorkbookWriter / WorkbookReader used directly on the same data.
 * Writing goes through exceljs (so the ratio is what pacing and the formula guard cost); reading
 * goes through our own sheet scanner, zip checks and formula-guard stripping included.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { readTable, writeXlsx, type XlsxCell } from "../packages/formats/src/index";

interface ExcelJSModule {
  stream: {
    xlsx: {
      WorkbookWriter: new (
        o: Record<string, unknown>,
      ) => {
        addWorksheet(name: string): {
          addRow(v: unknown[]): { commit(): void };
          commit(): void;
        };
        commit(): Promise<void>;
      };
      WorkbookReader: new (
        file: string,
        o: Record<string, unknown>,
      ) => AsyncIterable<AsyncIterable<{ values: unknown }>>;
    };
  };
}

const require = createRequire(path.resolve("packages/formats/package.json"));
// exceljs is a dependency of @mbe/formats only, so it is resolved from that package.
const ExcelJS = require("exceljs") as ExcelJSModule;

const ROWS = 100_000;
const COLS = 10;

function row(i: number): XlsxCell[] {
  return [
    i,
    `00${i % 1000}`,
    `Item ${i}, with comma`,
    Math.round(i * 137) / 100,
    i % 3 === 0 ? "New" : "Used - Good",
    `Description line for ${i} "quoted" text`,
    "Electronics//Cell Phones & Accessories//Cell Phones",
    i % 50,
    `SKU-${i.toString(36).toUpperCase()}`,
    `https://img.example.test/${i}.jpg`,
  ];
}

const HEADER = Array.from({ length: COLS }, (_, c) => `Column ${c + 1}`);

async function* rows(): AsyncGenerator<XlsxCell[]> {
  for (let i = 0; i < ROWS; i++) yield row(i);
}

type Phase = "write-ours" | "write-exceljs" | "parse-ours" | "parse-exceljs";

async function phase(name: Phase, file: string): Promise<{ rows: number }> {
  if (name === "write-ours") {
    await pipeline(
      writeXlsx([{ name: "Listings", leadRows: [{ values: HEADER }], rows: rows() }]),
      createWriteStream(file),
    );
    return { rows: ROWS };
  }
  if (name === "write-exceljs") {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
      filename: file,
      useStyles: false,
      useSharedStrings: false,
    });
    const ws = wb.addWorksheet("Listings");
    ws.addRow(HEADER).commit();
    for (let i = 0; i < ROWS; i++) ws.addRow(row(i)).commit();
    ws.commit();
    await wb.commit();
    return { rows: ROWS };
  }
  if (name === "parse-ours") {
    const t = await readTable({ path: file });
    let n = 0;
    for await (const r of t.rows) if (r.values.length === COLS) n++;
    return { rows: n };
  }
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    styles: "cache",
    sharedStrings: "cache",
    worksheets: "emit",
    hyperlinks: "ignore",
    entries: "ignore",
  });
  let n = -1;
  for await (const ws of reader) {
    for await (const r of ws) if ((r.values as unknown[]).length === COLS + 1) n++;
  }
  return { rows: n };
}

if (process.argv[2] === "phase") {
  const name = process.argv[3] as Phase;
  const file = process.argv[4] as string;
  const base = process.memoryUsage().rss;
  const started = performance.now();
  const r = await phase(name, file);
  const ms = performance.now() - started;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ ...r, ms, rssGrowth: peak - base }));
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mbe-bench-xlsx-"));
  const file = path.join(dir, "ours.xlsx");
  const ref = path.join(dir, "exceljs.xlsx");
  const run = (name: Phase, f: string) => {
    const p = spawnSync(
      process.execPath,
      ["--import", "tsx", "bench/formats-xlsx.ts", "phase", name, f],
      {
        encoding: "utf8",
      },
    );
    if (p.status !== 0) throw new Error(`${name} failed: ${p.stderr}`);
    return JSON.parse(p.stdout.trim().split("\n").pop() ?? "{}") as {
      rows: number;
      ms: number;
      rssGrowth: number;
    };
  };
  const fmt = (label: string, r: { rows: number; ms: number; rssGrowth: number }) =>
    `${label.padEnd(36)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${Math.round(
      (r.rows / r.ms) * 1000,
    )
      .toLocaleString("en-US")
      .padStart(10)} rows/s  peak RSS +${(r.rssGrowth / 1024 / 1024).toFixed(0).padStart(4)} MB`;
  // Figures on a shared machine swing with its load: print it so runs can be compared.
  const load = () => os.loadavg()[0]?.toFixed(1) ?? "?";
  console.log(`load average before: ${load()} (${os.cpus().length} cores)`);
  try {
    const w = run("write-ours", file);
    const wr = run("write-exceljs", ref);
    const p = run("parse-ours", file);
    const pr = run("parse-exceljs", file);
    if (p.rows !== ROWS || pr.rows !== ROWS)
      throw new Error(`row count mismatch ${p.rows} ${pr.rows}`);
    console.log(
      `XLSX ${ROWS.toLocaleString("en-US")} rows × ${COLS} columns (${(statSync(file).size / 1024 / 1024).toFixed(1)} MB)`,
    );
    console.log(fmt("write  @mbe/formats writeXlsx", w));
    console.log(fmt("write  exceljs WorkbookWriter (ref)", wr));
    console.log(`       ratio ours/ref: ${(w.ms / wr.ms).toFixed(2)}× time`);
    console.log(fmt("parse  @mbe/formats readTable", p));
    console.log(fmt("parse  exceljs WorkbookReader (ref)", pr));
    console.log(`       ratio ours/ref: ${(p.ms / pr.ms).toFixed(2)}× time`);
    console.log(`load average after: ${load()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
