import { type FormEvent, useState } from "react";
import { api } from "../api/client";
import { FormError, SubmitButton } from "../components/auth-page";
import { errorMessage } from "../lib/save-logic";

const requestViaApi = (email: string) => api.auth.passwordReset.request.mutate({ email });

/** "Forgot password?": asks for the email and says a link is on its way, whatever the answer. */
export function ForgotPasswordForm(props: {
  initialEmail?: string;
  onBack: () => void;
  /** Sends the request; the tRPC call unless a test passes its own. */
  request?: (email: string) => Promise<unknown>;
}) {
  const [email, setEmail] = useState(props.initialEmail ?? "");
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await (props.request ?? requestViaApi)(email.trim());
      setSentTo(email.trim());
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-labelledby="forgot-title">
      <h1 id="forgot-title">Reset your password</h1>
      {sentTo ? (
        <p className="notice" role="status">
          If an account exists for {sentTo}, an email with a link to choose a new password is on its
          way. The link works once, for 30 minutes.
        </p>
      ) : (
        <>
          <p className="muted small">We will email you a link to choose a new password.</p>
          <label className="field">
            <span>Email</span>
            <input
              type="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              autoComplete="email"
              name="email"
            />
          </label>
          <FormError error={error} />
          <SubmitButton busy={busy} label="Send reset link" />
        </>
      )}
      <p className="muted small center">
        <button type="button" className="linkish" onClick={props.onBack}>
          Back to sign in
        </button>
      </p>
    </form>
  );
}
