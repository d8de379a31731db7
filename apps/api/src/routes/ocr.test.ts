import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageOnlyPdf } from "../../../../packages/ocr/test/make-fixtures";
import { call, createTestApi, signUp, type TestApi, upload, waitFor } from "../../test/harness";

const FIXTURES = path.resolve(__dirname, "../../../../packages/ocr/test/fixtures");
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(FIXTURES, name)));

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi(
    {
      RATE_LIMIT_PER_MINUTE: "100000",
      UPLOADS_PER_MINUTE: "1000",
      MAX_OCR_BYTES: String(2 * 1024 * 1024),
    },
    { workers: true },
  );
});
afterAll(() => api.close());

type Scan = {
  id: string;
  status: string;
  error: string | null;
  pageCount: number;
  pages: { page: number; text: string; imageUrl: string | null }[];
  items: {
    title: string;
    price: number | null;
    sku: string | null;
    quantity: number | null;
    confidence?: Record<string, number>;
  }[];
};

async function uploadAndWait(token: string, name: string, bytes: Uint8Array) {
  const up = await upload<Scan>(api, "/v1/ocr/scans", { name, bytes }, { token });
  expect(up.status).toBe(201);
  return waitFor(async () => {
    const r = await call<Scan>(api, "GET", `/v1/ocr/scans/${up.body.id}`, { token });
    return r.body.status === "completed" || r.body.status === "failed" ? r.body : undefined;
  }, 90_000);
}

