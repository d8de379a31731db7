import type { Toast } from "../app-context";

/**
 * The toasts in the corner. A toast's action (e.g. "Show unsaved") runs on click and dismisses
 * the toast: it has done its job once the seller follows it.
 */
export function ToastList(props: { toasts: Toast[]; onDismiss: (id: number) => void }) {
  return (
    <div className="toasts" aria-live="polite">
      {props.toasts.map((t) => (
        <div
          key={t.id}
          className={`toast toast-${t.kind}`}
          role={t.kind === "error" ? "alert" : "status"}
        >
          {t.text}
          {t.action && (
            <button
              type="button"
              className="toast-action"
              onClick={() => {
                props.onDismiss(t.id);
                t.action?.run();
              }}
            >
              {t.action.label}
            </button>
          )}
        </div>
      ))}
    </div>
  );
}
