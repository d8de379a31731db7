/**
 * Runs the OCR pipeline in a worker thread: image preparation, PDF handling, recognition and
 * extraction all happen off the main event loop, which keeps serving HTTP while pages are read.
 */
import { parentPort } from "node:worker_threads";
import { createOcrEngine, isOcrError, type OcrEngine, processScan } from "@mbe/ocr";

let engine: Promise<OcrEngine> | undefined;
const port = parentPort;
if (!port) throw new Error("ocr thread must run as a worker thread");

port.on("message", async (msg: { id: number; bytes: Uint8Array } | { close: true }) => {
  if ("close" in msg) {
    await (await engine)?.close();
    port.close();
    return;
  }
  try {
    // A start that failed is not kept: the next scan tries again.
    engine ??= createOcrEngine({ workers: 2 }).catch((err) => {
      engine = undefined;
      throw err;
    });
    const result = await processScan({
      bytes: msg.bytes,
      engine: await engine,
      onProgress: (progress) => port.postMessage({ id: msg.id, progress }),
    });
    port.postMessage({ id: msg.id, result });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    port.postMessage({
      id: msg.id,
      error: {
        ocr: isOcrError(err),
        code: e.code ?? "OCR_FAILED",
        message: e.message ?? String(err),
      },
    });
  }
});
