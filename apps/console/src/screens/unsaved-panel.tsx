import { useRef } from "react";
import { usePanelFocus } from "../components/panel-focus";

/** The unsaved panel's element id, for a message that takes the seller to it. */
export const UNSAVED_PANEL_ID = "unsaved-edits";

/**
 * How a message about a failed save tells the seller where the values went and how to send them
 * again, for `n` rows not saved.
 */
export function keptForRetry(n: number): string {
  return n > 1
    ? "your values are kept in the unsaved panel, with Retry and Retry all"
    : "your value is kept in the unsaved panel, with Retry";
}

/** A single edit the server did not save (not a conflict): what the seller typed, kept to retry. */
export interface UnsavedEdit {
  rowId: string;
  /** The listing's title when the edit was made, to name it. */
  title: string;
  /** What the undo history calls the edit once saved. */
  label: string;
  /** The change as it is sent again. */
  patch: Record<string, unknown>;
  /** The cells the seller changed, as the grid shows them. */
  values: { field: string; text: string }[];
  /** Why the server did not save it. */
  message: string;
  /** The API's machine-readable code for it (e.g. VALIDATION_FAILED), for support. */
  code?: string;
  /**
   * The bulk save (paste, fill, clear…) each field of the patch was left over from, by field: an
   * undo of that save takes its leftovers back out, so Retry cannot re-apply part of it.
   */
  from?: Record<string, number>;
}

/**
 * Edits that failed to save (a dropped connection, a server error): each keeps the seller's
 * values on screen with a Retry that sends the same change again, or Dismiss to let it go.
 */
export function UnsavedPanel(props: {
  edits: UnsavedEdit[];
  onRetry: (u: UnsavedEdit) => void;
  onDismiss: (u: UnsavedEdit) => void;
  /** Sends every edit kept here again at once (a failed paste over many rows, say). */
  onRetryAll?: () => void;
  /** Takes the keyboard when the last edit leaves the panel with the focus on its button. */
  onLeave?: () => void;
}) {
  const n = props.edits.length;
  const ref = useRef<HTMLElement>(null);
  const used = usePanelFocus(ref, props.onLeave);
  return (
    <section
      ref={ref}
      id={UNSAVED_PANEL_ID}
      className="conflicts unsaved"
      aria-label="Edits not saved"
      data-testid="unsaved"
      // Focusable from script only, so "Show unsaved" on a toast can bring the keyboard here.
      tabIndex={-1}
    >
      <h2>
        {n} edit{n > 1 ? "s" : ""} not saved — your values are kept here
      </h2>
      {n > 1 && props.onRetryAll && (
        <div className="conflict-actions">
          <button
            type="button"
            className="btn primary"
            onClick={(e) => {
              used(e);
              props.onRetryAll?.();
            }}
          >
            Retry all {n}
          </button>
        </div>
      )}
      <ul>
        {props.edits.slice(0, 20).map((u) => (
          <li key={u.rowId} className="conflict-item">
            <strong className="conflict-title">{u.title}</strong>
            <p className="unsaved-reason" title={u.code} data-code={u.code}>
              {u.message}
            </p>
            <table>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Yours (not saved)</th>
                </tr>
              </thead>
              <tbody>
                {u.values.map((v) => (
                  <tr key={v.field}>
                    <th scope="row">{v.field}</th>
                    <td className="mine">{v.text === "" ? "(empty)" : v.text}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="conflict-actions">
              <button
                type="button"
                className="btn primary"
                onClick={(e) => {
                  used(e);
                  props.onRetry(u);
                }}
              >
                Retry
              </button>
              <button
                type="button"
                className="btn"
                onClick={(e) => {
                  used(e);
                  props.onDismiss(u);
                }}
              >
                Dismiss
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
