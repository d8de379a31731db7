import { type FormEvent, useEffect, useRef, useState } from "react";
import { api, session } from "../api/client";
import { AuthBrand, AuthPage, FormError, SubmitButton } from "../components/auth-page";
import { MIN_PASSWORD_LENGTH } from "../lib/passwords";
import { errorMessage } from "../lib/save-logic";
import { ForgotPasswordForm } from "./forgot-password";

/** Sign-in, registration and the "forgot password" request. */
export function SignInScreen(props: {
  notice?: string;
  onSignedIn: () => Promise<void>;
  theme: string;
  onToggleTheme: () => void;
}) {
  const [mode, setMode] = useState<"signin" | "register" | "forgot">("signin");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [firstName, setFirstName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const emailRef = useRef<HTMLInputElement>(null);
  useEffect(() => emailRef.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r =
        mode === "signin"
          ? await api.auth.login.mutate({ email, password })
          : await api.auth.register.mutate({ email, password, firstName });
      session.set({
        accessToken: r.accessToken,
        refreshToken: r.refreshToken,
        expiresIn: r.expiresIn,
      });
      await props.onSignedIn();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (mode === "forgot")
    return (
      <main className="auth-page">
        <div className="auth-card">
          <AuthBrand />
          <ForgotPasswordForm initialEmail={email} onBack={() => setMode("signin")} />
        </div>
      </main>
    );

  return (
    <AuthPage theme={props.theme} onToggleTheme={props.onToggleTheme}>
      <form className="auth-card" onSubmit={submit} aria-labelledby="auth-title">
        <AuthBrand />
        <h1 id="auth-title">{mode === "signin" ? "Sign in" : "Create your account"}</h1>
        {props.notice && (
          <p className="notice" role="status">
            {props.notice}
          </p>
        )}
        {mode === "register" && (
          <label className="field">
            <span>First name</span>
            <input
              value={firstName}
              onChange={(e) => setFirstName(e.target.value)}
              autoComplete="given-name"
              maxLength={100}
            />
          </label>
        )}
        <label className="field">
          <span>Email</span>
          <input
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            autoComplete="email"
            name="email"
            ref={emailRef}
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            type="password"
            required
            minLength={mode === "register" ? MIN_PASSWORD_LENGTH : 1}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete={mode === "signin" ? "current-password" : "new-password"}
            name="password"
          />
        </label>
        <FormError error={error} />
        <SubmitButton busy={busy} label={mode === "signin" ? "Sign in" : "Create account"} />
        <p className="muted small center">
          {mode === "signin" ? "New here? " : "Already have an account? "}
          <button
            type="button"
            className="linkish"
            onClick={() => {
              setMode(mode === "signin" ? "register" : "signin");
              setError(undefined);
            }}
          >
            {mode === "signin" ? "Create an account" : "Sign in"}
          </button>
        </p>
        {mode === "signin" && (
          <p className="muted small center">
            <button
              type="button"
              className="linkish"
              onClick={() => {
                setMode("forgot");
                setError(undefined);
              }}
            >
              Forgot password?
            </button>
          </p>
        )}
        <p className="muted small center">Demo: demo@example.com / demo-password</p>
      </form>
    </AuthPage>
  );
}
