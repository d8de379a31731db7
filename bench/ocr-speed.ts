/**
 * OCR speed and accuracy: warm tesseract.js pool vs the native `tesseract` CLI on the same
 * prepared images, word accuracy of the fixtures, and a 20-page image-only PDF end to end.
 * Run: pnpm exec tsx bench/ocr-speed.ts (needs Debian's tesseract-ocr for the reference).
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  createOcrEngine,
  defaultLangPath,
  prepareImage,
  processScan,
  wordAccuracy,
} from "../packages/ocr/src/index";
import { imageOnlyPdf } from "../packages/ocr/test/make-fixtures";

const fixtures = join(import.meta.dirname, "../packages/ocr/test/fixtures");
const pages = [
  ["clean-price-list", "clean-price-list.png", "image/png"],
  ["noisy-scan", "noisy-scan.jpg", "image/jpeg"],
  ["two-column-catalog", "two-column-catalog.png", "image/png"],
] as const;

const mb = (n: number): string => `${Math.round(n / 1024 / 1024)} MB`;
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

const work = await mkdtemp(join(tmpdir(), "ocr-bench-"));
try {
  // Same model for both sides: the LSTM-only integer model tesseract.js ships.
  const tessdata = join(work, "tessdata");
  execFileSync("mkdir", ["-p", tessdata]);
  await writeFile(
    join(tessdata, "eng.traineddata"),
    gunzipSync(await readFile(join(defaultLangPath(), "eng.traineddata.gz"))),
  );
  const prepared: string[] = [];
  for (const [name, file, mime] of pages) {
    const p = await prepareImage(await readFile(join(fixtures, file)), mime, {
      maxImagePixels: 60_000_000,
    });
    const path = join(work, `${name}.png`);
    await writeFile(path, p.ocrImage);
    prepared.push(path);
  }

  const rssBefore = process.memoryUsage().rss;
  const single = await createOcrEngine({ workers: 1 });
  await single.recognize(await readFile(prepared[0] ?? "")); // warm-up
  let jsMs = 0;
  for (const path of prepared) {
    const t = performance.now();
    await single.recognize(await readFile(path));
    jsMs += performance.now() - t;
  }
  const rssOne = process.memoryUsage().rss;
  await single.close();

  let cliMs = 0;
  let cliMtMs = 0;
  for (const path of prepared) {
    const args = [path, "stdout", "--oem", "1", "--tessdata-dir", tessdata, "-l", "eng"];
    let t = performance.now();
    execFileSync("tesseract", args, {
      env: { ...process.env, OMP_THREAD_LIMIT: "1" },
      stdio: "pipe",
    });
    cliMs += performance.now() - t;
    t = performance.now();
    execFileSync("tesseract", args, { stdio: "pipe" });
    cliMtMs += performance.now() - t;
  }
  const n = prepared.length;
  console.log("== warm OCR per page (same prepared images, same eng best_int model)");
  console.log(`tesseract.js 1 worker     ${s(jsMs / n)}/page`);
  console.log(
    `tesseract CLI 1 thread    ${s(cliMs / n)}/page   ratio ${(jsMs / cliMs).toFixed(2)}x`,
  );
  console.log(
    `tesseract CLI OpenMP      ${s(cliMtMs / n)}/page   ratio ${(jsMs / cliMtMs).toFixed(2)}x`,
  );

  const engine = await createOcrEngine({ workers: 2 });
  const buffers = await Promise.all(prepared.map((p) => readFile(p)));
  const t2 = performance.now();
  await Promise.all([...buffers, ...buffers].map((b) => engine.recognize(b)));
  const poolMs = (performance.now() - t2) / (2 * n);
  const rssTwo = process.memoryUsage().rss;
  console.log(
    `tesseract.js 2 workers    ${s(poolMs)}/page throughput   vs CLI 1 thread ratio ${(poolMs / (cliMs / n)).toFixed(2)}x (target <= 1.5x)`,
  );
  console.log(
    `memory: process RSS ${mb(rssBefore)} before, ${mb(rssOne)} with 1 warm worker, ${mb(rssTwo)} with 2`,
  );

  console.log("== word accuracy (processScan, expected text from the fixture generator)");
  for (const [name, file] of pages) {
    const t = performance.now();
    const r = await processScan({ bytes: await readFile(join(fixtures, file)), engine });
    const expected = await readFile(join(fixtures, `${name}.expected.txt`), "utf8");
    const acc = wordAccuracy(expected, r.pages.map((p) => p.text).join("\n"));
    console.log(
      `${name.padEnd(20)} accuracy ${(acc * 100).toFixed(1)}%  items ${r.items.length}  end-to-end ${s(performance.now() - t)}`,
    );
  }

  console.log("== 20-page image-only PDF end to end (2 workers)");
  const pngs = [
    await readFile(join(fixtures, "clean-price-list.png")),
    await readFile(join(fixtures, "two-column-catalog.png")),
  ];
  const pdf = await imageOnlyPdf(
    Array.from({ length: 20 }, (_, i) => pngs[i % 2] ?? pngs[0] ?? new Uint8Array()),
  );
  const t3 = performance.now();
  const r = await processScan({ bytes: pdf, engine });
  const total = performance.now() - t3;
  console.log(
    `20 pages ${s(total)} (${s(total / 20)}/page), ${r.items.length} items (expected 160)   target < 40 s  ratio ${(total / 40000).toFixed(2)}x`,
  );
  console.log(
    `peak RSS ${mb(process.memoryUsage().rss)}; load average ${(await readFile("/proc/loadavg", "utf8")).split(" ").slice(0, 3).join(" ")}`,
  );
  await engine.close();
} finally {
  await rm(work, { recursive: true, force: true });
}
