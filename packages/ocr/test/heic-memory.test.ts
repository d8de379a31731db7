import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isOcrError } from "../src/errors";
import { decodeToGray } from "../src/image";
import { DEFAULT_LIMITS } from "../src/limits";

const fixture = join(import.meta.dirname, "fixtures", "blank-page-48mp.heic");
const imageModule = join(import.meta.dirname, "..", "src", "image.ts");

/**
 * Decodes `fixture` in a fresh Node process (so nothing else has grown its memory) and reports
 * the gray image's size and how far the process's resident memory grew, after a GC.
 */
function decodeInFreshProcess(): { width: number; height: number; grownMb: number } {
  const script = `
    import { readFileSync } from "node:fs";
    import { decodeToGray } from ${JSON.stringify(imageModule)};
    const bytes = new Uint8Array(readFileSync(${JSON.stringify(fixture)}));
    const before = process.memoryUsage().rss;
    const gray = await decodeToGray(bytes, "image/heic", ${DEFAULT_LIMITS.maxImagePixels}, ${DEFAULT_LIMITS.maxPreparedPixels});
    globalThis.gc();
    const grownMb = (process.memoryUsage().rss - before) / 2 ** 20;
    console.log(JSON.stringify({ width: gray.width, height: gray.height, grownMb }));
  `;
  const dir = mkdtempSync(join(tmpdir(), "mbe-heic-"));
  const file = join(dir, "decode.mjs");
  writeFileSync(file, script);
  const run = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", file], {
    cwd: join(import.meta.dirname, ".."),
    encoding: "utf8",
    timeout: 120_000,
  });
  rmSync(dir, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`decode failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}");
}

describe("decoding a large HEIC", () => {
  // An 8000×6000 page (48 MP, as a phone's high-resolution mode saves it), encoded with
  // libheif's heif-enc. The decoder only works at full size: 190 MB of RGBA and about 550 MB
  // of peak memory, most of it WebAssembly memory that never shrinks.
  it("hands back the memory of the full-size pixels once the photo is decoded", () => {
    const { width, height, grownMb } = decodeInFreshProcess();
    expect(width * height).toBeLessThanOrEqual(DEFAULT_LIMITS.maxPreparedPixels);
    expect(width / height).toBeCloseTo(8000 / 6000, 2);
    // The 16 MP gray image itself is 16 MB; the full-size decode must not stay resident.
    expect(grownMb).toBeLessThan(150);
  }, 120_000);

  it("gives up on a decode that outlasts its time with TIMEOUT", async () => {
    const bytes = new Uint8Array(await readFile(fixture));
    const error = await decodeToGray(
      bytes,
      "image/heic",
      DEFAULT_LIMITS.maxImagePixels,
      DEFAULT_LIMITS.maxPreparedPixels,
      50,
    ).catch((e: unknown) => e);
    expect(isOcrError(error) && error.code).toBe("TIMEOUT");
  }, 30_000);

  it("refuses a truncated HEIC with CORRUPT_IMAGE", async () => {
    const whole = new Uint8Array(await readFile(fixture));
    const error = await decodeToGray(
      whole.subarray(0, Math.floor(whole.length / 2)),
      "image/heic",
      DEFAULT_LIMITS.maxImagePixels,
    ).catch((e: unknown) => e);
    expect(isOcrError(error, "CORRUPT_IMAGE")).toBe(true);
  });
});
