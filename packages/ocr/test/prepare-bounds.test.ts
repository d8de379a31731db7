import { readFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_PREPARED_PIXELS, decodeToGray, prepareImage } from "../src/image";
import { DEFAULT_LIMITS } from "../src/limits";

/** A white photo of `width`×`height` with a dark bar across its top half, as JPEG. */
async function photo(width: number, height: number, orientation?: number): Promise<Uint8Array> {
  const bar = await sharp({
    create: {
      width: Math.floor(width / 2),
      height: Math.floor(height / 10),
      channels: 3,
      background: "#202020",
    },
  })
    .png()
    .toBuffer();
  const img = sharp({ create: { width, height, channels: 3, background: "#ffffff" } })
    .composite([{ input: bar, left: Math.floor(width / 4), top: Math.floor(height / 5) }])
    .jpeg({ quality: 80 });
  return orientation ? img.withMetadata({ orientation }).toBuffer() : img.toBuffer();
}

describe("preparing a very large photo", () => {
  it("decodes a 48 MP photo at no more than the prepared-pixel bound, keeping its shape", async () => {
    const bytes = await photo(8000, 6000);
    const gray = await decodeToGray(bytes, "image/jpeg", DEFAULT_LIMITS.maxImagePixels);
    expect(gray.width * gray.height).toBeLessThanOrEqual(DEFAULT_MAX_PREPARED_PIXELS);
    expect(gray.width * gray.height).toBeGreaterThan(DEFAULT_MAX_PREPARED_PIXELS * 0.95);
    expect(gray.data.length).toBe(gray.width * gray.height);
    expect(gray.width / gray.height).toBeCloseTo(8000 / 6000, 2);
  }, 60_000);

  it("bounds a photo turned by its EXIF orientation in its upright shape", async () => {
    const bytes = await photo(6000, 3000, 6);
    const gray = await decodeToGray(bytes, "image/jpeg", DEFAULT_LIMITS.maxImagePixels, 4_000_000);
    expect(gray.width * gray.height).toBeLessThanOrEqual(4_000_000);
    expect(gray.width * gray.height).toBeGreaterThan(3_800_000);
    // Upright, the 6000×3000 frame stands 3000 wide and 6000 high.
    expect(gray.height / gray.width).toBeCloseTo(2, 2);
  }, 60_000);

  it("bounds a HEIC photo the same way", async () => {
    const heic = new Uint8Array(
      await readFile(join(import.meta.dirname, "fixtures", "clean-price-list.heic")),
    );
    const gray = await decodeToGray(heic, "image/heic", 60_000_000, 1_000_000);
    expect(gray.width * gray.height).toBeLessThanOrEqual(1_000_000);
    expect(gray.width * gray.height).toBeGreaterThan(950_000);
    expect(gray.width / gray.height).toBeCloseTo(1240 / 1754, 2);
  }, 60_000);

  it("leaves a photo within the bound at its own size", async () => {
    const gray = await decodeToGray(await photo(1200, 900), "image/jpeg", 60_000_000, 4_000_000);
    expect([gray.width, gray.height]).toEqual([1200, 900]);
  });

  it("still prepares a bounded photo for OCR with the page's shape", async () => {
    const prepared = await prepareImage(await photo(6000, 4000), "image/jpeg", {
      maxImagePixels: DEFAULT_LIMITS.maxImagePixels,
      maxPreparedPixels: 2_000_000,
    });
    expect(prepared.width / prepared.height).toBeCloseTo(1.5, 1);
    const ocr = await sharp(prepared.ocrImage).metadata();
    expect(Math.max(ocr.width ?? 0, ocr.height ?? 0)).toBeGreaterThanOrEqual(1800);
  }, 60_000);
});
