import { useCallback, useEffect, useRef, useState } from "react";
import { api, type Outputs } from "../api/client";
import { useApp } from "../app-context";
import { ProgressBar } from "../components/progress-bar";
import { MARKETPLACE_LABEL, type Marketplace } from "../lib/columns";
import { type ImportView, percent, progressText } from "../lib/import-wizard";
import { JOBS_EVENT } from "../lib/jobs";
import { scanProgress } from "./ocr-screen";

type ExportJob = Outputs["exports"]["byId"];
type ScanSummary = Outputs["ocr"]["list"]["items"][number];

/** One row of the panel, import or export. */
export interface JobRow {
  kind: "import" | "export" | "scan";
  id: string;
  title: string;
  status: string;
  running: boolean;
  progress: { processed: number; total: number; unit?: "rows" | "bytes"; rows?: number } | null;
  createdAt: string;
  detail: string;
  href?: string | null;
}

const IMPORT_RUNNING = new Set(["uploaded", "committing"]);
const EXPORT_DONE = new Set(["completed", "failed"]);
const SCAN_RUNNING = new Set(["pending", "processing"]);

/**
 * What an export is called in the panel: its layout, the format of its sheets and, once the file
 * exists, whether it came out as a zip of several files (Facebook past 50 listings, for one).
 */
function exportTitle(e: Pick<ExportJob, "format" | "marketplace" | "fileName">): string {
  const layout =
    e.marketplace && e.marketplace !== "generic"
      ? `${MARKETPLACE_LABEL[e.marketplace as Marketplace] ?? e.marketplace} `
      : "";
  const zipped = /\.zip$/i.test(e.fileName ?? "");
  return `${layout}${e.format.toUpperCase()} export${zipped ? " (zip)" : ""}`;
}

