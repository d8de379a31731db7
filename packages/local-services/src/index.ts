import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface LocalService {
  url: string;
  /** The service's process id. */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Finds a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once host:port accepts a TCP connection, or rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing answered on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function onPath(bin: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    });
}

/**
 * Starts a private redis-server on a free port with its data in `dataDir`, never touching a Redis
 * that is already running. Throws one clear line when the binary is missing.
 */
export async function startRedis(
  dataDir: string,
  opts: { persist?: boolean } = {},
): Promise<LocalService> {
  if (!onPath("redis-server")) {
    throw new Error(
      "redis-server is not installed: install it (Debian/Ubuntu: apt-get install redis-server, macOS: brew install redis) or set REDIS_URL",
    );
  }
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", path.resolve(dataDir)];
  args.push(
    "--save",
    opts.persist === false ? "" : "60 1",
    "--appendonly",
    opts.persist === false ? "no" : "yes",
  );
  args.push("--maxmemory-policy", "noeviction");
  const child = spawn("redis-server", args, { stdio: ["ignore", "ignore", "inherit"] });
  await waitForPort("127.0.0.1", port);
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid, stop: stopper(child) };
}

/**
 * Starts a Chroma server (the `chroma run` CLI shipped by the chromadb npm package) as a child
 * process; its native binding blocks its event loop, so it never runs in-process. The server ends
 * itself when this process is gone without having stopped it (`parent-watch.mjs`).
 */
export async function startChroma(dataDir: string, chromaCliPath: string): Promise<LocalService> {
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      "--import",
      fileURLToPath(new URL("./parent-watch.mjs", import.meta.url)),
      chromaCliPath,
      "run",
      "--path",
      path.resolve(dataDir),
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
    ],
    {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, MBE_PARENT_PID: String(process.pid) },
    },
  );
  await waitForPort("127.0.0.1", port, 30_000);
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: stopper(child) };
}
