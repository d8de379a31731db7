import { type FormEvent, useState } from "react";
import { api } from "../api/client";
import { AuthBrand, AuthPage, FormError, SubmitButton } from "../components/auth-page";
import { MIN_PASSWORD_LENGTH } from "../lib/passwords";
import { errorMessage } from "../lib/save-logic";

const confirmViaApi = (token: string, password: string) =>
  api.auth.passwordReset.confirm.mutate({ token, password });

/** /reset-password?token=…: the page the emailed link opens; sets a new password. */
export function ResetPasswordScreen(props: {
  token: string | null;
  /** Called once the password is set, with a notice for the sign-in screen. */
  onDone: (notice: string) => void;
  theme: string;
  onToggleTheme: () => void;
  /** Sends the new password; the tRPC call unless a test passes its own. */
  confirm?: (token: string, password: string) => Promise<unknown>;
}) {
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!props.token) return;
    if (password !== repeat) {
      setError("The two passwords differ");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await (props.confirm ?? confirmViaApi)(props.token, password);
      props.onDone("Your password was changed. Sign in with the new one.");
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthPage theme={props.theme} onToggleTheme={props.onToggleTheme}>
      <form className="auth-card" onSubmit={submit} aria-labelledby="reset-title">
        <AuthBrand />
        <h1 id="reset-title">Choose a new password</h1>
        {!props.token ? (
          <p className="form-error" role="alert">
            This page needs the link from the reset email. Request a new one from the sign-in
            screen.
          </p>
        ) : (
          <>
            <label className="field">
              <span>New password</span>
              <input
                type="password"
                required
                minLength={MIN_PASSWORD_LENGTH}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                autoComplete="new-password"
                name="password"
              />
            </label>
            <label className="field">
              <span>Repeat it</span>
              <input
                type="password"
                required
                minLength={MIN_PASSWORD_LENGTH}
                value={repeat}
                onChange={(e) => setRepeat(e.target.value)}
                autoComplete="new-password"
                name="repeat"
              />
            </label>
            <FormError error={error} />
            <SubmitButton busy={busy} label="Set password" />
          </>
        )}
        <p className="muted small center">
          <button type="button" className="linkish" onClick={() => props.onDone("")}>
            Back to sign in
          </button>
        </p>
      </form>
    </AuthPage>
  );
}
