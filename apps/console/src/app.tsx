import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, session } from "./api/client";
import { AppContext, type AppCtx, type Me } from "./app-context";
import { ShortcutSheet, useShortcutSheet } from "./components/shortcut-sheet";
import { StatusIndicator } from "./components/status-indicator";
import { ToastList, useToasts } from "./components/toast-list";
import { errorMessage } from "./lib/save-logic";
import { AccountScreen } from "./screens/account";
import { AdminScreen } from "./screens/admin";
import { ApiKeysScreen } from "./screens/api-keys";
import { AuditScreen } from "./screens/audit";
import { GridScreen } from "./screens/grid-screen";
import { ImportScreen } from "./screens/import-screen";
import { JobsButton } from "./screens/jobs-panel";
import { OcrScreen } from "./screens/ocr-screen";
import { OverviewScreen } from "./screens/overview";
import { ResetPasswordScreen } from "./screens/reset-password";
import { HeaderSearch, SearchScreen } from "./screens/search-screen";
import { SignInScreen } from "./screens/sign-in";
import { TemplatesScreen } from "./screens/templates";

type Theme = "light" | "dark";

function applyTheme(t: Theme) {
  document.documentElement.dataset.theme = t;
  localStorage.setItem("mbe.theme", t);
}

const NAV = [
  { path: "/", label: "Listings" },
  { path: "/import", label: "Import" },
  { path: "/scan", label: "Scan" },
  { path: "/overview", label: "Overview" },
  { path: "/templates", label: "Templates" },
  { path: "/audit", label: "Audit log" },
  { path: "/api-keys", label: "API keys" },
  { path: "/account", label: "Account" },
] as const;

