/**
 * CSV parse and write, 100k rows × 10 columns, each phase in its own process so peak RSS is its own.
 * Parse is compared with a plain readline + split(",") of the same file (a floor: it ignores quotes);
 * write with a hand-rolled join + write loop (also a floor: no quoting, no formula guard).
 */
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { readTable, writeCsvRows } from "../packages/formats/src/index";

const ROWS = 100_000;
const COLS = 10;

function row(i: number): string[] {
  return [
    String(i),
    `00${i % 1000}`,
    `Item ${i}, with comma`,
    (i * 1.37).toFixed(2),
    i % 3 === 0 ? "New" : "Used - Good",
    `Description line for ${i} "quoted" text`,
    "Electronics//Cell Phones & Accessories//Cell Phones",
    String(i % 50),
    `SKU-${i.toString(36).toUpperCase()}`,
    `https://img.example.test/${i}.jpg`,
  ];
}

async function* rows(): AsyncGenerator<string[]> {
  yield Array.from({ length: COLS }, (_, c) => `Column ${c + 1}`);
  for (let i = 0; i < ROWS; i++) yield row(i);
}

type Phase = "parse-ours" | "parse-readline" | "write-ours" | "write-floor";

async function phase(name: Phase, file: string): Promise<{ rows: number }> {
  if (name === "parse-ours") {
    const t = await readTable({ path: file });
    let n = 0;
    for await (const r of t.rows) if (r.values.length === COLS) n++;
    return { rows: n };
  }
  if (name === "parse-readline") {
    let n = 0;
    const rl = createInterface({
      input: createReadStream(file),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let first = true;
    for await (const line of rl) {
      if (first) {
        first = false;
        continue;
      }
      if (line.split(",").length >= COLS) n++;
    }
    return { rows: n };
  }
  if (name === "write-ours") {
    await pipeline(Readable.from(writeCsvRows(rows())), createWriteStream(file));
    return { rows: ROWS };
  }
  const out = createWriteStream(file);
  for await (const r of rows()) {
    if (!out.write(`${r.join(",")}\r\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return { rows: ROWS };
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
  const dir = mkdtempSync(path.join(os.tmpdir(), "mbe-bench-csv-"));
  const file = path.join(dir, "data.csv");
  const run = (name: Phase, f: string) => {
    const p = spawnSync(
      process.execPath,
      ["--import", "tsx", "bench/formats-csv.ts", "phase", name, f],
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
    `${label.padEnd(34)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${Math.round(
      (r.rows / r.ms) * 1000,
    )
      .toLocaleString("en-US")
      .padStart(10)} rows/s  peak RSS +${(r.rssGrowth / 1024 / 1024).toFixed(0).padStart(4)} MB`;
  // Figures on a shared machine swing with its load: print it so runs can be compared.
  const load = () => os.loadavg()[0]?.toFixed(1) ?? "?";
  console.log(`load average before: ${load()} (${os.cpus().length} cores)`);
  try {
    const w = run("write-ours", file);
    const size = statSync(file).size;
    const wf = run("write-floor", path.join(dir, "floor.csv"));
    const p = run("parse-ours", file);
    const pf = run("parse-readline", file);
    if (p.rows !== ROWS || pf.rows !== ROWS)
      throw new Error(`row count mismatch ${p.rows} ${pf.rows}`);
    console.log(
      `CSV ${ROWS.toLocaleString("en-US")} rows × ${COLS} columns (${(size / 1024 / 1024).toFixed(1)} MB)`,
    );
    console.log(fmt("parse  @mbe/formats readTable", p));
    console.log(fmt("parse  readline + split (floor)", pf));
    console.log(`       ratio ours/floor: ${(p.ms / pf.ms).toFixed(2)}× time`);
    console.log(fmt("write  @mbe/formats writeCsvRows", w));
    console.log(fmt("write  join + write (floor)", wf));
    console.log(`       ratio ours/floor: ${(w.ms / wf.ms).toFixed(2)}× time`);
    console.log(`load average after: ${load()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
