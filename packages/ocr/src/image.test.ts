import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { isOcrError } from "./errors";
import { prepareImage } from "./image";

const blank = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: "#ffffff" } })
    .png()
    .toBuffer();

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return isOcrError(error) ? error.code : `not an OcrError: ${String(error)}`;
  }
}

describe("prepareImage on images of odd shapes", () => {
  it.each([
    [1, 1],
    [1, 20_000],
    [20_000, 1],
    [4, 4],
  ])("refuses a %i×%i image with IMAGE_TOO_SMALL", async (w, h) => {
    const png = await blank(w, h);
    expect(await codeOf(prepareImage(png, "image/png", { maxImagePixels: 60_000_000 }))).toBe(
      "IMAGE_TOO_SMALL",
    );
  });

  it("prepares a very thin strip instead of failing on its shape", async () => {
    // 60 000 px long: scaled to the OCR size its short side would round to nothing.
    const png = await blank(8, 60_000);
    const prepared = await prepareImage(png, "image/png", { maxImagePixels: 60_000_000 });
    expect(prepared.width).toBeGreaterThanOrEqual(1);
    expect(prepared.height).toBe(1600);
  });
});
