import { useCallback, useEffect, useRef, useState } from "react";
import { api, type Inputs, type Outputs } from "../api/client";
import { Dialog } from "../components/dialog";
import { MARKETPLACE_LABEL, MARKETPLACES, type Marketplace } from "../lib/columns";
import { announceJob } from "../lib/jobs";
import { errorMessage } from "../lib/save-logic";
import {
  filterScopeSuffix,
  MAX_SELECTED_ROWS,
  selectionScope,
  tooManySelectedLabel,
} from "../lib/selection-scope";

type ExportJob = Outputs["exports"]["byId"];
type Format = NonNullable<Inputs["exports"]["create"]["format"]>;

const FORMATS: { value: Format; label: string }[] = [
  { value: "csv", label: "CSV" },
  { value: "xlsx", label: "Excel (.xlsx)" },
  { value: "json", label: "JSON" },
  { value: "sql", label: "SQL" },
  { value: "text", label: "Text" },
];

/** Exports the selection, the current filter or everything as a queued job with a download link. */
export function ExportDialog(props: {
  /** The selected listings, or null when the grid has no range selected or cannot list it. */
  selectedIds: string[] | null;
  /** How many rows the grid's selected range covers (0 for none), even when too many to list. */
  selectedRows?: number;
  filter: Record<string, unknown>;
  total: number;
  marketplace: Marketplace;
  onClose: () => void;
}) {
  const [format, setFormat] = useState<Format>("csv");
  const [marketplace, setMarketplace] = useState<Marketplace>(props.marketplace);
  const range = selectionScope(props.selectedIds, props.selectedRows, props.total);
  const { tooMany, selectionIsFilter } = range;
  const [scope, setScope] = useState<"selection" | "filter" | "all" | null>(range.initial);
  const [job, setJob] = useState<ExportJob | null>(null);
  const [recent, setRecent] = useState<ExportJob[]>([]);
  const [error, setError] = useState<string | null>(null);
  /** The create request is in flight: a second click must not queue a second export. */
  const [starting, setStarting] = useState(false);
  const startingRef = useRef(false);
  /** Failed polls in a row; a lost answer retries (more slowly) instead of stopping the poll. */
  const [pollFailures, setPollFailures] = useState(0);

  const loadRecent = useCallback(() => {
    api.exports.list
      .query()
      .then((r) =>
        setRecent((Array.isArray(r) ? r : (r as { items: ExportJob[] }).items).slice(0, 5)),
      )
      .catch(() => undefined);
  }, []);
  useEffect(loadRecent, [loadRecent]);
  // A finished export joins the recent list (with its link) without reopening the dialog.
  const finished = !!job && (job.status === "completed" || job.status === "failed");
  useEffect(() => {
    if (finished) loadRecent();
  }, [finished, loadRecent]);

  // Poll the running job until it finishes.
  useEffect(() => {
    if (!job || job.status === "completed" || job.status === "failed") return;
    let stop = false;
    const t = setTimeout(
      () => {
        api.exports.byId
          .query({ id: job.id })
          .then((j) => {
            if (stop) return;
            setError(null);
            setPollFailures(0);
            setJob(j);
          })
          .catch((err) => {
            if (stop) return;
            setError(errorMessage(err));
            setPollFailures((n) => n + 1);
          });
      },
      Math.min(1000 * 2 ** pollFailures, 15_000),
    );
    return () => {
      stop = true;
      clearTimeout(t);
    };
  }, [job, pollFailures]);

  const start = async () => {
    if (startingRef.current) return;
    // Never export more than the seller chose: no scope, or a selection without its rows, is asked
    // about instead of falling back to the filter or to everything.
    if (scope === null || (scope === "selection" && !props.selectedIds?.length)) {
      setError(
        `Choose what to export: a selection holds at most ${MAX_SELECTED_ROWS.toLocaleString()} rows`,
      );
      return;
    }
    startingRef.current = true;
    setStarting(true);
    setError(null);
    setPollFailures(0);
    try {
      const selection =
        scope === "selection"
          ? { ids: props.selectedIds ?? [] }
          : scope === "filter"
            ? { filter: props.filter }
            : undefined;
      setJob(
        await api.exports.create.mutate({
          format,
          marketplace,
          ...(selection ? { selection } : {}),
        }),
      );
      announceJob();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      startingRef.current = false;
      setStarting(false);
    }
  };

  const running = !!job && job.status !== "completed" && job.status !== "failed";
  return (
    <Dialog
      title="Export listings"
      onClose={props.onClose}
      footer={
        <>
          <span className="spacer" />
          <button type="button" className="btn" onClick={props.onClose}>
            Close
          </button>
          {/* Refused while an export starts or runs by aria-disabled, not disabled: a disabled
              button loses the focus it has, which would drop to the page behind the dialog. */}
          <button
            type="button"
            className="btn primary"
            aria-disabled={running || starting}
            onClick={() => {
              if (!running) void start();
            }}
          >
            {starting ? "Starting…" : "Export"}
          </button>
        </>
      }
    >
      <fieldset className="radio-row">
        <legend>Listings</legend>
        <label>
          <input
            type="radio"
            name="export-scope"
            checked={scope === "selection"}
            disabled={!props.selectedIds?.length}
            onChange={() => setScope("selection")}
          />
          Selected rows{" "}
          {props.selectedIds
            ? `(${props.selectedIds.length.toLocaleString()})`
            : tooMany
              ? tooManySelectedLabel(range.selectedRows, "exported")
              : ""}
        </label>
        <label>
          <input
            type="radio"
            name="export-scope"
            checked={scope === "filter"}
            onChange={() => setScope("filter")}
          />
          {tooMany
            ? `All ${props.total.toLocaleString()} matching the current filter${filterScopeSuffix(range)}`
            : `Current filter (${props.total.toLocaleString()})`}
        </label>
        <label>
          <input
            type="radio"
            name="export-scope"
            checked={scope === "all"}
            onChange={() => setScope("all")}
          />
          Everything
        </label>
      </fieldset>
      {tooMany && !selectionIsFilter && (
        <p className="muted small" role="note">
          To export only the rows you selected, narrow the filter or select at most{" "}
          {MAX_SELECTED_ROWS.toLocaleString()} rows.
        </p>
      )}
      <div className="form-grid">
        <label className="field">
          <span>Format</span>
          <select value={format} onChange={(e) => setFormat(e.target.value as Format)}>
            {FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Layout</span>
          <select
            value={marketplace}
            onChange={(e) => setMarketplace(e.target.value as Marketplace)}
          >
            {MARKETPLACES.map((m) => (
              <option key={m} value={m}>
                {m === "generic" ? "Generic (all fields)" : `${MARKETPLACE_LABEL[m]} upload file`}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {job && (
        <p role="status" data-testid="export-status">
          {job.status === "completed" && job.downloadUrl ? (
            <>
              Ready:{" "}
              <a href={job.downloadUrl} download={job.fileName ?? undefined}>
                {job.fileName ?? "download"}
              </a>{" "}
              ({job.rowCount?.toLocaleString() ?? 0} rows)
            </>
          ) : job.status === "failed" ? (
            <span className="warn-text">Export failed: {job.error}</span>
          ) : (
            <>
              Exporting…{" "}
              {job.progress
                ? `${job.progress.processed.toLocaleString()} / ${job.progress.total.toLocaleString()}`
                : job.status}
            </>
          )}
        </p>
      )}
      {job?.status === "completed" && (job.warnings ?? []).length > 0 && (
        <div className="export-warnings" data-testid="export-warnings">
          <p className="warn-text">
            The file holds every listing as it is, but the marketplace may refuse some of them:
          </p>
          <ul className="plain-list">
            {(job.warnings ?? []).map((w) => (
              <li key={w.code} data-code={w.code}>
                {w.message}
                {w.sample.length > 0 && (
                  <span className="muted">
                    {" "}
                    ({w.count > w.sample.length ? "e.g. " : ""}
                    {w.sample.join(", ")})
                  </span>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      {recent.length > 0 && (
        <>
          <h3>Recent exports</h3>
          <ul className="plain-list">
            {recent.map((r) => (
              <li key={r.id}>
                {new Date(r.createdAt).toLocaleString()} · {r.format} · {r.marketplace ?? "generic"}{" "}
                ·{" "}
                {r.status === "completed" && r.downloadUrl ? (
                  <a href={r.downloadUrl}>{r.fileName ?? "download"}</a>
                ) : (
                  r.status
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </Dialog>
  );
}
