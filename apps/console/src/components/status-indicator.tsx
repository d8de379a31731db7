import { useEffect, useState } from "react";
import { pingStatus } from "../api/client";

type State = { ok: true; version: string; latencyMs: number } | { ok: false; since: number } | null;

/** Polls system.status every 15 s and shows connected/offline, the API version and latency. */
export function StatusIndicator() {
  const [state, setState] = useState<State>(null);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      try {
        const s = await pingStatus();
        if (alive) setState({ ok: true, ...s });
      } catch {
        if (alive) setState((p) => ({ ok: false, since: p && !p.ok ? p.since : Date.now() }));
      }
      if (alive) timer = setTimeout(tick, document.hidden ? 60_000 : 15_000);
    };
    void tick();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, []);
  const label = !state
    ? "Checking backend…"
    : state.ok
      ? `Connected · v${state.version} · ${state.latencyMs} ms`
      : "Backend unreachable";
  return (
    <output
      className={`status ${!state ? "pending" : state.ok ? "ok" : "down"}`}
      aria-live="polite"
      title={label}
      data-testid="backend-status"
    >
      <span className="dot" aria-hidden="true" />
      <span className="status-text">
        {state?.ok ? `v${state.version} · ${state.latencyMs} ms` : state ? "Offline" : "…"}
      </span>
      <span className="sr-only">{label}</span>
    </output>
  );
}
