import { pingDb } from "@mbe/db";
import { Hono } from "hono";
import type { AppDeps } from "../http/deps";
import type { AppEnv } from "../http/env";

async function timed<T>(
  fn: () => Promise<T>,
  timeoutMs = 2000,
): Promise<{ ok: boolean; ms: number; error?: string; info?: T }> {
  const t = performance.now();
  try {
    const info = await Promise.race([
      fn(),
      new Promise<never>((_, rej) =>
        setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref?.(),
      ),
    ]);
    return { ok: true, ms: Math.round(performance.now() - t), info };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - t), error: (err as Error).message };
  }
}

/** GET /health (process is up) and GET /health/ready (database, Redis and the rest answer). */
export function healthRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const live = JSON.stringify({ status: "ok", version: deps.version });
  app.get("/", (c) => c.body(live, 200, { "Content-Type": "application/json" }));
  app.get("/ready", async (c) => {
    const checks: Record<string, unknown> = {};
    let ok = true;
    const db = await timed(() => pingDb(deps.db));
    checks.database = { ok: db.ok, ms: db.ms, ...(db.error ? { error: db.error } : {}) };
    ok &&= db.ok;
    for (const r of deps.readiness) {
      const res = await timed(() => r.check());
      checks[r.name] = {
        ok: res.ok,
        ms: res.ms,
        ...(res.error ? { error: res.error } : {}),
        ...(res.info ?? {}),
      };
      ok &&= res.ok;
    }
    return c.json(
      { status: ok ? "ready" : "degraded", version: deps.version, checks },
      ok ? 200 : 503,
    );
  });
  return app;
}
