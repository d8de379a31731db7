// Runs pdf.js in a worker thread so a hostile PDF (deflate bombs, deep nesting, endless
// content streams) can be cut off by the parent with terminate() and a heap cap, without
// hanging or killing the caller. Plain JavaScript because worker threads cannot load .ts.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";

const require = createRequire(import.meta.url);
const pdfjsRoot = dirname(require.resolve("pdfjs-dist/package.json"));

function post(message, transfer) {
  parentPort?.postMessage(message, transfer ?? []);
}

function fail(code, message) {
  post({ type: "error", code, message });
}

// Pages sent and not yet taken by the reader: rendering stops while `ahead` of them wait, so a
// long PDF is never held rendered in memory all at once. The reader says "more" for each it takes.
let credits = workerData.ahead ?? 2;
let wakeRenderer = null;
parentPort?.on("message", (m) => {
  if (m?.type !== "more") return;
  credits++;
  wakeRenderer?.();
});
async function takeCredit() {
  while (credits <= 0) await new Promise((resolve) => (wakeRenderer = resolve));
  wakeRenderer = null;
  credits--;
}

/** Splits a text item into words with boxes proportional to character count. */
function itemWords(item, viewport, Util) {
  const str = String(item.str ?? "");
  if (!str.trim()) return [];
  const tx = Util.transform(viewport.transform, item.transform);
  const fontHeight = Math.hypot(tx[2], tx[3]) || Math.abs(item.height * viewport.scale) || 1;
  const x0 = tx[4];
  const baseline = tx[5];
  const totalWidth = Math.max(1, (item.width ?? 0) * viewport.scale);
  const perChar = totalWidth / Math.max(1, str.length);
  const words = [];
  const re = /\S+/g;
  for (let m = re.exec(str); m !== null; m = re.exec(str)) {
    words.push({
      text: m[0],
      confidence: 1,
      box: {
        x: x0 + m.index * perChar,
        y: baseline - fontHeight * 0.8,
        width: m[0].length * perChar,
        height: fontHeight,
      },
    });
  }
  return words;
}

/**
 * The words of a page's text layer, read as pdf.js streams it and given up (with
 * PDF_TOO_COMPLEX, returning null) as soon as the page has more text items or characters than
 * allowed: a content stream of millions of tiny strings would otherwise keep the reader and the
 * layout after it busy for minutes. No catalog page comes near the limits.
 */
async function pageWords(page, n, viewport, Util, { maxPageTextItems, maxPageTextChars }) {
  const words = [];
  let items = 0;
  let chars = 0;
  // The stream is left as it is when the page is given up: cancelling it while pdf.js closes it
  // throws inside pdf.js, and the reader ends this thread on the error anyway.
  const reader = page.streamTextContent().getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return words;
    for (const item of value?.items ?? []) {
      if (!("str" in item)) continue;
      items++;
      chars += String(item.str ?? "").length;
      if (items > maxPageTextItems || chars > maxPageTextChars) {
        fail(
          "PDF_TOO_COMPLEX",
          items > maxPageTextItems
            ? `Page ${n}'s text layer has more than ${maxPageTextItems} pieces of text.`
            : `Page ${n}'s text layer has more than ${maxPageTextChars} characters.`,
        );
        return null;
      }
      words.push(...itemWords(item, viewport, Util));
    }
  }
}

async function main() {
  const { bytes, maxPages, maxPageSidePoints, maxRenderPixels, scale, minTextChars } = workerData;
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const { createCanvas } = await import("@napi-rs/canvas");
  let doc;
  try {
    doc = await pdfjs.getDocument({
      data: bytes,
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      enableXfa: false,
      verbosity: 0,
      standardFontDataUrl: `${join(pdfjsRoot, "standard_fonts")}/`,
      cMapUrl: `${join(pdfjsRoot, "cmaps")}/`,
      cMapPacked: true,
    }).promise;
  } catch (error) {
    const name = error?.name ?? "";
    if (name === "PasswordException")
      return fail("ENCRYPTED_PDF", "The PDF is password-protected.");
    return fail("CORRUPT_PDF", `The PDF could not be opened: ${error?.message ?? error}`);
  }
  const pages = doc.numPages;
  post({ type: "meta", pages });
  if (pages > maxPages) {
    return fail("TOO_MANY_PAGES", `The PDF has ${pages} pages; the limit is ${maxPages}.`);
  }
  for (let n = 1; n <= pages; n++) {
    await takeCredit();
    const page = await doc.getPage(n);
    const base = page.getViewport({ scale: 1 });
    if (
      !(base.width > 0 && base.height > 0) ||
      base.width > maxPageSidePoints ||
      base.height > maxPageSidePoints
    ) {
      return fail(
        "PAGE_TOO_LARGE",
        `Page ${n} measures ${Math.round(base.width)}×${Math.round(base.height)} pt.`,
      );
    }
    const fit = Math.sqrt(maxRenderPixels / (base.width * base.height));
    const viewport = page.getViewport({ scale: Math.min(scale, fit) });
    const words = await pageWords(page, n, viewport, pdfjs.Util, workerData);
    if (!words) return;
    const chars = words.reduce((sum, w) => sum + w.text.length, 0);
    const width = Math.max(1, Math.ceil(viewport.width));
    const height = Math.max(1, Math.ceil(viewport.height));
    const canvas = createCanvas(width, height);
    const context = canvas.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, width, height);
    await page.render({ canvasContext: context, canvas, viewport }).promise;
    const png = await canvas.encode("png");
    page.cleanup();
    const data = new Uint8Array(png.buffer, png.byteOffset, png.byteLength).slice();
    post(
      {
        type: "page",
        page: n,
        width,
        height,
        scale: viewport.scale,
        hasTextLayer: chars >= minTextChars,
        words: chars >= minTextChars ? words : [],
        png: data,
      },
      [data.buffer],
    );
  }
  await doc.destroy();
  post({ type: "done" });
  // The port listener would keep the thread alive; the reader terminates it anyway.
  parentPort?.removeAllListeners("message");
}

main().catch((error) => {
  fail("CORRUPT_PDF", `The PDF could not be read: ${error?.message ?? error}`);
});
