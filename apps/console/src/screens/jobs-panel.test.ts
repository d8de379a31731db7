import { describe, expect, it } from "vitest";
import type { Outputs } from "../api/client";
import type { ImportView } from "../lib/import-wizard";
import { jobRows } from "./jobs-panel";
import { searchPath } from "./search-screen";

type ExportJob = Outputs["exports"]["byId"];

const imp = (p: Partial<ImportView>) =>
  ({
    id: "i1",
    fileName: "stock.csv",
    status: "committed",
    counts: { create: 1200, update: 3 },
    progress: null,
    error: null,
    createdAt: "2026-01-01T10:00:00.000Z",
    ...p,
  }) as ImportView;
const exp = (p: Partial<ExportJob>) =>
  ({
    id: "e1",
    format: "csv",
    marketplace: "ebay",
    status: "completed",
    rowCount: 40,
    error: null,
    progress: null,
    downloadUrl: "/v1/exports/e1/download?sig=x",
    createdAt: "2026-01-01T11:00:00.000Z",
    ...p,
  }) as ExportJob;

describe("jobs panel rows", () => {
  it("merges imports and exports newest first and marks what is still running", () => {
    const rows = jobRows(
      [
        imp({}),
        imp({
          id: "i2",
          status: "committing",
          progress: { processed: 10, total: 40 },
          createdAt: "2026-01-01T12:00:00.000Z",
        }),
      ],
      [exp({}), exp({ id: "e2", status: "running", createdAt: "2026-01-01T09:00:00.000Z" })],
    );
    expect(rows.map((r) => `${r.kind}:${r.id}:${r.running}`)).toEqual([
      "import:i2:true",
      "export:e1:false",
      "import:i1:false",
      "export:e2:true",
    ]);
    expect(rows[0]?.progress).toEqual({ processed: 10, total: 40 });
    expect(rows[1]?.title).toBe("eBay CSV export");
    expect(rows[1]?.href).toContain("/download");
    expect(rows[2]?.detail).toMatch(/^1,?200 new · 3 updated$/);
  });

  it("lists OCR scans with their page progress", () => {
    const rows = jobRows(
      [],
      [],
      [
        {
          id: "s1",
          fileName: "prices.pdf",
          status: "processing",
          pageCount: null,
          itemCount: 0,
          error: null,
          createdAt: "2026-01-01T10:00:00.000Z",
          progress: { page: 2, pages: 5, stage: "ocr" },
        } as unknown as Outputs["ocr"]["list"]["items"][number],
      ],
    );
    expect(rows[0]).toMatchObject({
      kind: "scan",
      running: true,
      progress: { processed: 2, total: 5 },
    });
  });

  it("names an export by the file it produced, zip included", () => {
    const title = (p: Partial<ExportJob>) => jobRows([], [exp(p)])[0]?.title;
    const at = "marketplace-listings-20260101-110000";
    expect(title({ format: "xlsx", marketplace: "facebook", fileName: `${at}.zip` })).toBe(
      "Facebook XLSX export (zip)",
    );
    expect(title({ format: "xlsx", marketplace: "facebook", fileName: `${at}.xlsx` })).toBe(
      "Facebook XLSX export",
    );
    expect(title({ format: "csv", marketplace: "generic", fileName: `${at}.csv` })).toBe(
      "CSV export",
    );
    // Until the file exists nobody knows whether it will be zipped.
    expect(
      title({ format: "xlsx", marketplace: "facebook", status: "running", fileName: null }),
    ).toBe("Facebook XLSX export");
  });

  it("shows why a job failed", () => {
    const [row] = jobRows([imp({ status: "failed", error: "Bad header row" })], []);
    expect(row?.running).toBe(false);
    expect(row?.detail).toBe("Bad header row");
  });

  it("links each search view by URL", () => {
    expect(searchPath({ q: "oak table" })).toBe("/search?q=oak+table");
    expect(searchPath({ similar: "abc" })).toBe("/search?similar=abc");
    expect(searchPath({ view: "duplicates" })).toBe("/search?view=duplicates");
  });
});
