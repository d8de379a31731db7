import { type DragEvent, useCallback, useEffect, useRef, useState } from "react";
import { api, authedFetch } from "../api/client";
import { useApp } from "../app-context";
import { ProgressBar } from "../components/progress-bar";
import { MARKETPLACE_LABEL, MARKETPLACES, type Marketplace } from "../lib/columns";
import {
  ACCEPTED_FILES,
  canCommit,
  checkFile,
  csvHeaderOrder,
  effectiveMarketplace,
  fmtBytes,
  type ImportMode,
  type ImportProblem,
  type ImportView,
  initialWizard,
  type MatchBy,
  needsMapping,
  percent,
  progressText,
  type WizardAction,
  type WizardState,
  wizardReducer,
} from "../lib/import-wizard";
import { announceJob } from "../lib/jobs";
import { errorMessage } from "../lib/save-logic";
import { type MappingProfile, MappingStep } from "./import-mapping";

/** The API refuses larger files; checking first saves a pointless upload. */
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const POLL_MS = 700;

const STATUS_PILL: Record<string, string> = {
  committed: "pill-active",
  previewed: "pill-draft",
  uploaded: "pill-draft",
  committing: "pill-draft",
  undone: "pill-archived",
  failed: "pill-error",
};

const MODE_LABEL: Record<ImportMode, string> = {
  upsert: "Create new and update existing",
  create: "Only create new listings",
  update: "Only update existing listings",
};

/** Under the checking bar: how much of the file the background dry run has read so far. */
export function analysisDetail(progress: ImportView["progress"] | undefined): string {
  if (!progress) return "Large file: the dry run runs in the background…";
  if (progress.unit !== "bytes") return `${progress.processed.toLocaleString()} rows read…`;
  return `${progressText(progress)}…`;
}

function count(imp: ImportView | null, k: string): number {
  return Number(imp?.counts[k] ?? 0) || 0;
}

