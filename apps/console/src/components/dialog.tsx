import { type ReactNode, useEffect, useRef } from "react";

/**
 * A modal dialog on the native <dialog> element: focus moves in, Esc closes, focus returns to
 * whatever opened it.
 */
export function Dialog(props: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
  footer?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const { onClose } = props;
  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (d && !d.open) {
      if (typeof d.showModal === "function") d.showModal();
      else d.setAttribute("open", "");
    }
    // The first control that can take the keyboard: a disabled one (the "Selected rows" choice
    // with nothing selected) refuses the focus, which would stay on the Close button or behind
    // the dialog.
    const first = d?.querySelector<HTMLElement>(
      "[autofocus], input:not(:disabled), select:not(:disabled), textarea:not(:disabled), button:not(.dialog-close):not(:disabled)",
    );
    first?.focus();
    return () => opener?.focus?.();
  }, []);
  return (
    <dialog
      ref={ref}
      className={`dialog${props.wide ? " wide" : ""}`}
      aria-label={props.title}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => e.stopPropagation()}
    >
      <div className="dialog-head">
        <h2>{props.title}</h2>
        <button
          type="button"
          className="btn ghost icon dialog-close"
          aria-label="Close"
          onClick={onClose}
        >
          ×
        </button>
      </div>
      <div className="dialog-body">{props.children}</div>
      {props.footer && <div className="dialog-foot">{props.footer}</div>}
    </dialog>
  );
}
