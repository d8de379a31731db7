import { Worker } from "node:worker_threads";
import sharp from "sharp";
import { OcrError, type OcrErrorCode } from "./errors";

/** Image prepared for OCR plus a small preview in the coordinate space reported to callers. */
export interface PreparedImage {
  /** Grayscale PNG handed to the OCR engine. */
  ocrImage: Uint8Array;
  /** ocrImage pixels per preview pixel; OCR boxes are divided by it. */
  ocrScale: number;
  /** Preview PNG (deskewed, lighting flattened) that word boxes refer to. */
  previewPng: Uint8Array;
  width: number;
  height: number;
  /** Skew that was corrected, in degrees (positive = text ran downhill to the right). */
  skewDegrees: number;
}

/** Tuning knobs of {@link prepareImage}; defaults suit phone photos and 150–300 dpi scans. */
export interface PrepareOptions {
  maxImagePixels: number;
  /** Images above this many pixels are scaled down to it before clean-up (default 16 MP). */
  maxPreparedPixels?: number;
  /** Longest side of the OCR image is raised to at least this (default 1800). */
  minOcrSide?: number;
  /** ...and lowered to at most this (default 3600). */
  maxOcrSide?: number;
  /** Longest side of the preview PNG (default 1600). */
  maxPreviewSide?: number;
  /** Skip deskew (text-layer renders are never skewed). */
  deskew?: boolean;
  /** Skip background flattening (clean renders do not need it). */
  flatten?: boolean;
}

/** A decoded single-channel image, one byte per pixel. */
export interface Gray {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Pixels an image is prepared at, at most. The OCR image's longest side ends at 3600 px anyway, and
 * 16 MP still holds that at any aspect ratio, so text stays as legible; the clean-up holds about
 * 10 bytes a pixel, so a 60 MP photo would otherwise take over half a gigabyte.
 */
export const DEFAULT_MAX_PREPARED_PIXELS = 16_000_000;

/** `width`×`height` scaled (aspect kept) to at most `maxPixels`; null when it already fits. */
function fitPixels(
  width: number,
  height: number,
  maxPixels: number,
): { width: number; height: number } | null {
  if (width * height <= maxPixels) return null;
  const scale = Math.sqrt(maxPixels / (width * height));
  return {
    width: Math.max(1, Math.floor(width * scale)),
    height: Math.max(1, Math.floor(height * scale)),
  };
}

/**
 * The largest coded size any `ispe` (image spatial extents) property of a HEIC declares, read
 * before the WASM decoder allocates for it; null when there is none. A grid image declares its
 * full size in one `ispe` and its tiles' in others, so the first one found may be a small tile's.
 * Only a whole box matches (size 20, version and flags 0), not the four letters inside image data.
 */
export function heicDimensions(bytes: Uint8Array): { width: number; height: number } | null {
  let best: { width: number; height: number } | null = null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 4; i + 16 <= bytes.length; i++) {
    if (
      bytes[i] !== 0x69 ||
      bytes[i + 1] !== 0x73 ||
      bytes[i + 2] !== 0x70 ||
      bytes[i + 3] !== 0x65 ||
      view.getUint32(i - 4) !== 20 ||
      view.getUint32(i + 4) !== 0
    )
      continue;
    const width = view.getUint32(i + 8);
    const height = view.getUint32(i + 12);
    if (!best || width * height > best.width * best.height) best = { width, height };
  }
  return best;
}

type HeicWorkerMessage =
  | { type: "gray"; data: Uint8Array; width: number; height: number }
  | { type: "error"; code: OcrErrorCode; message: string };

/**
 * Decodes a HEIC in a worker thread (src/heic-worker.mjs) to grayscale of at most
 * `maxPreparedPixels`. The decoder works at full size only and its WebAssembly memory never
 * shrinks, so the full-size pixels live and die with the worker; this thread only ever holds the
 * scaled-down gray image.
 */