/** Upload → (map columns) → dry-run preview → commit with progress → done/undo, plus file history. */
export function ImportScreen() {
  const app = useApp();
  const [s, setS] = useState<WizardState>(initialWizard);
  const ref = useRef(s);
  const [profiles, setProfiles] = useState<MappingProfile[]>([]);
  const [history, setHistory] = useState<ImportView[] | null>(null);
  const [dragging, setDragging] = useState(false);
  const [headerOrder, setHeaderOrder] = useState<string[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  const commitKey = useRef<string>("");

  // Handlers need the state right after their own action, not the render's snapshot.
  const act = useCallback((a: WizardAction) => {
    const next = wizardReducer(ref.current, a);
    ref.current = next;
    setS(next);
    return next;
  }, []);

  const loadHistory = useCallback(() => {
    api.imports.list
      .query({ limit: 20 })
      .then((r) => setHistory(r.items as ImportView[]))
      .catch((err) => app.toast("error", errorMessage(err)));
  }, [app]);
  const loadProfiles = useCallback(() => {
    api.mappingProfiles.list
      .query()
      .then((r) => setProfiles(r.items as MappingProfile[]))
      .catch(() => undefined);
  }, []);
  useEffect(loadHistory, [loadHistory]);
  useEffect(loadProfiles, [loadProfiles]);

  // Big files are analysed by a background job, and commits always are: poll until they settle.
  const pollId = (s.step === "analysing" || s.step === "committing") && s.imp ? s.imp.id : null;
  // Failed polls in a row: a lost answer must not stop the polling (the job keeps running), so it
  // retries, more slowly each time, until an answer arrives.
  const [pollFailures, setPollFailures] = useState(0);
  useEffect(() => {
    // Each answer is a new object, which re-arms this timer for the next poll.
    if (!pollId || !s.imp) return;
    let stop = false;
    const t = setTimeout(
      () => {
        api.imports.byId
          .query({ id: pollId })
          .then((imp) => {
            if (stop || ref.current.imp?.id !== imp.id) return;
            setPollFailures(0);
            act({ type: "received", imp });
          })
          .catch((err) => {
            if (stop) return;
            act({ type: "error", message: errorMessage(err) });
            setPollFailures((n) => n + 1);
          });
      },
      Math.min(POLL_MS * 2 ** pollFailures, 10_000),
    );
    return () => {
      stop = true;
      clearTimeout(t);
    };
  }, [pollId, s.imp, act, pollFailures]);

  const settledStep = s.step === "done" || s.step === "undone" || s.step === "failed";
  useEffect(() => {
    if (settledStep) loadHistory();
  }, [settledStep, loadHistory]);

  const upload = async (file: File) => {
    const problem = checkFile(file, MAX_UPLOAD_BYTES);
    if (problem) {
      act({ type: "error", message: problem });
      return;
    }
    act({ type: "fileChosen", file: { name: file.name, size: file.size } });
    setHeaderOrder([]);
    if (/\.(csv|tsv|txt)$/i.test(file.name))
      file
        .slice(0, 64 * 1024)
        .text()
        .then((t) => setHeaderOrder(csvHeaderOrder(t)))
        .catch(() => undefined);
    const fd = new FormData();
    fd.set("file", file);
    fd.set("idempotencyKey", crypto.randomUUID());
    try {
      const imp = await api.imports.upload.mutate(fd);
      act({ type: "received", imp });
      if (imp.status === "uploaded") announceJob();
    } catch (err) {
      act({ type: "error", message: errorMessage(err) });
    }
  };

  /** Re-runs the dry run with the state as it is after `a`. */
  const rerun = async (a: WizardAction) => {
    const next = act(a);
    const imp = next.imp;
    if (!imp || !next.busy) return;
    try {
      const mp = effectiveMarketplace(next) ?? undefined;
      const r = await api.imports.analyze.mutate({
        id: imp.id,
        marketplace: mp,
        applyFixes: next.applyFixes,
        mode: next.mode,
        matchBy: next.matchBy,
        ...(needsMapping(next) && next.mappingConfirmed ? { mapping: next.mapping } : {}),
      });
      if (ref.current.imp?.id === r.id) act({ type: "received", imp: r });
    } catch (err) {
      act({ type: "error", message: errorMessage(err) });
    }
  };

  const commit = async () => {
    const next = act({ type: "commit" });
    if (!next.imp || !next.busy) return;
    commitKey.current ||= crypto.randomUUID();
    try {
      const imp = await api.imports.commit.mutate({
        id: next.imp.id,
        mode: next.mode,
        matchBy: next.matchBy,
        applyFixes: next.applyFixes,
        idempotencyKey: commitKey.current,
      });
      act({ type: "received", imp });
      announceJob();
    } catch (err) {
      act({ type: "error", message: errorMessage(err) });
    }
  };

  // One undo or redo at a time: a second click must not send the request again.
  const undoing = useRef(false);
  const [undoBusy, setUndoBusy] = useState(false);
  const undoRedo = async (imp: ImportView, what: "undo" | "redo") => {
    if (undoing.current) return;
    undoing.current = true;
    setUndoBusy(true);
    try {
      const r =
        what === "undo"
          ? await api.imports.undo.mutate({ id: imp.id })
          : await api.imports.redo.mutate({ id: imp.id });
      if (ref.current.imp?.id === r.id) act({ type: "received", imp: r });
      app.toast(
        "success",
        what === "undo" ? `Import of ${imp.fileName} undone` : `Import of ${imp.fileName} redone`,
      );
      loadHistory();
    } catch (err) {
      app.toast("error", errorMessage(err));
    } finally {
      undoing.current = false;
      setUndoBusy(false);
    }
  };

  const downloadErrors = async (imp: ImportView) => {
    try {
      const res = await authedFetch(`/v1/imports/${imp.id}/errors.csv`);
      if (!res.ok) throw new Error(`The problem list could not be downloaded (${res.status})`);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = `${imp.fileName.replace(/\.[^.]+$/, "")}-problems.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      app.toast("error", errorMessage(err));
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const f = e.dataTransfer.files[0];
    if (f) void upload(f);
  };

  const resume = async (id: string) => {
    try {
      act({ type: "resume", imp: await api.imports.byId.query({ id }) });
      commitKey.current = "";
      scrollTo({ top: 0 });
    } catch (err) {
      app.toast("error", errorMessage(err));
    }
  };

  const imp = s.imp;
  const mp = effectiveMarketplace(s);
  const steps = [
    { key: "upload", label: "Upload", on: ["pick", "uploading", "analysing"] },
    ...(needsMapping(s) ? [{ key: "map", label: "Map columns", on: ["mapping"] }] : []),
    { key: "preview", label: "Preview", on: ["preview"] },
    { key: "import", label: "Import", on: ["committing"] },
    { key: "done", label: "Done", on: ["done", "undone"] },
  ];
  const current = steps.findIndex((x) => x.on.includes(s.step));

  return (
    <div className="page wide import-screen">
      <div className="page-head">
        <h1>Import listings</h1>
        {s.step !== "pick" && (
          <button
            type="button"
            className="btn"
            disabled={s.step === "uploading" || s.step === "committing"}
            onClick={() => {
              commitKey.current = "";
              act({ type: "reset" });
            }}
          >
            Start over
          </button>
        )}
      </div>
      <ol className="stepper" aria-label="Import steps">
        {steps.map((x, i) => (
          <li
            key={x.key}
            className={i === current ? "current" : i < current ? "past" : ""}
            aria-current={i === current ? "step" : undefined}
          >
            <span className="stepper-n">{i + 1}</span> {x.label}
          </li>
        ))}
      </ol>

      {s.error && (
        <p className="form-error" role="alert">
          {s.error}
        </p>
      )}

      {s.step === "pick" && (
        <section
          className={`card dropzone${dragging ? " over" : ""}`}
          aria-label="Choose a file to import"
          data-testid="dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <p className="dropzone-title">Drop a CSV, Excel or JSON file here</p>
          <p className="muted small">
            Facebook, eBay and Shopify upload files are recognised automatically; any other sheet
            can be mapped column by column. Up to {fmtBytes(MAX_UPLOAD_BYTES)}.
          </p>
          <button type="button" className="btn primary" onClick={() => fileInput.current?.click()}>
            Choose file…
          </button>
          <input
            ref={fileInput}
            type="file"
            accept={ACCEPTED_FILES}
            className="sr-only"
            aria-label="Import file"
            tabIndex={-1}
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = "";
              if (f) void upload(f);
            }}
          />
          <p className="muted small">
            Nothing is written to your listings until you review the preview and press Import.
          </p>
        </section>
      )}

      {(s.step === "uploading" || s.step === "analysing") && (
        <section className="card" aria-busy="true">
          <h3>
            {s.step === "uploading" ? "Uploading" : "Checking"} {s.file?.name}
          </h3>
          <ProgressBar
            label="Checking the file"
            value={percent(imp?.progress)}
            detail={
              s.step === "uploading"
                ? `Sending ${fmtBytes(s.file?.size ?? 0)}…`
                : analysisDetail(imp?.progress)
            }
          />
        </section>
      )}

      {imp && ["mapping", "preview", "committing", "done", "undone", "failed"].includes(s.step) && (
        <section className="card detected" aria-label="Detected file" data-testid="detected">
          <dl className="props">
            <dt>File</dt>
            <dd>
              {imp.fileName} <span className="muted">({fmtBytes(Number(imp.fileSize) || 0)})</span>
            </dd>
            <dt>Format</dt>
            <dd data-testid="detected-format">{(imp.format ?? "unknown").toUpperCase()}</dd>
            <dt>Layout</dt>
            <dd>
              <select
                aria-label="Marketplace layout"
                value={mp ?? "generic"}
                disabled={s.busy || (s.step !== "mapping" && s.step !== "preview")}
                onChange={(e) =>
                  void rerun({ type: "setMarketplace", marketplace: e.target.value as Marketplace })
                }
              >
                {MARKETPLACES.map((m) => (
                  <option key={m} value={m}>
                    {m === "generic" ? "Generic sheet (map columns)" : MARKETPLACE_LABEL[m]}
                  </option>
                ))}
              </select>{" "}
              {s.marketplace === null && <span className="muted small">detected</span>}
            </dd>
          </dl>
        </section>
      )}

      {s.step === "mapping" && (
        <MappingStep
          mapping={s.mapping}
          order={headerOrder}
          {...examplesOf(imp)}
          profiles={profiles}
          busy={s.busy}
          onTarget={(header, target) => act({ type: "setTarget", header, target })}
          onLoad={(mapping) => act({ type: "loadMapping", mapping })}
          onSave={async (name) => {
            try {
              await api.mappingProfiles.create.mutate({ name, mapping: ref.current.mapping });
              app.toast("success", `Mapping “${name}” saved`);
              loadProfiles();
              return true;
            } catch (err) {
              app.toast("error", `Mapping not saved: ${errorMessage(err)}`);
              return false;
            }
          }}
          onRemoveProfile={async (id) => {
            try {
              await api.mappingProfiles.remove.mutate({ id });
              loadProfiles();
            } catch (err) {
              app.toast("error", errorMessage(err));
            }
          }}
          onConfirm={() => void rerun({ type: "confirmMapping" })}
        />
      )}

      {s.step === "preview" && imp && (
        <section className="card" aria-labelledby="preview-head" data-testid="import-preview">
          <div className="page-head">
            <h3 id="preview-head">Preview (dry run)</h3>
            {needsMapping(s) && (
              <button
                type="button"
                className="btn ghost"
                onClick={() => act({ type: "editMapping" })}
              >
                Edit column mapping
              </button>
            )}
          </div>
          <p className="notice small" role="note">
            Nothing has been written yet. This is what would happen if you import now; your listings
            change only when you press Import.
          </p>
          <Counts imp={imp} busy={s.busy} />
          <div className="form-grid import-options">
            <label className="field">
              <span>What to do</span>
              <select
                aria-label="Import mode"
                value={s.mode}
                disabled={s.busy}
                onChange={(e) =>
                  void rerun({ type: "setMode", mode: e.target.value as ImportMode })
                }
              >
                {(Object.keys(MODE_LABEL) as ImportMode[]).map((m) => (
                  <option key={m} value={m}>
                    {MODE_LABEL[m]}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Match existing listings by</span>
              <select
                aria-label="Match existing listings by"
                value={s.matchBy}
                disabled={s.busy}
                onChange={(e) =>
                  void rerun({ type: "setMatchBy", matchBy: e.target.value as MatchBy })
                }
              >
                <option value="sku">SKU</option>
                <option value="id">Listing id</option>
              </select>
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={s.applyFixes}
                disabled={s.busy}
                onChange={(e) => void rerun({ type: "setApplyFixes", value: e.target.checked })}
              />
              Apply suggested fixes (instead of rejecting those rows)
            </label>
          </div>
          <Problems imp={imp} onDownload={() => void downloadErrors(imp)} />
          <div className="row-gap">
            <button
              type="button"
              className="btn primary"
              disabled={!canCommit(s)}
              onClick={() => void commit()}
            >
              {s.busy
                ? "Working…"
                : `Import ${(count(imp, "create") + count(imp, "update")).toLocaleString()} listings`}
            </button>
            {!s.busy && count(imp, "create") + count(imp, "update") === 0 && (
              <span className="muted small">Nothing to import with these settings.</span>
            )}
          </div>
        </section>
      )}

      {s.step === "committing" && imp && (
        <section className="card" aria-busy="true" data-testid="import-committing">
          <h3>Importing {imp.fileName}</h3>
          <ProgressBar
            label="Import progress"
            value={percent(imp.progress)}
            detail={
              imp.progress
                ? `${imp.progress.processed.toLocaleString()} of ${imp.progress.total.toLocaleString()} rows`
                : "Queued…"
            }
          />
          <p className="muted small">
            All rows land together in one step, or none do. You can leave this page; the Jobs panel
            shows the progress.
          </p>
        </section>
      )}

      {(s.step === "done" || s.step === "undone") && imp && (
        <section className="card" data-testid="import-done" aria-live="polite">
          <h3>{s.step === "done" ? "Import finished" : "Import undone"}</h3>
          <p>
            {s.step === "done"
              ? `${count(imp, "create").toLocaleString()} listings created, ${count(imp, "update").toLocaleString()} updated, ${count(imp, "skip").toLocaleString()} unchanged, ${count(imp, "reject").toLocaleString()} rejected.`
              : "The listings are back to how they were before this import."}
          </p>
          <div className="row-gap">
            {s.step === "done" ? (
              <>
                <button type="button" className="btn primary" onClick={() => app.navigate("/")}>
                  View listings
                </button>
                <button
                  type="button"
                  className="btn"
                  disabled={undoBusy}
                  onClick={() => void undoRedo(imp, "undo")}
                >
                  Undo import
                </button>
              </>
            ) : (
              <button
                type="button"
                className="btn"
                disabled={undoBusy}
                onClick={() => void undoRedo(imp, "redo")}
              >
                Redo import
              </button>
            )}
            <button
              type="button"
              className="btn ghost"
              onClick={() => {
                commitKey.current = "";
                act({ type: "reset" });
              }}
            >
              Import another file
            </button>
          </div>
        </section>
      )}

      {s.step === "failed" && (
        <div className="row-gap">
          <button type="button" className="btn primary" onClick={() => act({ type: "reset" })}>
            Choose another file
          </button>
        </div>
      )}

      <section aria-labelledby="history-head" data-testid="import-history">
        <h2 id="history-head">File history</h2>
        {history === null ? (
          <p className="muted">Loading…</p>
        ) : history.length === 0 ? (
          <p className="muted">No files imported yet.</p>
        ) : (
          <table className="data small">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Uploaded</th>
                <th scope="col">Layout</th>
                <th scope="col">Status</th>
                <th scope="col">Create</th>
                <th scope="col">Update</th>
                <th scope="col">Rejected</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {history.map((h) => (
                <tr key={h.id}>
                  <td className="ellipsis" title={h.fileName}>
                    {h.fileName}
                  </td>
                  <td className="nowrap">{new Date(h.createdAt).toLocaleString()}</td>
                  <td>{h.marketplace ? MARKETPLACE_LABEL[h.marketplace as Marketplace] : "—"}</td>
                  <td>
                    <span className={`pill ${STATUS_PILL[h.status] ?? ""}`}>{h.status}</span>
                  </td>
                  <td>{count(h, "create").toLocaleString()}</td>
                  <td>{count(h, "update").toLocaleString()}</td>
                  <td>{count(h, "reject").toLocaleString()}</td>
                  <td className="actions">
                    {h.status === "previewed" && (
                      <button type="button" className="btn small" onClick={() => void resume(h.id)}>
                        Open
                      </button>
                    )}
                    {h.status === "committed" && (
                      <button
                        type="button"
                        className="btn small"
                        disabled={undoBusy}
                        onClick={() => void undoRedo(h, "undo")}
                      >
                        Undo
                      </button>
                    )}
                    {h.status === "undone" && (
                      <button
                        type="button"
                        className="btn small"
                        disabled={undoBusy}
                        onClick={() => void undoRedo(h, "redo")}
                      >
                        Redo
                      </button>
                    )}
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

/**
 * The example per column the mapping step shows: the import's sample values, or (for an import
 * analysed before samples were kept) a value per column the dry run reported a problem with.
 */
function examplesOf(imp: ImportView | null | undefined): {
  samples: Record<string, string>;
  problemSamples: boolean;
} {
  const samples = imp?.samples;
  if (samples && Object.keys(samples).length > 0) return { samples, problemSamples: false };
  return {
    samples: samplesFrom(imp?.problems as ImportProblem[] | undefined),
    problemSamples: true,
  };
}

/** A value per column that the dry run reported a problem with (the first one listed). */
function samplesFrom(problems: ImportProblem[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of problems ?? []) if (p.value && !(p.column in out)) out[p.column] = p.value;
  return out;
}

/**
 * What the dry run's `rows` count means: Shopify rows are grouped by Handle into products (a
 * product's variants and extra images are rows of their own), so there it counts products.
 */
function fileCountLabel(marketplace: string | null | undefined): string {
  return marketplace === "shopify" ? "Products in file" : "Rows in file";
}

function Counts(props: { imp: ImportView; busy: boolean }) {
  const items: [string, string, string][] = [
    ["create", "To create", "kpi-create"],
    ["update", "To update", "kpi-update"],
    ["skip", "Unchanged", "kpi-skip"],
    ["reject", "Rejected", "kpi-reject"],
  ];
  return (
    <div className={`kpis import-counts${props.busy ? " stale" : ""}`} aria-busy={props.busy}>
      {items.map(([k, label, cls]) => (
        <div key={k} className={`kpi ${cls}`} data-testid={`count-${k}`}>
          <span className="kpi-label">{label}</span>
          <span className="kpi-value">{count(props.imp, k).toLocaleString()}</span>
        </div>
      ))}
      <div className="kpi">
        <span className="kpi-label">{fileCountLabel(props.imp.marketplace)}</span>
        <span className="kpi-value">{count(props.imp, "rows").toLocaleString()}</span>
      </div>
    </div>
  );
}

function Problems(props: { imp: ImportView; onDownload: () => void }) {
  const problems = props.imp.problems as ImportProblem[];
  const total = Number(props.imp.problemCount) || 0;
  return (
    <div className="import-problems">
      <div className="page-head">
        <h3>
          Problems{" "}
          <span className="muted small">
            {total === 0
              ? "none"
              : total > problems.length
                ? `showing ${problems.length.toLocaleString()} of ${total.toLocaleString()}`
                : total.toLocaleString()}
          </span>
        </h3>
        {total > 0 && (
          <button type="button" className="btn small" onClick={props.onDownload}>
            Download errors.csv
          </button>
        )}
      </div>
      {problems.length > 0 && (
        <div className="table-scroll">
          <table className="data small" data-testid="problems">
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Column</th>
                <th scope="col">Value</th>
                <th scope="col">Problem</th>
                <th scope="col">Suggested fix</th>
              </tr>
            </thead>
            <tbody>
              {problems.map((p) => (
                <tr key={`${p.row}-${p.column}-${p.code}`}>
                  <td>{p.row}</td>
                  <td>{p.column}</td>
                  <td className="ellipsis" title={p.value}>
                    {p.value}
                  </td>
                  <td>
                    <span
                      className={`pill ${p.severity === "error" ? "pill-error" : "pill-draft"}`}
                    >
                      {p.severity}
                    </span>{" "}
                    {p.message}
                  </td>
                  <td>{p.suggestion ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
