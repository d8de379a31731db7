import { describe, expect, it } from "vitest";
import { percent } from "../lib/import-wizard";
import { analysisDetail } from "./import-screen";

describe("the checking step of a large file", () => {
  it("shows how much of the file the background dry run has read", () => {
    const progress = {
      processed: 3 * 1024 * 1024,
      total: 12 * 1024 * 1024,
      unit: "bytes" as const,
      rows: 25_000,
    };
    expect(percent(progress)).toBe(25);
    expect(analysisDetail(progress)).toBe(`25% read · ${(25_000).toLocaleString()} rows checked…`);
    expect(analysisDetail({ ...progress, rows: undefined })).toBe("25% read…");
  });

  it("counts rows when the dry run reports rows, and says it is waiting before any report", () => {
    expect(analysisDetail({ processed: 1200, total: 0, unit: "rows" })).toBe(
      `${(1200).toLocaleString()} rows read…`,
    );
    expect(analysisDetail(null)).toBe("Large file: the dry run runs in the background…");
  });
});
