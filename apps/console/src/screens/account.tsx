import { type FormEvent, useState } from "react";
import { api, session } from "../api/client";
import { useApp } from "../app-context";
import { MIN_PASSWORD_LENGTH } from "../lib/passwords";
import { errorMessage } from "../lib/save-logic";

/** Account details and password change (which signs out every other session). */
export function AccountScreen() {
  const app = useApp();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirmPw, setConfirmPw] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (next !== confirmPw) {
      setError("The new passwords do not match");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await api.auth.changePassword.mutate({
        currentPassword: current,
        newPassword: next,
      });
      session.set({
        accessToken: r.accessToken,
        refreshToken: r.refreshToken,
        expiresIn: r.expiresIn,
      });
      setCurrent("");
      setNext("");
      setConfirmPw("");
      app.toast("success", "Password changed; other sessions were signed out");
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="page">
      <h1>Account</h1>
      <dl className="card props">
        <div>
          <dt>Email</dt>
          <dd>{app.me.email}</dd>
        </div>
        <div>
          <dt>Name</dt>
          <dd>{`${app.me.firstName} ${app.me.lastName}`.trim() || "—"}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>{app.me.role}</dd>
        </div>
        <div>
          <dt>Member since</dt>
          <dd>{new Date(app.me.createdAt).toLocaleDateString()}</dd>
        </div>
      </dl>
      <form className="card form" onSubmit={submit}>
        <h2>Change password</h2>
        <label className="field">
          <span>Current password</span>
          <input
            type="password"
            required
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </label>
        <label className="field">
          <span>New password ({MIN_PASSWORD_LENGTH}+ characters)</span>
          <input
            type="password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Repeat new password</span>
          <input
            type="password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            autoComplete="new-password"
            value={confirmPw}
            onChange={(e) => setConfirmPw(e.target.value)}
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn primary" disabled={busy}>
          Change password
        </button>
      </form>
    </div>
  );
}
