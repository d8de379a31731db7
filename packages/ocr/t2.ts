import { readFile, writeFile } from "node:fs/promises";
import { createOcrEngine } from "./src/engine";
import { prepareImage } from "./src/image";
const e = await createOcrEngine({ workers: 1 });
for (const [f, m] of [["noisy-scan.jpg", "image/jpeg"], ["clean-price-list.png", "image/png"]] as const) {
  const b = await readFile(`test/fixtures/${f}`);
  let t = performance.now();
  const p = await prepareImage(b, m, { maxImagePixels: 6e7 });
  console.log(f, "prep", Math.round(performance.now() - t), p.skewDegrees, p.width, p.height, p.ocrScale, p.previewPng.length);
  await writeFile(`/tmp/${f}.prep.png`, p.ocrImage);
  t = performance.now();
  const r = await e.recognize(p.ocrImage);
  console.log(f, Math.round(performance.now() - t), r.confidence.toFixed(2), "\n" + r.text);
}
await e.close();
