// Decodes one HEIC in a worker thread and hands back grayscale at most `maxPreparedPixels`.
// heic-decode's WebAssembly decoder only decodes at full size (about 12 bytes a pixel at its
// peak, 550 MB for a 48 MP photo), and a WebAssembly memory never shrinks: decoded in the
// caller's thread, one large photo would stay resident for the life of the process. The worker's
// memory goes when it exits. Plain JavaScript because worker threads cannot load .ts.
import { parentPort, workerData } from "node:worker_threads";
import heicDecode from "heic-decode";
import sharp from "sharp";

const { bytes, maxImagePixels, maxPreparedPixels } = workerData;

function fail(code, message) {
  parentPort?.postMessage({ type: "error", code, message });
}

/** `width`×`height` scaled (aspect kept) to at most `maxPixels`; null when it already fits. */
function fitPixels(width, height, maxPixels) {
  if (width * height <= maxPixels) return null;
  const scale = Math.sqrt(maxPixels / (width * height));
  return {
    width: Math.max(1, Math.floor(width * scale)),
    height: Math.max(1, Math.floor(height * scale)),
  };
}

async function run() {
  let images;
  try {
    // Reads the container only: the sizes as the decoder sees them, before any pixel is decoded.
    images = await heicDecode.all({ buffer: bytes });
  } catch {
    return fail("CORRUPT_IMAGE", "The HEIC image could not be decoded.");
  }
  let decoded;
  try {
    const first = images[0];
    if (!first) return fail("CORRUPT_IMAGE", "The HEIC image could not be decoded.");
    if (first.width * first.height > maxImagePixels) {
      return fail("IMAGE_TOO_LARGE", `The image has ${first.width}×${first.height} pixels.`);
    }
    decoded = await first.decode();
  } catch {
    return fail("CORRUPT_IMAGE", "The HEIC image could not be decoded.");
  } finally {
    images.dispose();
  }
  const { width, height } = decoded;
  if (width * height > maxImagePixels) {
    return fail("IMAGE_TOO_LARGE", `The image has ${width}×${height} pixels.`);
  }
  const rgba = Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
  decoded = undefined;
  const fit = fitPixels(width, height, maxPreparedPixels);
  try {
    // libheif has already turned the pixels upright (irot/imir), so no EXIF rotation here.
    const input = sharp(rgba, { raw: { width, height, channels: 4 } });
    const { data, info } = await (fit ? input.resize({ ...fit, fit: "inside" }) : input)
      .flatten({ background: "#ffffff" })
      .grayscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const gray = new Uint8Array(data);
    parentPort?.postMessage({ type: "gray", data: gray, width: info.width, height: info.height }, [
      gray.buffer,
    ]);
  } catch (error) {
    fail("CORRUPT_IMAGE", `The image could not be decoded: ${error?.message ?? error}`);
  }
}

await run();
