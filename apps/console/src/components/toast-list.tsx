import { useCallback, useRef, useState } from "react";
import type { Toast, ToastAction } from "../app-context";

/** How long a toast stays: errors longer, as they usually ask for something. */
const SHOWN_MS: Record<Toast["kind"], number> = { error: 8000, info: 4000, success: 4000 };
/** How long a toast stays once the pointer or the keyboard has left it. */
const AFTER_HOLD_MS = 2000;

/**
 * The console's toasts: the newest four, each gone after a while, but never while the pointer is
 * on it or the keyboard in it (a seller about to press its button must not see it vanish).
 */
export function useToasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(0);
  const held = useRef(new Set<number>());
  const dismiss = useCallback((id: number) => {
    held.current.delete(id);
    setToasts((ts) => ts.filter((x) => x.id !== id));
  }, []);
  const expire = useCallback(
    (id: number, ms: number) => {
      setTimeout(() => (held.current.has(id) ? expire(id, AFTER_HOLD_MS) : dismiss(id)), ms);
    },
    [dismiss],
  );
  const toast = useCallback(
    (kind: Toast["kind"], text: string, action?: ToastAction) => {
      const id = ++nextId.current;
      setToasts((t) => [...t.slice(-3), { id, kind, text, ...(action ? { action } : {}) }]);
      expire(id, SHOWN_MS[kind]);
    },
    [expire],
  );
  const hold = useCallback((id: number, on: boolean) => {
    if (on) held.current.add(id);
    else held.current.delete(id);
  }, []);
  return { toasts, toast, dismiss, hold };
}

/**
 * The toasts in the corner. A toast's action (e.g. "Show unsaved") runs on click and dismisses
 * the toast: it has done its job once the seller follows it.
 */
export function ToastList(props: {
  toasts: Toast[];
  onDismiss: (id: number) => void;
  /** The pointer or the keyboard came into a toast (true) or left it (false). */
  onHold?: (id: number, held: boolean) => void;
}) {
  return (
    <div className="toasts" aria-live="polite">
      {props.toasts.map((t) => (
        // biome-ignore lint/a11y/noStaticElementInteractions: the pointer and focus only pause the toast's dismissal; nothing is activated
        <div
          key={t.id}
          className={`toast toast-${t.kind}`}
          role={t.kind === "error" ? "alert" : "status"}
          onMouseEnter={() => props.onHold?.(t.id, true)}
          onMouseLeave={() => props.onHold?.(t.id, false)}
          onFocus={() => props.onHold?.(t.id, true)}
          onBlur={(e) => {
            if (!e.currentTarget.contains(e.relatedTarget as Node | null))
              props.onHold?.(t.id, false);
          }}
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
