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
}) {
  const n = props.edits.length;
  return (
    <section className="conflicts unsaved" aria-label="Edits not saved" data-testid="unsaved">
      <h2>
        {n} edit{n > 1 ? "s" : ""} not saved — your values are kept here
      </h2>
      {n > 1 && props.onRetryAll && (
        <div className="conflict-actions">
          <button type="button" className="btn primary" onClick={props.onRetryAll}>
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
              <button type="button" className="btn primary" onClick={() => props.onRetry(u)}>
                Retry
              </button>
              <button type="button" className="btn" onClick={() => props.onDismiss(u)}>
                Dismiss
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
