import { type DragEvent, useCallback, useEffect, useRef, useState } from "react";
import { api, type Outputs } from "../api/client";
import { useApp } from "../app-context";
import { ProgressBar } from "../components/progress-bar";
import { percent } from "../lib/import-wizard";
import { announceJob } from "../lib/jobs";
import { errorMessage, plainIssueList } from "../lib/save-logic";

type Scan = Outputs["ocr"]["byId"];
type ScanSummary = Outputs["ocr"]["list"]["items"][number];
/** A candidate as the seller edits it (the API's ScanItem). */
export type ScanItem = Scan["items"][number];

const RUNNING = new Set(["pending", "processing"]);
const ACCEPT = "image/png,image/jpeg,image/webp,image/tiff,image/heic,.heic,application/pdf,.pdf";
/** The API's default limit per scanned file. */
const MAX_SCAN_BYTES = 20 * 1024 * 1024;
/** Files sent per drop or pick; more would only queue behind each other. */
const MAX_SCAN_FILES = 20;
const STAGE_LABEL: Record<string, string> = {
  sniff: "checking the file",
  decode: "preparing the image",
  "text-layer": "reading the PDF text",
  render: "preparing the page",
  ocr: "reading the text",
  extract: "finding items",
  done: "finishing",
};
const STATUS_PILL: Record<string, string> = {
  completed: "pill-active",
  corrected: "pill-active",
  pending: "pill-draft",
  processing: "pill-draft",
  failed: "pill-error",
};

/**
 * Page progress the worker may report (`{ page, pages, stage }`), when the API passes it on. The
 * page can run ahead of the page count while a PDF is still being opened, so it is capped there.
 */
export function scanProgress(
  scan: unknown,
): { processed: number; total: number; stage?: string } | null {
  const p = (scan as { progress?: { page?: number; pages?: number; stage?: string } | null })
    .progress;
  if (p && typeof p.page === "number" && typeof p.pages === "number" && p.pages > 0)
    return {
      processed: Math.max(0, Math.min(p.page, p.pages)),
      total: p.pages,
      ...(typeof p.stage === "string" ? { stage: p.stage } : {}),
    };
  return null;
}

/** The progress bar's caption for a running scan. */
export function scanProgressText(scan: { status: string; progress?: unknown }): string {
  const p = scanProgress(scan);
  if (!p) return scan.status === "pending" ? "Waiting for a free reader…" : "Reading…";
  const stage = p.stage ? STAGE_LABEL[p.stage] : undefined;
  return `Page ${p.processed} of ${p.total}${stage ? ` · ${stage}` : ""}…`;
}

/** Why a file cannot be scanned (checked before uploading it), or null. */
export function scanFileProblem(f: { name: string; type: string; size: number }): string | null {
  const typeOk =
    /^(image\/(png|jpeg|webp|tiff|heic|heif)|application\/pdf)$/i.test(f.type) ||
    /\.(png|jpe?g|webp|tiff?|heic|heif|pdf)$/i.test(f.name);
  if (!typeOk) return "only photos (PNG, JPEG, WebP, TIFF, HEIC) and PDFs can be scanned";
  if (f.size === 0) return "the file is empty";
  if (f.size > MAX_SCAN_BYTES)
    return `files are limited to ${MAX_SCAN_BYTES / 1024 / 1024} MB (this one is ${(
      f.size / 1024 / 1024
    ).toFixed(1)} MB)`;
  return null;
}

/** OCR confidence as a percentage (engines report 0–1 or 0–100). */
export function confidencePct(c: number): number {
  return c <= 1 ? c * 100 : c;
}

/** Rejects an edited item the API would refuse, with a message for the row. */
export function itemProblem(it: ScanItem): string | null {
  if (!it.title.trim()) return "A title is required";
  if (it.price !== null && it.price !== undefined && !(it.price >= 0))
    return "Price must be 0 or more";
  if (!/^[A-Z]{3}$/.test(it.currency)) return "Currency is a 3-letter code";
  if (it.quantity !== null && it.quantity !== undefined && !Number.isInteger(it.quantity))
    return "Quantity is a whole number";
  return null;
}