/** Imports, exports and OCR scans merged into one list, newest first. */
export function jobRows(
  imports: ImportView[],
  exports: ExportJob[],
  scans: ScanSummary[] = [],
): JobRow[] {
  const rows: JobRow[] = [
    ...imports.map((i) => ({
      kind: "import" as const,
      id: i.id,
      title: i.fileName,
      status: i.status,
      running: IMPORT_RUNNING.has(i.status),
      progress: i.progress,
      createdAt: i.createdAt,
      detail:
        i.status === "failed"
          ? (i.error ?? "failed")
          : `${Number(i.counts.create ?? 0).toLocaleString()} new · ${Number(i.counts.update ?? 0).toLocaleString()} updated`,
    })),
    ...exports.map((e) => ({
      kind: "export" as const,
      id: e.id,
      title: exportTitle(e),
      status: e.status,
      running: !EXPORT_DONE.has(e.status),
      progress: e.progress,
      createdAt: e.createdAt,
      detail:
        e.status === "failed"
          ? (e.error ?? "failed")
          : e.rowCount !== null && e.rowCount !== undefined
            ? `${e.rowCount.toLocaleString()} rows`
            : "",
      href: e.downloadUrl,
    })),
    ...scans.map((c) => ({
      kind: "scan" as const,
      id: c.id,
      title: c.fileName,
      status: c.status,
      running: SCAN_RUNNING.has(c.status),
      progress: scanProgress(c),
      createdAt: c.createdAt,
      detail:
        c.status === "failed"
          ? (c.error ?? "failed")
          : `${c.pageCount ?? 0} page(s) · ${c.itemCount} item(s)`,
    })),
  ];
  return rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/**
 * The header's Jobs button and its panel: running and recent imports and exports with progress.
 * Polls quickly while something runs, slowly otherwise, and at once when a screen starts a job.
 */
export function JobsButton({ page }: { page: string }) {
  const app = useApp();
  const [open, setOpen] = useState(false);
  const anchorRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  // The panel belongs to the page it was opened on: on another one it would cover its grid and
  // toolbar.
  const [openedOn, setOpenedOn] = useState(page);
  if (openedOn !== page) {
    setOpenedOn(page);
    setOpen(false);
  }
  // The open panel closes as a menu does: a press anywhere outside the button and the panel, or
  // Escape from the button or from inside the panel. Escape gives the focus back to the button,
  // so it is not lost with the panel.
  useEffect(() => {
    const anchor = anchorRef.current;
    if (!open || !anchor) return;
    const onDown = (e: MouseEvent) => {
      if (e.target instanceof Node && anchor.contains(e.target)) return;
      setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      e.preventDefault();
      setOpen(false);
      buttonRef.current?.focus();
    };
    document.addEventListener("mousedown", onDown);
    anchor.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      anchor.removeEventListener("keydown", onKey);
    };
  }, [open]);
  const [rows, setRows] = useState<JobRow[] | null>(null);
  const [tick, setTick] = useState(0);
  const busy = useRef(false);
  /** Asked to load while a load ran: its answer may predate a job that just started. */
  const again = useRef(false);

  const load = useCallback(async () => {
    if (busy.current) {
      again.current = true;
      return;
    }
    busy.current = true;
    again.current = false;
    try {
      const [imps, exps, scans] = await Promise.all([
        api.imports.list.query({ limit: 10 }),
        api.exports.list.query(),
        // OCR may be switched off on this server; the panel still shows the rest.
        api.ocr.list.query().then(
          (r) => r.items.slice(0, 10),
          () => [],
        ),
      ]);
      const importItems = imps.items as ImportView[];
      const exportItems = exps.items.slice(0, 10);
      // The lists carry no progress; ask for it only for what is running.
      const withProgress = await Promise.all([
        Promise.all(
          importItems.map((i) =>
            IMPORT_RUNNING.has(i.status)
              ? api.imports.byId.query({ id: i.id }).catch(() => i)
              : Promise.resolve(i),
          ),
        ),
        Promise.all(
          exportItems.map((e) =>
            EXPORT_DONE.has(e.status)
              ? Promise.resolve(e)
              : api.exports.byId.query({ id: e.id }).catch(() => e),
          ),
        ),
      ]);
      setRows(jobRows(withProgress[0], withProgress[1], scans));
    } catch {
      // The status dot already reports an unreachable server; keep the last list.
    } finally {
      busy.current = false;
      setTick((t) => t + 1);
    }
    if (again.current) void load();
  }, []);

  const running = rows?.filter((r) => r.running).length ?? 0;

  useEffect(() => {
    const now = () => void load();
    addEventListener(JOBS_EVENT, now);
    return () => removeEventListener(JOBS_EVENT, now);
  }, [load]);

  // tick re-arms the timer after every load.
  useEffect(() => {
    void tick;
    const ms = running > 0 ? 1000 : open ? 5000 : 30_000;
    const t = setTimeout(() => void load(), rows === null ? 0 : ms);
    return () => clearTimeout(t);
  }, [tick, running, open, load, rows]);

  return (
    <div ref={anchorRef} className="popover-anchor">
      <button
        ref={buttonRef}
        type="button"
        className={`btn ghost${open ? " pressed" : ""}`}
        aria-expanded={open}
        aria-controls="jobs-panel"
        onClick={() => {
          setOpen((o) => !o);
          void load();
        }}
        title="Running and recent imports, exports and scans"
      >
        Jobs
        {running > 0 && (
          <span className="badge" data-testid="jobs-running">
            {running}
          </span>
        )}
      </button>
      {open && (
        <section
          id="jobs-panel"
          className="popover jobs-panel"
          aria-label="Jobs"
          data-testid="jobs-panel"
        >
          <div className="side-head">
            <h2>Jobs</h2>
            <button
              type="button"
              className="btn ghost icon"
              aria-label="Close jobs"
              onClick={() => {
                setOpen(false);
                buttonRef.current?.focus();
              }}
            >
              ×
            </button>
          </div>
          {rows === null ? (
            <p className="muted pad">Loading…</p>
          ) : rows.length === 0 ? (
            <p className="muted pad">No imports, exports or scans yet.</p>
          ) : (
            <ul className="jobs-list">
              {rows.map((r) => (
                <li key={`${r.kind}-${r.id}`} className={r.running ? "running" : ""}>
                  <div className="job-line">
                    <span className="tag">{r.kind}</span>
                    <span className="job-title" title={r.title}>
                      {r.title}
                    </span>
                    <span
                      className={`pill ${r.status === "failed" ? "pill-error" : r.running ? "pill-draft" : "pill-active"}`}
                    >
                      {r.status}
                    </span>
                  </div>
                  {r.running ? (
                    <ProgressBar
                      label={`${r.title} progress`}
                      value={percent(r.progress)}
                      detail={r.progress ? progressText(r.progress) : "Waiting…"}
                    />
                  ) : (
                    <div className="small muted job-meta">
                      {new Date(r.createdAt).toLocaleString()}
                      {r.detail ? ` · ${r.detail}` : ""}
                      {r.href && (
                        <>
                          {" · "}
                          <a href={r.href}>Download</a>
                        </>
                      )}
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
          <div className="popover-foot">
            <button
              type="button"
              className="btn small"
              onClick={() => {
                setOpen(false);
                app.navigate("/import");
              }}
            >
              Import a file…
            </button>
            <button
              type="button"
              className="btn small ghost"
              onClick={() => {
                setOpen(false);
                app.navigate("/scan");
              }}
            >
              Scan a price list…
            </button>
          </div>
        </section>
      )}
    </div>
  );
}
