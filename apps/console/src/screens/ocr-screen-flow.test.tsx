import { act } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OcrScreen, scanFileProblem, scanProgress, scanProgressText } from "./ocr-screen";
import { type Mounted, mountWithApp, settle, until } from "./screen-test-harness";

const api = vi.hoisted(() => ({
  ocr: {
    list: { query: vi.fn() },
    byId: { query: vi.fn() },
    upload: { mutate: vi.fn() },
    update: { mutate: vi.fn() },
    convert: { mutate: vi.fn() },
    rerun: { mutate: vi.fn() },
    cancel: { mutate: vi.fn() },
    remove: { mutate: vi.fn() },
  },
}));
vi.mock("../api/client", () => ({ api }));

const item = (title: string, listingId?: string) => ({
  title,
  price: 10,
  currency: "USD",
  description: "",
  page: 1,
  ...(listingId ? { listingId } : {}),
});
const scan = (status: string, extra: Record<string, unknown> = {}) => ({
  id: "scan-1",
  fileName: "prices.pdf",
  mimeType: "application/pdf",
  size: 100,
  pageCount: 1,
  status,
  engine: "tesseract",
  pages: [
    {
      page: 1,
      text: "Drill 10",
      confidence: 0.9,
      source: "ocr",
      width: 10,
      height: 10,
      imageUrl: null,
    },
  ],
  items: [item("Drill"), item("Saw")],
  processingMs: 1,
  progress: null,
  error: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  ...extra,
});

let m: Mounted | null = null;
beforeEach(() => {
  for (const p of Object.values(api.ocr)) for (const f of Object.values(p)) f.mockReset();
  api.ocr.list.query.mockResolvedValue({
    items: [
      {
        id: "scan-1",
        fileName: "prices.pdf",
        status: "completed",
        pageCount: 1,
        itemCount: 2,
        createdAt: "2026-01-01T00:00:00.000Z",
      },
    ],
  });
});
afterEach(async () => {
  await m?.unmount();
  m = null;
});

const button = (text: string) =>
  [...(m?.host.querySelectorAll("button") ?? [])].find((b) => b.textContent?.includes(text));

async function pick(files: File[]) {
  const input = m?.host.querySelector<HTMLInputElement>('input[type="file"]');
  if (!input) throw new Error("no file input");
  Object.defineProperty(input, "files", { value: files, configurable: true });
  await act(async () => input.dispatchEvent(new Event("change", { bubbles: true })));
  await settle();
}

describe("OCR scan progress", () => {
  it("never shows more pages read than the file has, and says what it is doing", () => {
    expect(scanProgress({ progress: { page: 3, pages: 1, stage: "render" } })).toMatchObject({
      processed: 1,
      total: 1,
    });
    expect(
      scanProgressText({ status: "processing", progress: { page: 2, pages: 5, stage: "ocr" } }),
    ).toBe("Page 2 of 5 · reading the text…");
    expect(scanProgressText({ status: "pending", progress: null })).toBe(
      "Waiting for a free reader…",
    );
  });

  it("caps the progress bar at 100 % while the page count is still being read", async () => {
    api.ocr.upload.mutate.mockResolvedValue(
      scan("processing", { items: [], progress: { page: 4, pages: 2, stage: "render" } }),
    );
    api.ocr.byId.query.mockReturnValue(new Promise(() => {}));
    m = await mountWithApp(<OcrScreen />);
    await pick([new File(["%PDF-1.7"], "prices.pdf", { type: "application/pdf" })]);
    const bar = m.host.querySelector('[role="progressbar"]');
    expect(bar?.getAttribute("aria-valuenow")).toBe("100");
  });

  it("keeps polling a running scan after a poll fails, and shows it when done", async () => {
    api.ocr.upload.mutate.mockResolvedValue(
      scan("processing", { items: [], progress: { page: 4, pages: 2, stage: "render" } }),
    );
    api.ocr.byId.query
      .mockRejectedValueOnce(new Error("Network error"))
      .mockResolvedValue(scan("completed"));
    m = await mountWithApp(<OcrScreen />);
    await pick([new File(["%PDF-1.7"], "prices.pdf", { type: "application/pdf" })]);
    await until(() => !!m?.host.querySelector('[data-testid="ocr-items"]'), 8000);
    expect(api.ocr.byId.query).toHaveBeenCalledTimes(2);
    expect(m.toasts.filter((t) => t.kind === "error")).toHaveLength(1);
  }, 15_000);
});

describe("OCR uploads", () => {
  it("refuses files that cannot be scanned before uploading them, with the reason", async () => {
    expect(scanFileProblem({ name: "list.docx", type: "application/msword", size: 10 })).toMatch(
      /PDF/,
    );
    expect(scanFileProblem({ name: "photo.JPG", type: "", size: 10 })).toBeNull();
    expect(scanFileProblem({ name: "empty.png", type: "image/png", size: 0 })).toMatch(/empty/);
    m = await mountWithApp(<OcrScreen />);
    await pick([new File(["x"], "notes.docx", { type: "application/msword" })]);
    expect(api.ocr.upload.mutate).not.toHaveBeenCalled();
    expect(m.toasts.at(-1)?.text).toMatch(/^notes\.docx: only photos/);
  });
});

describe("OCR upload batches", () => {
  it("does not start a second batch while one is uploading, and says why", async () => {
    let answer: (v: unknown) => void = () => {};
    api.ocr.upload.mutate.mockImplementation(
      () =>
        new Promise((r) => {
          answer = r;
        }),
    );
    api.ocr.byId.query.mockReturnValue(new Promise(() => {}));
    m = await mountWithApp(<OcrScreen />);
    await pick([new File(["%PDF-1.7"], "a.pdf", { type: "application/pdf" })]);
    await pick([new File(["%PDF-1.7"], "b.pdf", { type: "application/pdf" })]);
    expect(api.ocr.upload.mutate).toHaveBeenCalledTimes(1);
    expect(m.toasts.at(-1)?.text).toMatch(/Wait until/);
    await act(async () => answer(scan("completed")));
    await settle();
    expect(button("Choose files…")?.disabled).toBe(false);
  });
});

describe("OCR conversion", () => {
  it("converts once: a second click is ignored and converted items are not offered again", async () => {
    api.ocr.byId.query
      .mockResolvedValueOnce(scan("completed"))
      .mockResolvedValue(scan("completed", { items: [item("Drill", "l-1"), item("Saw", "l-2")] }));
    let answer: (v: unknown) => void = () => {};
    api.ocr.convert.mutate.mockImplementation(
      () =>
        new Promise((r) => {
          answer = r;
        }),
    );
    m = await mountWithApp(<OcrScreen />);
    await settle();
    await act(async () => button("Open")?.click());
    await settle();
    const create = button("Create 2 draft listings");
    await act(async () => {
      create?.click();
      create?.click();
    });
    expect(api.ocr.convert.mutate).toHaveBeenCalledTimes(1);
    await act(async () =>
      answer({ created: 2, changeSetId: "cs", listingIds: ["l-1", "l-2"], errors: [] }),
    );
    await settle();
    expect(button("Create 0 draft listings")?.disabled).toBe(true);
    const box = m.host.querySelector<HTMLInputElement>(
      'input[aria-label="Item 1 is already a listing"]',
    );
    expect(box?.disabled).toBe(true);
  });
});
