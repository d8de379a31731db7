import { describe, expect, it } from "vitest";
import {
  canCommit,
  checkFile,
  csvHeaderOrder,
  type ImportView,
  initialWizard,
  orderedHeaders,
  percent,
  progressText,
  type WizardAction,
  type WizardState,
  wizardReducer,
} from "./import-wizard";

function imp(patch: Partial<ImportView> = {}): ImportView {
  return {
    id: "11111111-1111-4111-8111-111111111111",
    fileName: "sheet.csv",
    fileSize: 1200,
    sha256: "x",
    format: "csv",
    marketplace: "generic",
    mapping: { "Item name": "title", Cost: "price", Notes: "ignore" },
    mode: "upsert",
    matchBy: "sku",
    status: "previewed",
    counts: { rows: 3, create: 2, update: 0, skip: 0, reject: 1, problems: 1 },
    problems: [],
    problemCount: 1,
    changeSetId: null,
    error: null,
    progress: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...patch,
  } as ImportView;
}

const run = (actions: WizardAction[], from: WizardState = initialWizard) =>
  actions.reduce(wizardReducer, from);

describe("import wizard", () => {
  it("sends a generic file through mapping before the preview", () => {
    let s = run([{ type: "fileChosen", file: { name: "sheet.csv", size: 1200 } }]);
    expect(s.step).toBe("uploading");
    expect(s.busy).toBe(true);
    s = wizardReducer(s, { type: "received", imp: imp() });
    expect(s.step).toBe("mapping");
    expect(s.mapping).toEqual({ "Item name": "title", Cost: "price", Notes: "ignore" });
    s = wizardReducer(s, { type: "confirmMapping" });
    expect(s.mappingConfirmed).toBe(true);
    expect(s.busy).toBe(true);
    s = wizardReducer(s, { type: "received", imp: imp() });
    expect(s.step).toBe("preview");
    expect(canCommit(s)).toBe(true);
  });

  it("skips mapping for a marketplace layout and lets the seller switch to generic", () => {
    let s = run([
      { type: "fileChosen", file: { name: "fb.xlsx", size: 9000 } },
      { type: "received", imp: imp({ marketplace: "facebook", format: "xlsx" }) },
    ]);
    expect(s.step).toBe("preview");
    s = wizardReducer(s, { type: "setMarketplace", marketplace: "generic" });
    expect(s.busy).toBe(true);
    s = wizardReducer(s, { type: "received", imp: imp({ marketplace: "generic" }) });
    expect(s.step).toBe("mapping");
    // Choosing the detected layout again is not a change and does not re-run the dry run.
    const same = wizardReducer(s, { type: "setMarketplace", marketplace: "generic" });
    expect(same.busy).toBe(false);
  });

  it("waits for a background analysis, then a commit, then allows undo", () => {
    let s = run([
      { type: "fileChosen", file: { name: "big.csv", size: 6e6 } },
      { type: "received", imp: imp({ status: "uploaded", marketplace: null }) },
    ]);
    expect(s.step).toBe("analysing");
    s = wizardReducer(s, { type: "received", imp: imp({ marketplace: "ebay" }) });
    expect(s.step).toBe("preview");
    s = wizardReducer(s, { type: "commit" });
    expect(s.busy).toBe(true);
    expect(canCommit(s)).toBe(false);
    s = wizardReducer(s, {
      type: "received",
      imp: imp({
        marketplace: "ebay",
        status: "committing",
        progress: { processed: 5, total: 10 },
      }),
    });
    expect(s.step).toBe("committing");
    expect(percent(s.imp?.progress)).toBe(50);
    s = wizardReducer(s, {
      type: "received",
      imp: imp({ marketplace: "ebay", status: "committed" }),
    });
    expect(s.step).toBe("done");
    s = wizardReducer(s, { type: "received", imp: imp({ marketplace: "ebay", status: "undone" }) });
    expect(s.step).toBe("undone");
  });

  it("shows a failed analysis with the server's reason", () => {
    const s = run([
      { type: "fileChosen", file: { name: "bad.csv", size: 10 } },
      { type: "received", imp: imp({ status: "failed", error: "No header row found" }) },
    ]);
    expect(s.step).toBe("failed");
    expect(s.error).toBe("No header row found");
  });

  it("returns to the file picker when the upload itself fails", () => {
    const s = run([
      { type: "fileChosen", file: { name: "x.csv", size: 10 } },
      { type: "error", message: "Too many uploads" },
    ]);
    expect(s.step).toBe("pick");
    expect(s.error).toBe("Too many uploads");
    expect(s.busy).toBe(false);
  });

  it("keeps one column per field and keeps the seller's choices across dry runs", () => {
    let s = run([
      { type: "fileChosen", file: { name: "sheet.csv", size: 1 } },
      { type: "received", imp: imp() },
      { type: "setTarget", header: "Notes", target: "title" },
    ]);
    expect(s.mapping).toEqual({ "Item name": "ignore", Cost: "price", Notes: "title" });
    s = wizardReducer(s, { type: "received", imp: imp() });
    expect(s.mapping.Notes).toBe("title");
    s = wizardReducer(s, { type: "setTarget", header: "Cost", target: "marketplaceFields" });
    s = wizardReducer(s, { type: "setTarget", header: "Notes", target: "marketplaceFields" });
    expect(s.mapping.Cost).toBe("marketplaceFields");
  });

  it("loads a saved mapping onto this file's headers only", () => {
    const s = run([
      { type: "fileChosen", file: { name: "sheet.csv", size: 1 } },
      { type: "received", imp: imp() },
      { type: "loadMapping", mapping: { Cost: "price", Notes: "description", Other: "sku" } },
    ]);
    expect(s.mapping).toEqual({ "Item name": "ignore", Cost: "price", Notes: "description" });
  });

  it("re-runs the dry run when fixes, mode or matching change, and not before a file", () => {
    expect(wizardReducer(initialWizard, { type: "setApplyFixes", value: true }).busy).toBe(false);
    const s = run([
      { type: "fileChosen", file: { name: "fb.xlsx", size: 1 } },
      { type: "received", imp: imp({ marketplace: "facebook" }) },
    ]);
    expect(wizardReducer(s, { type: "setApplyFixes", value: true })).toMatchObject({
      applyFixes: true,
      busy: true,
    });
    expect(wizardReducer(s, { type: "setMode", mode: "create" }).busy).toBe(true);
    expect(wizardReducer(s, { type: "setMatchBy", matchBy: "id" }).busy).toBe(true);
  });

  it("cannot commit when nothing would be written", () => {
    const s = run([
      { type: "fileChosen", file: { name: "fb.xlsx", size: 1 } },
      {
        type: "received",
        imp: imp({
          marketplace: "facebook",
          counts: { rows: 2, create: 0, update: 0, skip: 1, reject: 1, problems: 1 },
        }),
      },
    ]);
    expect(s.step).toBe("preview");
    expect(canCommit(s)).toBe(false);
    expect(wizardReducer(s, { type: "commit" }).busy).toBe(false);
  });

  it("reopens a previewed import from the history straight at the preview", () => {
    const s = wizardReducer(initialWizard, {
      type: "resume",
      imp: imp({ counts: { rows: 3, create: 3, applyFixes: 1 } }),
    });
    expect(s.step).toBe("preview");
    expect(s.applyFixes).toBe(true);
    expect(s.file?.name).toBe("sheet.csv");
  });

  it("checks files before uploading them", () => {
    expect(checkFile({ name: "a.csv", size: 0 }, 100)).toMatch(/empty/);
    expect(checkFile({ name: "a.csv", size: 101 }, 100)).toMatch(/limited/);
    expect(checkFile({ name: "a.pdf", size: 10 }, 100)).toMatch(/CSV/);
    expect(checkFile({ name: "A.XLSX", size: 10 }, 100)).toBeNull();
    expect(percent({ processed: 0, total: 0 })).toBeNull();
    expect(percent({ processed: 12, total: 10 })).toBe(100);
  });

  it("orders the mapping rows like the file's header row", () => {
    expect(csvHeaderOrder('\uFEFFItem name,"Cost, USD","Say ""hi""",Stock\r\n1,2,3,4')).toEqual([
      "Item name",
      "Cost, USD",
      'Say "hi"',
      "Stock",
    ]);
    expect(csvHeaderOrder("a\tb;c\td\n")).toEqual(["a", "b;c", "d"]);
    expect(
      orderedHeaders({ Stock: "quantity", Cost: "price", "Item name": "title", Extra: "ignore" }, [
        "Item name",
        "Cost",
        "Stock",
      ]),
    ).toEqual(["Item name", "Cost", "Stock", "Extra"]);
  });
});

describe("progressText", () => {
  it("tells bytes of a file read apart from items done", () => {
    expect(progressText({ processed: 512, total: 2048, unit: "bytes" })).toBe("25% read");
    expect(progressText({ processed: 0, total: 0, unit: "bytes", rows: 0 })).toBe("0 rows checked");
    expect(
      progressText({ processed: 1024 * 1024, total: 4 * 1024 * 1024, unit: "bytes", rows: 9000 }),
    ).toBe(`25% read · ${(9000).toLocaleString()} rows checked`);
    expect(progressText({ processed: 1500, total: 3000, unit: "rows" })).toBe(
      `${(1500).toLocaleString()} / ${(3000).toLocaleString()}`,
    );
    expect(progressText({ processed: 2, total: 5 })).toBe("2 / 5");
  });
});