function decodeHeicToGray(
  bytes: Uint8Array,
  maxImagePixels: number,
  maxPreparedPixels: number,
  timeoutMs: number,
): Promise<Gray> {
  const copy = bytes.slice();
  const worker = new Worker(new URL("./heic-worker.mjs", import.meta.url), {
    workerData: { bytes: copy, maxImagePixels, maxPreparedPixels },
    transferList: [copy.buffer as ArrayBuffer],
    // libheif reports some failures with console.log; they become the error below instead.
    stdout: true,
    stderr: true,
  });
  worker.stdout.resume();
  worker.stderr.resume();
  let timer: NodeJS.Timeout | undefined;
  return new Promise<Gray>((resolve, reject) => {
    // A decode that never ends would hold the scan (and its slot) for good.
    timer = setTimeout(
      () =>
        reject(
          new OcrError("TIMEOUT", `Decoding the HEIC image took longer than ${timeoutMs} ms.`),
        ),
      timeoutMs,
    );
    worker.once("message", (m: HeicWorkerMessage) => {
      if (m.type === "gray") resolve({ data: m.data, width: m.width, height: m.height });
      else reject(new OcrError(m.code, m.message));
    });
    worker.once("error", (error) =>
      reject(
        new OcrError("CORRUPT_IMAGE", `The HEIC image could not be decoded: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    worker.once("exit", () =>
      reject(new OcrError("CORRUPT_IMAGE", "The HEIC decoder stopped unexpectedly.")),
    );
  }).finally(() => {
    clearTimeout(timer);
    return worker.terminate();
  });
}

/** How long a HEIC may take to decode (a 48 MP photo takes about 2 s). */
export const HEIC_DECODE_TIMEOUT_MS = 60_000;

/**
 * Decodes an upload to upright grayscale, scaled down to at most `maxPreparedPixels` (aspect
 * kept). Throws CORRUPT_IMAGE, or IMAGE_TOO_LARGE above `maxImagePixels` (declared or decoded).
 */
export async function decodeToGray(
  bytes: Uint8Array,
  mimeType: string,
  maxImagePixels: number,
  maxPreparedPixels = DEFAULT_MAX_PREPARED_PIXELS,
  heicTimeoutMs = HEIC_DECODE_TIMEOUT_MS,
): Promise<Gray> {
  if (mimeType === "image/heic") {
    const size = heicDimensions(bytes);
    // Every HEIF image item carries one; without it there is no size to check before decoding.
    if (!size) throw new OcrError("CORRUPT_IMAGE", "The HEIC image declares no size.");
    if (size.width * size.height > maxImagePixels) {
      throw new OcrError("IMAGE_TOO_LARGE", `The image has ${size.width}×${size.height} pixels.`);
    }
    return decodeHeicToGray(bytes, maxImagePixels, maxPreparedPixels, heicTimeoutMs);
  }
  const pipeline = sharp(bytes, { limitInputPixels: maxImagePixels, failOn: "error", pages: 1 });
  /** The decoded size, upright (after the EXIF orientation), when it is over `maxPreparedPixels`. */
  let fit: { width: number; height: number } | null = null;
  try {
    // The header's size, read without decoding; orientations 5–8 turn the image a quarter.
    const meta = await pipeline.metadata();
    if (meta.width && meta.height) {
      const turned = (meta.orientation ?? 1) >= 5;
      fit = turned
        ? fitPixels(meta.height, meta.width, maxPreparedPixels)
        : fitPixels(meta.width, meta.height, maxPreparedPixels);
    }
    // rotate() with no angle applies the EXIF orientation, so phone photos come out upright;
    // the scale-down happens while decoding (JPEG even decodes at a fraction of its size).
    const upright = pipeline.rotate();
    const scaled = fit ? upright.resize({ ...fit, fit: "inside" }) : upright;
    const { data, info } = await scaled
      .flatten({ background: "#ffffff" })
      .grayscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(message)) {
      throw new OcrError("IMAGE_TOO_LARGE", `The image exceeds ${maxImagePixels} pixels.`, {
        cause: error,
      });
    }
    throw new OcrError("CORRUPT_IMAGE", `The image could not be decoded: ${message}`, {
      cause: error,
    });
  }
}

/**
 * Divides out the paper's brightness so shadows and lamp fall-off do not turn into black
 * blobs when tesseract binarises: the background is the 90th-percentile level of coarse
 * blocks, bilinearly interpolated. The result is also contrast-stretched.
 */
export function flattenBackground(img: Gray): Gray {
  const { data, width, height } = img;
  const block = Math.max(16, Math.round(Math.max(width, height) / 48));
  const bw = Math.ceil(width / block);
  const bh = Math.ceil(height / block);
  const levels = new Float32Array(bw * bh);
  const hist = new Uint32Array(256);
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      hist.fill(0);
      let n = 0;
      const y1 = Math.min(height, (by + 1) * block);
      const x1 = Math.min(width, (bx + 1) * block);
      for (let y = by * block; y < y1; y++) {
        const row = y * width;
        for (let x = bx * block; x < x1; x++) {
          hist[data[row + x] ?? 0] = (hist[data[row + x] ?? 0] ?? 0) + 1;
          n++;
        }
      }
      let target = n * 0.9;
      let v = 0;
      for (; v < 255; v++) {
        target -= hist[v] ?? 0;
        if (target <= 0) break;
      }
      levels[by * bw + bx] = Math.max(v, 40);
    }
  }
  // A 3×3 max then mean keeps big dark regions (photos, thick headings) from being read as
  // shadow.
  const smooth = new Float32Array(bw * bh);
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      let sum = 0;
      let count = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = by + dy;
          const xx = bx + dx;
          if (yy < 0 || yy >= bh || xx < 0 || xx >= bw) continue;
          sum += levels[yy * bw + xx] ?? 255;
          count++;
        }
      }
      smooth[by * bw + bx] = Math.max(levels[by * bw + bx] ?? 255, sum / count);
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = Math.min(bh - 1, Math.max(0, (y + 0.5) / block - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(bh - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(bw - 1, Math.max(0, (x + 0.5) / block - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(bw - 1, x0 + 1);
      const tx = fx - x0;
      const top = (smooth[y0 * bw + x0] ?? 255) * (1 - tx) + (smooth[y0 * bw + x1] ?? 255) * tx;
      const bottom = (smooth[y1 * bw + x0] ?? 255) * (1 - tx) + (smooth[y1 * bw + x1] ?? 255) * tx;
      const bg = top * (1 - ty) + bottom * ty;
      const v = ((data[y * width + x] ?? 255) * 255) / bg;
      out[y * width + x] = Math.min(v, 255);
    }
  }
  // Contrast stretch here (cheaper than a second libvips histogram pass): the darkest 1% of
  // pixels becomes black, paper becomes white.
  const histogram = new Uint32Array(256);
  for (const v of out) histogram[v | 0] = (histogram[v | 0] ?? 0) + 1;
  let remaining = out.length * 0.01;
  let low = 0;
  for (; low < 254; low++) {
    remaining -= histogram[low] ?? 0;
    if (remaining <= 0) break;
  }
  // Paper noise sits just below the flattened background level; a white point under 255
  // turns that speckle white before tesseract binarises.
  const white = 225;
  const gain = 255 / Math.max(1, white - low);
  const stretched = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const v = ((out[i] ?? 255) - low) * gain;
    stretched[i] = Math.min(255, Math.max(0, v));
  }
  return { data: stretched, width, height };
}

/**
 * Estimates small page skew (±8°) by maximising the variance of the horizontal projection
 * profile of dark pixels: text lines line up into sharp peaks only at the right angle.
 */
export function estimateSkew(img: Gray): number {
  const { data, width, height } = img;
  const step = Math.max(1, Math.round(Math.max(width, height) / 1000));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < height; y += step) {
    for (let x = 0; x < width; x += step) {
      if ((data[y * width + x] ?? 255) < 110) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  if (xs.length < 200) return 0;
  const bins = new Float64Array(Math.ceil((height + width * 0.3) / step) + 2);
  const offset = Math.ceil((width * 0.15) / step) + 1;
  const score = (degrees: number): number => {
    const t = Math.tan((degrees * Math.PI) / 180);
    bins.fill(0);
    for (let i = 0; i < xs.length; i++) {
      const b = Math.round(((ys[i] ?? 0) - (xs[i] ?? 0) * t) / step) + offset;
      if (b >= 0 && b < bins.length) bins[b] = (bins[b] ?? 0) + 1;
    }
    let s = 0;
    for (const v of bins) s += v * v;
    return s;
  };
  let best = 0;
  let bestScore = score(0);
  for (let a = -8; a <= 8; a += 0.5) {
    const s = score(a);
    if (s > bestScore) {
      bestScore = s;
      best = a;
    }
  }
  const coarse = best;
  for (let a = coarse - 0.5; a <= coarse + 0.5; a += 0.1) {
    const s = score(a);
    if (s > bestScore) {
      bestScore = s;
      best = a;
    }
  }
  return Math.round(best * 10) / 10;
}

/**
 * Decodes an upload (HEIC through heic-decode, the rest through sharp), applies EXIF
 * orientation, flattens uneven lighting, corrects skew, stretches contrast and scales to a
 * size tesseract reads well. Throws CORRUPT_IMAGE or IMAGE_TOO_LARGE.
 */
export async function prepareImage(
  bytes: Uint8Array,
  mimeType: string,
  options: PrepareOptions,
): Promise<PreparedImage> {
  const decoded = await decodeToGray(
    bytes,
    mimeType,
    options.maxImagePixels,
    options.maxPreparedPixels ?? DEFAULT_MAX_PREPARED_PIXELS,
  );
  // No line of text fits in fewer pixels; the filters below cannot work on less either.
  if (decoded.width < MIN_SIDE || decoded.height < MIN_SIDE) {
    throw new OcrError(
      "IMAGE_TOO_SMALL",
      `The image is ${decoded.width}×${decoded.height} pixels; each side needs at least ${MIN_SIDE}.`,
    );
  }
  try {
    return await cleanUp(decoded, options);
  } catch (error) {
    // The file decoded, so this is about its shape (an extreme aspect ratio, say): the same
    // upload would fail the same way again.
    const message = error instanceof Error ? error.message : String(error);
    throw new OcrError("CORRUPT_IMAGE", `The image could not be prepared for OCR: ${message}`, {
      cause: error,
    });
  }
}

/** Shortest side, in pixels, of an image worth reading. */
const MIN_SIDE = 8;

async function cleanUp(decoded: Gray, options: PrepareOptions): Promise<PreparedImage> {
  const flat = options.flatten === false ? decoded : flattenBackground(decoded);
  const skew = options.deskew === false ? 0 : estimateSkew(flat);
  let base = sharp(Buffer.from(flat.data.buffer, flat.data.byteOffset, flat.data.byteLength), {
    raw: { width: flat.width, height: flat.height, channels: 1 },
  });
  let width = flat.width;
  let height = flat.height;
  if (Math.abs(skew) >= 0.3) {
    const rotated = await base
      .rotate(-skew, { background: "#ffffff" })
      // Rotating adds a background channel layout of its own; keep exactly one channel.
      .removeAlpha()
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    width = rotated.info.width;
    height = rotated.info.height;
    base = sharp(rotated.data, { raw: { width, height, channels: 1 } });
  }
  const longest = Math.max(width, height);
  const minSide = options.minOcrSide ?? 1800;
  const maxSide = options.maxOcrSide ?? 3600;
  const ocrLongest = Math.round(Math.min(maxSide, Math.max(minSide, longest), longest * 3));
  const previewLongest = Math.min(options.maxPreviewSide ?? 1600, longest);
  const previewScale = previewLongest / longest;
  const ocrScale = ocrLongest / previewLongest;
  // A 3×3 median removes sensor speckle that tesseract would otherwise read as punctuation
  // (decimal points vanish in it); clean renders skip it to keep thin strokes intact.
  const denoised = options.flatten === false ? base : base.median(3);
  // flattenBackground already stretched contrast; unflattened input gets libvips' version.
  const normalised =
    options.flatten === false ? denoised.normalise({ lower: 1, upper: 99 }) : denoised;
  // Materialise once: normalise needs a full histogram pass, and both outputs share it.
  const flatRaw = await normalised.toColourspace("b-w").raw().toBuffer();
  const fromRaw = () => sharp(flatRaw, { raw: { width, height, channels: 1 } });
  const [ocrImage, previewPng] = await Promise.all([
    fromRaw()
      .resize({
        width: Math.max(1, Math.round(width * (ocrLongest / longest))),
        kernel: "lanczos3",
      })
      .toColourspace("b-w")
      .png({ compressionLevel: 1, adaptiveFiltering: false })
      .toBuffer(),
    fromRaw()
      .resize({ width: Math.max(1, Math.round(width * previewScale)) })
      .toColourspace("b-w")
      .png({ compressionLevel: 6, palette: true, colours: 8, dither: 0, effort: 1 })
      .toBuffer(),
  ]);
  return {
    ocrImage,
    ocrScale,
    previewPng,
    width: Math.max(1, Math.round(width * previewScale)),
    height: Math.max(1, Math.round(height * previewScale)),
    skewDegrees: skew,
  };
}
