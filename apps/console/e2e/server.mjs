import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** A port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Polls a URL until it answers 2xx or the deadline passes. */
export async function waitFor(url, ms, isAlive = () => true) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!isAlive()) throw new Error(`server exited before ${url} was ready`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return r;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${url}`);
}

/** Stops a detached child and everything it started (its process group: redis-server too). */
export async function stopGroup(child, ms = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, ms);
  await done;
  clearTimeout(timer);
}

/**
 * Starts the real product (`scripts/start.ts`: API + workers, PGlite, a private redis-server, demo
 * data) in a temp data folder on a free port, in its own process group.
 */
export async function startServer({ env = {}, log = false } = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "mbe-e2e-"));
  const port = await freePort();
  const child = spawn(path.join(repoRoot, "node_modules/.bin/tsx"), ["scripts/start.ts"], {
    cwd: repoRoot,
    detached: true,
    stdio: ["ignore", log ? "inherit" : "pipe", log ? "inherit" : "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "development",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: path.join(dataDir, "data"),
      PGLITE_DIR: path.join(dataDir, "data/pglite"),
      LOG_LEVEL: "warn",
      RATE_LIMIT_PER_MINUTE: "100000",
      LOGIN_PER_MINUTE: "1000",
      DATABASE_URL: "",
      REDIS_URL: "",
      ...env,
    },
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output = (output + d).slice(-20_000);
  });
  child.stderr?.on("data", (d) => {
    output = (output + d).slice(-20_000);
  });
  const base = `http://127.0.0.1:${port}`;
  const alive = () => child.exitCode === null && child.signalCode === null;
  try {
    await waitFor(`${base}/health/ready`, 180_000, alive);
  } catch (err) {
    await stopGroup(child);
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`${err.message}\n--- server output ---\n${output}`);
  }
  return {
    base,
    port,
    output: () => output,
    async stop() {
      await stopGroup(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Serves the built console with `vite preview`, forwarding API paths to `apiBase`. */
export async function startPreview(apiBase) {
  const port = await freePort();
  const child = spawn(
    path.join(repoRoot, "apps/console/node_modules/.bin/vite"),
    ["preview", "--port", String(port), "--strictPort", "--host", "127.0.0.1"],
    {
      cwd: path.join(repoRoot, "apps/console"),
      detached: true,
      stdio: "ignore",
      env: { ...process.env, MBE_API_URL: apiBase },
    },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/`, 30_000, () => child.exitCode === null);
  return { base, stop: () => stopGroup(child) };
}

/** Signs in over REST (for arranging data behind the console's back). */
export async function restLogin(base, email, password) {
  const r = await fetch(`${base}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!r.ok) throw new Error(`login ${r.status}`);
  return (await r.json()).accessToken;
}

/** A JSON REST call with a bearer token. */
export async function rest(base, token, method, p, body) {
  const r = await fetch(`${base}${p}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await r.json().catch(() => null);
  if (!r.ok) throw new Error(`${method} ${p} → ${r.status} ${JSON.stringify(json)}`);
  return json;
}
