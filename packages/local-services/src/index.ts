import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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

/** Where a private redis-server's process id is kept, in its data folder. */
const REDIS_PID_FILE = "redis-server.pid";

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ended meanwhile
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else, so it is not one we started.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether `pid` is a redis-server working in `dir`. redis-server rewrites its command line, but
 * it changes into its `--dir`, so its working directory tells which data folder it holds. Where
 * that cannot be read (no /proc, no lsof), the answer is no: a process of someone else's is never
 * stopped on a guess.
 */
function isRedisFor(pid: number, dir: string): boolean {
  if (process.platform === "linux") {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      return comm === "redis-server" && readlinkSync(`/proc/${pid}/cwd`) === dir;
    } catch {
      return false;
    }
  }
  const comm = spawnSync("ps", ["-o", "comm=", "-p", String(pid)], { encoding: "utf8" });
  if (comm.status !== 0 || path.basename(comm.stdout.trim()) !== "redis-server") return false;
  const cwd = spawnSync("lsof", ["-a", "-p", String(pid), "-d", "cwd", "-Fn"], {
    encoding: "utf8",
  });
  return cwd.status === 0 && cwd.stdout.split("\n").includes(`n${dir}`);
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * Stops the redis-server a previous run left on `dir` (its starter was killed before it could
 * stop it): two servers appending to one AOF would corrupt it, and each run would leave one more.
 * SIGTERM lets it write its data out; SIGKILL follows if it does not end.
 */
async function stopLeftoverRedis(dir: string): Promise<void> {
  const file = path.join(dir, REDIS_PID_FILE);
  let pid: number;
  try {
    pid = Number(readFileSync(file, "utf8").trim());
  } catch {
    return;
  }
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isRedisFor(pid, dir)) {
    signal(pid, "SIGTERM");
    if (!(await waitGone(pid, 10_000))) {
      signal(pid, "SIGKILL");
      await waitGone(pid, 5_000);
    }
  }
  rmSync(file, { force: true });
}

/**
 * On Linux the server gets SIGTERM from the kernel when this process dies, however it dies
 * (`setpriv --pdeathsig`, util-linux); elsewhere the pid file catches it on the next start.
 * The signal follows the thread that spawned it, so call `startRedis` from the main thread.
 */
function redisCommand(args: string[]): [string, string[]] {
  if (process.platform === "linux" && onPath("setpriv"))
    return ["setpriv", ["--pdeathsig", "SIGTERM", "--", "redis-server", ...args]];
  return ["redis-server", args];
}

/**
 * Starts a private redis-server on a free port with its data in `dataDir`, never touching a Redis
 * that is already running. Throws one clear line when the binary is missing. A server an earlier
 * run left on the same folder (recorded in its pid file) is stopped first.
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
  const dir = realpathSync(dataDir);
  await stopLeftoverRedis(dir);
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir];
  args.push(
    "--save",
    opts.persist === false ? "" : "60 1",
    "--appendonly",
    opts.persist === false ? "no" : "yes",
  );
  args.push("--maxmemory-policy", "noeviction");
  const [bin, argv] = redisCommand(args);
  const child = spawn(bin, argv, { stdio: ["ignore", "ignore", "inherit"] });
  const pidFile = path.join(dir, REDIS_PID_FILE);
  if (child.pid) writeFileSync(pidFile, `${child.pid}\n`);
  child.once("exit", () => {
    try {
      if (readFileSync(pidFile, "utf8").trim() === String(child.pid)) rmSync(pidFile);
    } catch {
      // already gone
    }
  });
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
