import type { ReactNode } from "react";

/** The signed-out page: the theme switch in the corner and the card in the middle. */
export function AuthPage(props: { theme: string; onToggleTheme: () => void; children: ReactNode }) {
  return (
    <main className="auth-page">
      <button
        type="button"
        className="btn ghost icon theme-corner"
        onClick={props.onToggleTheme}
        aria-label="Toggle dark mode"
      >
        {props.theme === "dark" ? "☀" : "☾"}
      </button>
      {props.children}
    </main>
  );
}

/** The product's name on a signed-out card. */
export function AuthBrand() {
  return (
    <div className="brand big">
      <span className="brand-mark" aria-hidden="true" /> Bulk Editor
    </div>
  );
}

/** An auth form's error line, announced to screen readers; nothing without an error. */
export function FormError(props: { error?: string }) {
  if (!props.error) return null;
  return (
    <p className="form-error" role="alert">
      {props.error}
    </p>
  );
}

/** An auth form's submit button, which says so while the request runs. */
export function SubmitButton(props: { busy: boolean; label: string }) {
  return (
    <button type="submit" className="btn primary block" disabled={props.busy}>
      {props.busy ? "Please wait…" : props.label}
    </button>
  );
}