/** The whole console: sign-in gate, then the shell with navigation and screens. */
export function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [booting, setBooting] = useState(session.hasRefreshToken);
  const [notice, setNotice] = useState<string | undefined>();
  const [path, setPath] = useState(location.pathname);
  const [query, setQuery] = useState(location.search);
  const { toasts, toast, dismiss, hold } = useToasts();
  const [sheet, setSheet] = useShortcutSheet();
  const [theme, setTheme] = useState<Theme>(
    document.documentElement.dataset.theme === "dark" ? "dark" : "light",
  );
  const prefsRef = useRef<Record<string, unknown>>({});
  const prefsTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const loadMe = useCallback(async () => {
    try {
      const m = await api.auth.me.query();
      prefsRef.current = m.preferences ?? {};
      const t = prefsRef.current.theme;
      if (t === "dark" || t === "light") {
        setTheme(t);
        applyTheme(t);
      }
      setMe(m);
    } catch (err) {
      if (!session.hasRefreshToken) return;
      setNotice(errorMessage(err));
      session.clear();
    } finally {
      setBooting(false);
    }
  }, []);

  useEffect(() => {
    const off = session.onChange((signedIn, reason) => {
      if (!signedIn) {
        setMe(null);
        if (reason) setNotice(reason);
      }
    });
    if (session.hasRefreshToken)
      void session.refresh().then((ok) => (ok ? loadMe() : setBooting(false)));
    return () => {
      off();
    };
  }, [loadMe]);

  useEffect(() => {
    const onPop = () => {
      setPath(location.pathname);
      setQuery(location.search);
    };
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === "k") {
        const box = document.getElementById("semantic-search");
        if (box) {
          e.preventDefault();
          box.focus();
        }
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  const navigate = useCallback((p: string) => {
    history.pushState(null, "", p);
    setPath(location.pathname);
    setQuery(location.search);
  }, []);

  const setPrefs = useCallback((patch: Record<string, unknown>) => {
    prefsRef.current = { ...prefsRef.current, ...patch };
    if (prefsTimer.current) clearTimeout(prefsTimer.current);
    prefsTimer.current = setTimeout(() => {
      api.auth.updateMe.mutate({ preferences: prefsRef.current }).catch(() => undefined);
    }, 800);
  }, []);

  const toggleTheme = () => {
    const next: Theme = theme === "dark" ? "light" : "dark";
    setTheme(next);
    applyTheme(next);
    if (me) setPrefs({ theme: next });
  };

  const signOut = async () => {
    const rt = session.refreshToken;
    try {
      if (rt) await api.auth.logout.mutate({ refreshToken: rt });
    } catch {
      // signing out locally is what matters
    }
    session.clear();
    setMe(null);
    navigate("/");
  };

  const ctx: AppCtx | null = useMemo(
    () => (me ? { me, prefs: prefsRef.current, setPrefs, toast, navigate } : null),
    [me, setPrefs, toast, navigate],
  );

  const toastList = <ToastList toasts={toasts} onDismiss={dismiss} onHold={hold} />;

  // The emailed link opens this page, signed in or not; a new password ends every session.
  if (path === "/reset-password")
    return (
      <>
        <ResetPasswordScreen
          token={new URLSearchParams(query).get("token")}
          theme={theme}
          onToggleTheme={toggleTheme}
          onDone={(message) => {
            if (message) {
              session.clear();
              setMe(null);
              setNotice(message);
            }
            navigate("/");
          }}
        />
        {toastList}
      </>
    );
  if (booting)
    return (
      <div className="boot" aria-busy="true">
        Loading…
      </div>
    );
  if (!me || !ctx)
    return (
      <>
        <SignInScreen
          notice={notice}
          onSignedIn={async () => {
            setNotice(undefined);
            await loadMe();
          }}
          theme={theme}
          onToggleTheme={toggleTheme}
        />
        {sheet && <ShortcutSheet onClose={() => setSheet(false)} />}
        {toastList}
      </>
    );

  const nav = me.role === "admin" ? [...NAV, { path: "/admin", label: "Admin" } as const] : NAV;
  let screen: React.ReactNode;
  switch (path) {
    case "/overview":
      screen = <OverviewScreen />;
      break;
    case "/import":
      screen = <ImportScreen />;
      break;
    case "/scan":
      screen = <OcrScreen />;
      break;
    case "/search":
      screen = <SearchScreen search={query} />;
      break;
    case "/templates":
      screen = <TemplatesScreen />;
      break;
    case "/audit":
      screen = <AuditScreen />;
      break;
    case "/api-keys":
      screen = <ApiKeysScreen />;
      break;
    case "/account":
      screen = <AccountScreen />;
      break;
    case "/admin":
      screen = me.role === "admin" ? <AdminScreen /> : <p className="page">Administrators only.</p>;
      break;
    default:
      screen = <GridScreen />;
  }

  return (
    <AppContext.Provider value={ctx}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand" title="Marketplace Bulk Editor">
          <span className="brand-mark" aria-hidden="true" />
          Bulk Editor
        </div>
        <nav aria-label="Main">
          {nav.map((n) => (
            <a
              key={n.path}
              href={n.path}
              className={
                path === n.path ||
                (n.path === "/" && path !== "/search" && !nav.some((x) => x.path === path))
                  ? "active"
                  : ""
              }
              aria-current={path === n.path ? "page" : undefined}
              onClick={(e) => {
                e.preventDefault();
                navigate(n.path);
              }}
            >
              {n.label}
            </a>
          ))}
        </nav>
        <div className="topbar-right">
          <HeaderSearch />
          <StatusIndicator />
          <JobsButton page={path} />
          <button
            type="button"
            className="btn ghost icon"
            onClick={() => setSheet(true)}
            aria-label="Keyboard shortcuts"
            title="Keyboard shortcuts (?)"
          >
            ?
          </button>
          <button
            type="button"
            className="btn ghost icon"
            onClick={toggleTheme}
            aria-label={theme === "dark" ? "Switch to light mode" : "Switch to dark mode"}
            title="Toggle dark mode"
          >
            {theme === "dark" ? "☀" : "☾"}
          </button>
          <span className="user" title={me.email}>
            {me.email}
          </span>
          <button type="button" className="btn ghost" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="main">
        {screen}
      </main>
      {sheet && <ShortcutSheet onClose={() => setSheet(false)} />}
      {toastList}
    </AppContext.Provider>
  );
}