describe("OCR scans", () => {
  it("reads a clean price list into items with confidence, shows page images, and converts chosen items to draft listings", async () => {
    const s = await signUp(api);
    const scan = await uploadAndWait(
      s.accessToken,
      "price-list.png",
      fixture("clean-price-list.png"),
    );
    expect(scan.status).toBe("completed");
    const expected = JSON.parse(
      readFileSync(path.join(FIXTURES, "clean-price-list.expected.json"), "utf8"),
    ) as { items: { title: string; price: number; sku: string }[] };
    const skus = new Set(scan.items.map((i) => i.sku));
    const found = expected.items.filter((e) => skus.has(e.sku));
    expect(found.length / expected.items.length).toBeGreaterThanOrEqual(0.8);
    const drill = scan.items.find((i) => i.sku === expected.items[0]?.sku);
    expect(drill?.price).toBe(expected.items[0]?.price);
    expect(drill?.confidence?.title).toBeGreaterThan(0);
    const img = await api.app.request(scan.pages[0]?.imageUrl as string);
    expect(img.status).toBe(200);
    expect(img.headers.get("content-type")).toBe("image/png");
    // Page images are the seller's own and may be kept by their browser a while, not by shared caches.
    expect(img.headers.get("cache-control")).toBe("private, max-age=600");

    // Correct the first item, then convert two items.
    const items = scan.items.map((i, n) =>
      n === 0 ? { ...i, title: "Cordless Drill 18V (corrected)" } : i,
    );
    const patched = await call<Scan>(api, "PATCH", `/v1/ocr/scans/${scan.id}`, {
      token: s.accessToken,
      body: { items },
    });
    expect(patched.body.status).toBe("corrected");
    const conv = await call<{ created: number; changeSetId: string }>(
      api,
      "POST",
      `/v1/ocr/scans/${scan.id}/convert`,
      { token: s.accessToken, body: { items: [0, 1] } },
    );
    expect(conv.body.created).toBe(2);
    // Sent twice at once (a double click, a retry): the items become listings once.
    const [again, twice] = await Promise.all(
      [0, 1].map(() =>
        call<{
          created: number;
          changeSetId: string;
          errors: { index: number; message: string }[];
        }>(api, "POST", `/v1/ocr/scans/${scan.id}/convert`, {
          token: s.accessToken,
          body: { items: [0, 1, 2] },
        }),
      ),
    );
    expect([again?.body.created, twice?.body.created].sort()).toEqual([0, 1]);
    expect(again?.body.errors.map((e) => e.index)).toEqual(expect.arrayContaining([0, 1]));
    const converted = await call<{
      items: { title: string; source: string; sourceRef: string; status: string }[];
    }>(api, "GET", "/v1/listings?source=ocr", { token: s.accessToken });
    expect(converted.body.items).toHaveLength(3);
    const listings = await call<{
      items: { title: string; source: string; sourceRef: string; status: string }[];
    }>(api, "GET", "/v1/listings?source=ocr", { token: s.accessToken });
    expect(listings.body.items.map((l) => l.title)).toContain("Cordless Drill 18V (corrected)");
    expect(listings.body.items.every((l) => l.sourceRef === scan.id && l.status === "draft")).toBe(
      true,
    );
    await call(api, "POST", `/v1/change-sets/${conv.body.changeSetId}/undo`, {
      token: s.accessToken,
    });
    for (const r of [again, twice])
      if (r?.body.created)
        await call(api, "POST", `/v1/change-sets/${r.body.changeSetId}/undo`, {
          token: s.accessToken,
        });
    // Undone, they are no longer listings and can be converted again.
    const redo = await call<{ created: number; changeSetId: string }>(
      api,
      "POST",
      `/v1/ocr/scans/${scan.id}/convert`,
      {
        token: s.accessToken,
        body: { items: [0] },
      },
    );
    expect(redo.body.created).toBe(1);
    await call(api, "POST", `/v1/change-sets/${redo.body.changeSetId}/undo`, {
      token: s.accessToken,
    });
    expect(
      (
        await call<{ items: unknown[] }>(api, "GET", "/v1/listings?source=ocr", {
          token: s.accessToken,
        })
      ).body.items,
    ).toEqual([]);
  });

  it("uses a PDF's text layer", async () => {
    const s = await signUp(api);
    const scan = await uploadAndWait(s.accessToken, "catalog.pdf", fixture("text-layer.pdf"));
    expect(scan.status).toBe("completed");
    const expectedText = readFileSync(path.join(FIXTURES, "text-layer.expected.txt"), "utf8");
    const firstWords = expectedText.split(/\s+/).filter(Boolean).slice(0, 3).join(" ");
    expect(
      scan.pages
        .map((p) => p.text)
        .join("\n")
        .replace(/\s+/g, " "),
    ).toContain(firstWords);
  });

  it("refuses what is not an image or PDF (by content) and what is too large, and fails a corrupt image with a message", async () => {
    const s = await signUp(api);
    const svg = await upload<{ error: { code: string } }>(
      api,
      "/v1/ocr/scans",
      {
        name: "evil.png",
        bytes: new TextEncoder().encode(
          '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
      },
      { token: s.accessToken },
    );
    expect(svg.status).toBe(415);
    expect(svg.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    const html = await upload(
      api,
      "/v1/ocr/scans",
      {
        name: "a.pdf",
        bytes: new TextEncoder().encode("<!doctype html><html><body>hi</body></html>"),
      },
      { token: s.accessToken },
    );
    expect(html.status).toBe(415);
    const big = await upload(
      api,
      "/v1/ocr/scans",
      { name: "big.png", bytes: new Uint8Array(3 * 1024 * 1024) },
      { token: s.accessToken },
    );
    expect(big.status).toBe(413);
    const png = fixture("clean-price-list.png");
    const corrupt = new Uint8Array(png.subarray(0, 2000));
    const failed = await uploadAndWait(s.accessToken, "broken.png", corrupt);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/^[A-Z_]+: /);
    // The worker is still alive: a good file after the bad one completes.
    const ok = await uploadAndWait(s.accessToken, "price-list.png", png);
    expect(ok.status).toBe("completed");
  });

  it("keeps scans private", async () => {
    const a = await signUp(api);
    const b = await signUp(api);
    const up = await upload<Scan>(
      api,
      "/v1/ocr/scans",
      { name: "p.png", bytes: fixture("clean-price-list.png") },
      { token: a.accessToken },
    );
    for (const [m, p] of [
      ["GET", ""],
      ["PATCH", ""],
      ["POST", "/convert"],
      ["POST", "/rerun"],
      ["DELETE", ""],
      ["GET", "/pages/1/image"],
    ] as const)
      expect(
        (
          await call(api, m, `/v1/ocr/scans/${up.body.id}${p}`, {
            token: b.accessToken,
            body: m === "GET" || m === "DELETE" ? undefined : { items: [] },
          })
        ).status,
      ).toBe(404);
    expect(
      (await call<{ items: unknown[] }>(api, "GET", "/v1/ocr/scans", { token: b.accessToken })).body
        .items,
    ).toEqual([]);
  });

  it("cancelling a running scan stops its recognition: the next scan does not wait for its pages", async () => {
    const s = await signUp(api);
    const page = fixture("clean-price-list.png");
    const pages = 30;
    const big = await imageOnlyPdf(Array.from({ length: pages }, () => page));
    const up = await upload<Scan>(
      api,
      "/v1/ocr/scans",
      { name: "catalog.pdf", bytes: big },
      { token: s.accessToken },
    );
    expect(up.status).toBe(201);
    await waitFor(async () => {
      const r = await call<Scan>(api, "GET", `/v1/ocr/scans/${up.body.id}`, {
        token: s.accessToken,
      });
      return r.body.status === "processing" ? r.body : undefined;
    }, 60_000);
    // Let recognition get going on the first pages.
    await new Promise((r) => setTimeout(r, 1500));
    const cancelled = await call<Scan>(api, "POST", `/v1/ocr/scans/${up.body.id}/cancel`, {
      token: s.accessToken,
    });
    expect(cancelled.status).toBe(200);
    const t = performance.now();
    const next = await uploadAndWait(s.accessToken, "clean.png", page);
    const waited = performance.now() - t;
    expect(next.status).toBe("completed");
    expect(next.items.length).toBeGreaterThan(0);
    // 30 pages take 20 s or more; a scan queued behind a cancelled one starts within seconds.
    expect(waited).toBeLessThan(15_000);
    const after = await call<Scan>(api, "GET", `/v1/ocr/scans/${up.body.id}`, {
      token: s.accessToken,
    });
    expect(after.body.status).toBe("failed");
    expect(after.body.error).toMatch(/CANCELLED/);
    expect(after.body.items).toHaveLength(0);
  }, 120_000);
});