function numOrNull(v: string): number | null {
  const t = v.trim().replace(/[$€£,\s]/g, "");
  if (!t) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** Photos and PDFs of price lists → per-page OCR → items beside the page image → listings. */
export function OcrScreen() {
  const app = useApp();
  const [scans, setScans] = useState<ScanSummary[] | null>(null);
  const [scan, setScan] = useState<Scan | null>(null);
  const [items, setItems] = useState<ScanItem[]>([]);
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const [dirty, setDirty] = useState(false);
  const [page, setPage] = useState(1);
  const [focus, setFocus] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [uploading, setUploading] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const loadList = useCallback(() => {
    api.ocr.list
      .query()
      .then((r) => setScans(r.items))
      .catch((err) => app.toast("error", errorMessage(err)));
  }, [app]);
  useEffect(loadList, [loadList]);

  const show = useCallback((s: Scan) => {
    setScan(s);
    setItems(s.items);
    // Items already turned into listings are not offered again.
    setChosen(new Set(s.items.flatMap((it, i) => (it.listingId ? [] : [i]))));
    setDirty(false);
    setFocus(null);
  }, []);

  const open = async (id: string) => {
    try {
      show(await api.ocr.byId.query({ id }));
      setPage(1);
    } catch (err) {
      app.toast("error", errorMessage(err));
    }
  };

  // Poll a running scan; keep the seller's edits out of it (there are none until it finishes).
  // A failed poll is retried, more slowly each time, rather than leaving the scan "processing".
  const [pollFailures, setPollFailures] = useState(0);
  useEffect(() => {
    if (!scan || !RUNNING.has(scan.status)) return;
    let stop = false;
    const t = setTimeout(
      () => {
        api.ocr.byId
          .query({ id: scan.id })
          .then((s) => {
            if (stop) return;
            setPollFailures(0);
            show(s);
            if (!RUNNING.has(s.status)) loadList();
          })
          .catch((err) => {
            if (stop) return;
            // One message for a run of failures, not one per retry.
            if (pollFailures === 0) app.toast("error", errorMessage(err));
            setPollFailures((n) => n + 1);
          });
      },
      Math.min(1000 * 2 ** pollFailures, 15_000),
    );
    return () => {
      stop = true;
      clearTimeout(t);
    };
  }, [scan, show, loadList, app, pollFailures]);

  // One batch at a time: files dropped while others upload would interleave with them.
  const uploadingRef = useRef(false);
  const upload = async (all: File[]) => {
    if (uploadingRef.current) {
      app.toast("error", "Wait until the files being uploaded are sent, then add more");
      return;
    }
    if (all.length > MAX_SCAN_FILES)
      app.toast(
        "error",
        `Up to ${MAX_SCAN_FILES} files at a time: the first ${MAX_SCAN_FILES} are scanned, the other ${all.length - MAX_SCAN_FILES} are not`,
      );
    const files: File[] = [];
    for (const f of all.slice(0, MAX_SCAN_FILES)) {
      const problem = scanFileProblem(f);
      if (problem) app.toast("error", `${f.name}: ${problem}`);
      else files.push(f);
    }
    if (!files.length) return;
    uploadingRef.current = true;
    for (const f of files) {
      setUploading(f.name);
      const fd = new FormData();
      fd.set("file", f);
      try {
        const s = await api.ocr.upload.mutate(fd);
        show(s);
        setPage(1);
        announceJob();
      } catch (err) {
        app.toast("error", `${f.name}: ${errorMessage(err)}`);
      }
    }
    uploadingRef.current = false;
    setUploading(null);
    loadList();
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    void upload([...e.dataTransfer.files]);
  };

  const edit = (i: number, patch: Partial<ScanItem>) => {
    setItems((xs) => xs.map((x, j) => (j === i ? { ...x, ...patch } : x)));
    setDirty(true);
  };

  const save = async (): Promise<Scan | null> => {
    if (!scan) return null;
    const bad = items.findIndex((it) => itemProblem(it));
    if (bad >= 0) {
      app.toast("error", `Item ${bad + 1}: ${itemProblem(items[bad] as ScanItem)}`);
      return null;
    }
    setBusy(true);
    try {
      const s = await api.ocr.update.mutate({ id: scan.id, items });
      setScan(s);
      setDirty(false);
      return s;
    } catch (err) {
      app.toast("error", errorMessage(err));
      return null;
    } finally {
      setBusy(false);
    }
  };

  // One conversion at a time: a second click while it runs must not send it again.
  const converting = useRef(false);
  const convert = async () => {
    if (!scan || converting.current) return;
    converting.current = true;
    try {
      await convertOnce(scan);
    } finally {
      converting.current = false;
    }
  };

  const convertOnce = async (scan: Scan) => {
    if (dirty && !(await save())) return;
    setBusy(true);
    try {
      const r = await api.ocr.convert.mutate({
        id: scan.id,
        items: [...chosen].sort((a, b) => a - b),
      });
      if (r.errors.length)
        app.toast(
          "error",
          `${r.errors.length} item(s) not created: ${r.errors
            .slice(0, 3)
            .map((e) => `#${e.index + 1} ${plainIssueList(e.message)}`)
            .join("; ")}`,
        );
      if (r.created > 0)
        app.toast(
          "success",
          `Created ${r.created} draft listing(s); undo from History in the grid`,
        );
      // The items are now marked with their listings: show that, so they are not offered again.
      show(await api.ocr.byId.query({ id: scan.id }));
      loadList();
    } catch (err) {
      app.toast("error", errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const simple = async (what: "rerun" | "cancel" | "remove") => {
    if (!scan) return;
    if (what === "remove" && !confirm(`Delete the scan of ${scan.fileName}?`)) return;
    try {
      if (what === "remove") {
        await api.ocr.remove.mutate({ id: scan.id });
        setScan(null);
      } else show(await api.ocr[what].mutate({ id: scan.id }));
      loadList();
    } catch (err) {
      app.toast("error", errorMessage(err));
    }
  };

  const pg = scan?.pages.find((p) => p.page === page) ?? scan?.pages[0];
  const focusBox = focus !== null ? items[focus]?.box : undefined;

  return (
    <div className="page wide ocr-screen">
      <div className="page-head">
        <h1>Scan price lists</h1>
      </div>
      <section
        className={`card dropzone${dragging ? " over" : ""}`}
        aria-label="Choose photos or PDFs to scan"
        data-testid="ocr-dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p className="dropzone-title">Drop photos or PDFs of price lists here</p>
        <p className="muted small">
          Each page is read and turned into listing candidates you can check and correct before
          anything is created.
        </p>
        <button
          type="button"
          className="btn primary"
          disabled={!!uploading}
          onClick={() => fileInput.current?.click()}
        >
          {uploading ? `Uploading ${uploading}…` : "Choose files…"}
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          accept={ACCEPT}
          className="sr-only"
          aria-label="Scan files"
          tabIndex={-1}
          onChange={(e) => {
            const fs = [...(e.target.files ?? [])];
            e.target.value = "";
            if (fs.length) void upload(fs);
          }}
        />
      </section>

      {scan && (
        <section className="card" aria-label={`Scan of ${scan.fileName}`} data-testid="ocr-scan">
          <div className="page-head">
            <h2>
              {scan.fileName}{" "}
              <span className={`pill ${STATUS_PILL[scan.status] ?? ""}`}>{scan.status}</span>
            </h2>
            {RUNNING.has(scan.status) && (
              <button type="button" className="btn" onClick={() => void simple("cancel")}>
                Stop
              </button>
            )}
            {scan.status === "failed" && (
              <button type="button" className="btn" onClick={() => void simple("rerun")}>
                Run again
              </button>
            )}
            {!RUNNING.has(scan.status) && (
              <button type="button" className="btn ghost" onClick={() => void simple("remove")}>
                Delete scan
              </button>
            )}
          </div>
          {RUNNING.has(scan.status) && (
            <ProgressBar
              label="Reading pages"
              value={percent(scanProgress(scan))}
              detail={scanProgressText(scan)}
            />
          )}
          {scan.status === "failed" && (
            <p className="form-error" role="alert">
              {scan.error ?? "The scan failed"}
            </p>
          )}
          {(scan.status === "completed" || scan.status === "corrected") && (
            <div className="ocr-split">
              <div className="ocr-page">
                {scan.pages.length > 1 && (
                  <div className="seg" role="tablist" aria-label="Pages">
                    {scan.pages.map((p) => (
                      <button
                        key={p.page}
                        type="button"
                        role="tab"
                        aria-selected={pg?.page === p.page}
                        className={`seg-btn${pg?.page === p.page ? " on" : ""}`}
                        onClick={() => setPage(p.page)}
                      >
                        {p.page}
                      </button>
                    ))}
                  </div>
                )}
                {pg && (
                  <>
                    <p className="muted small">
                      Page {pg.page} · {pg.source === "text-layer" ? "PDF text" : "OCR"} ·
                      confidence {Math.round(confidencePct(pg.confidence))}%
                    </p>
                    {pg.imageUrl ? (
                      <div className="ocr-image">
                        <img src={pg.imageUrl} alt={`Page ${pg.page} of ${scan.fileName}`} />
                        {focusBox &&
                          items[focus ?? -1]?.page === pg.page &&
                          pg.width > 0 &&
                          pg.height > 0 && (
                            <span
                              className="ocr-box"
                              style={{
                                left: `${((focusBox.x ?? 0) / pg.width) * 100}%`,
                                top: `${((focusBox.y ?? 0) / pg.height) * 100}%`,
                                width: `${((focusBox.w ?? 0) / pg.width) * 100}%`,
                                height: `${((focusBox.h ?? 0) / pg.height) * 100}%`,
                              }}
                            />
                          )}
                      </div>
                    ) : (
                      <pre className="ocr-text">{pg.text}</pre>
                    )}
                  </>
                )}
              </div>
              <div className="ocr-items">
                <h3>
                  Found {items.length} item{items.length === 1 ? "" : "s"}
                </h3>
                <div className="table-scroll">
                  <table className="data small" data-testid="ocr-items">
                    <thead>
                      <tr>
                        <th scope="col">
                          <input
                            type="checkbox"
                            aria-label="Select all items"
                            checked={
                              chosen.size > 0 &&
                              chosen.size === items.filter((it) => !it.listingId).length
                            }
                            onChange={(e) =>
                              setChosen(
                                e.target.checked
                                  ? new Set(items.flatMap((it, i) => (it.listingId ? [] : [i])))
                                  : new Set(),
                              )
                            }
                          />
                        </th>
                        <th scope="col">Title</th>
                        <th scope="col">Price</th>
                        <th scope="col">Qty</th>
                        <th scope="col">SKU</th>
                        <th scope="col">Page</th>
                        <th scope="col">
                          <span className="sr-only">Remove</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {items.map((it, i) => {
                        const problem = itemProblem(it);
                        const low = Object.values(it.confidence ?? {}).some(
                          (c) => confidencePct(c) < 60,
                        );
                        return (
                          <tr
                            // Items have no id; position is their identity in the API too.
                            // biome-ignore lint/suspicious/noArrayIndexKey: see above
                            key={i}
                            className={`${focus === i ? "focused" : ""}${problem ? " invalid" : ""}`}
                            onFocus={() => {
                              setFocus(i);
                              if (it.page) setPage(it.page);
                            }}
                          >
                            <td>
                              <input
                                type="checkbox"
                                aria-label={
                                  it.listingId
                                    ? `Item ${i + 1} is already a listing`
                                    : `Create item ${i + 1}`
                                }
                                title={it.listingId ? "Already a listing" : undefined}
                                disabled={!!it.listingId}
                                checked={chosen.has(i)}
                                onChange={(e) =>
                                  setChosen((c) => {
                                    const n = new Set(c);
                                    if (e.target.checked) n.add(i);
                                    else n.delete(i);
                                    return n;
                                  })
                                }
                              />
                            </td>
                            <td>
                              <input
                                aria-label={`Title of item ${i + 1}`}
                                value={it.title}
                                maxLength={500}
                                title={problem ?? (low ? "Low OCR confidence: please check" : "")}
                                className={low ? "low-conf" : ""}
                                onChange={(e) => edit(i, { title: e.target.value })}
                              />
                            </td>
                            <td>
                              <input
                                aria-label={`Price of item ${i + 1}`}
                                inputMode="decimal"
                                className="num"
                                defaultValue={it.price ?? ""}
                                onBlur={(e) => edit(i, { price: numOrNull(e.target.value) })}
                              />
                            </td>
                            <td>
                              <input
                                aria-label={`Quantity of item ${i + 1}`}
                                inputMode="numeric"
                                className="num short"
                                defaultValue={it.quantity ?? ""}
                                onBlur={(e) => edit(i, { quantity: numOrNull(e.target.value) })}
                              />
                            </td>
                            <td>
                              <input
                                aria-label={`SKU of item ${i + 1}`}
                                value={it.sku ?? ""}
                                maxLength={100}
                                onChange={(e) => edit(i, { sku: e.target.value || null })}
                              />
                            </td>
                            <td>{it.page ?? ""}</td>
                            <td>
                              <button
                                type="button"
                                className="btn ghost icon small"
                                aria-label={`Remove item ${i + 1}`}
                                onClick={() => {
                                  setItems((xs) => xs.filter((_, j) => j !== i));
                                  setChosen(
                                    (c) =>
                                      new Set(
                                        [...c]
                                          .filter((j) => j !== i)
                                          .map((j) => (j > i ? j - 1 : j)),
                                      ),
                                  );
                                  setDirty(true);
                                }}
                              >
                                ×
                              </button>
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
                <div className="row-gap">
                  <button
                    type="button"
                    className="btn"
                    onClick={() => {
                      setItems((xs) => [
                        ...xs,
                        { title: "New item", currency: "USD", description: "", page: pg?.page },
                      ]);
                      setChosen((c) => new Set([...c, items.length]));
                      setDirty(true);
                    }}
                  >
                    Add item
                  </button>
                  <button
                    type="button"
                    className="btn"
                    disabled={!dirty || busy}
                    onClick={() => void save()}
                  >
                    Save corrections
                  </button>
                  <span className="spacer" />
                  <button
                    type="button"
                    className="btn primary"
                    disabled={busy || chosen.size === 0}
                    onClick={() => void convert()}
                  >
                    Create {chosen.size} draft listing{chosen.size === 1 ? "" : "s"}
                  </button>
                </div>
                <p className="muted small">
                  Listings are created as drafts, in one step you can undo from History.
                </p>
              </div>
            </div>
          )}
        </section>
      )}

      <section aria-labelledby="scans-head">
        <h2 id="scans-head">Recent scans</h2>
        {scans === null ? (
          <p className="muted">Loading…</p>
        ) : scans.length === 0 ? (
          <p className="muted">No scans yet.</p>
        ) : (
          <table className="data small" data-testid="ocr-scans">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Uploaded</th>
                <th scope="col">Pages</th>
                <th scope="col">Items</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Open</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {scans.map((s) => (
                <tr key={s.id} className={scan?.id === s.id ? "focused" : ""}>
                  <td className="ellipsis" title={s.fileName}>
                    {s.fileName}
                  </td>
                  <td className="nowrap">{new Date(s.createdAt).toLocaleString()}</td>
                  <td>{s.pageCount ?? "—"}</td>
                  <td>{s.itemCount}</td>
                  <td>
                    <span className={`pill ${STATUS_PILL[s.status] ?? ""}`}>{s.status}</span>
                  </td>
                  <td className="actions">
                    <button type="button" className="btn small" onClick={() => void open(s.id)}>
                      Open
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
