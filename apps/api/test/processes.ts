/**
 * Private services and app processes for the fault and soak suites: each one runs on its own port
 * and data folder so it can be killed and restarted without touching a system PostgreSQL or Redis.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, waitForPort } from "@mbe/local-services";
import { chromaCliPath } from "@mbe/search";
import postgres from "postgres";
import { API_NODE_FLAGS } from "../src/node-flags";

const children = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}
// However the suite ends (failure, CI timeout), no child it started outlives it.
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a value other than undefined/false. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
  });
}

async function killChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill(signal);
  const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await done;
  clearTimeout(t);
}

/** A folder under the OS temp dir, removed by `cleanup()`. */
export function tempDir(tag: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `mbe-${tag}-`));
}

const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

export interface PrivatePostgres {
  port: number;
  /** URL of a database on this cluster. */
  url(db?: string): string;
  createDatabase(name: string): Promise<string>;
  restart(): void;
  stop(): void;
}

/**
 * A PostgreSQL cluster of its own (initdb + pg_ctl) on a free port, tuned for throwaway data.
 * initdb refuses to run as root, so under root the cluster belongs to the `postgres` user.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = tempDir("pg");
  const data = path.join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  let ids: { uid: number; gid: number } | undefined;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    ids = { uid, gid };
    chownSync(dir, uid, gid);
  }
  const run = (bin: string, args: string[]) =>
    execFileSync(path.join(PG_BIN, bin), args, {
      stdio: ["ignore", "ignore", "pipe"],
      cwd: dir,
      ...(ids ?? {}),
    });
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
    "-c shared_buffers=64MB",
  ].join(" ");
  const ctl = (action: string, extra: string[] = []) =>
    run("pg_ctl", [
      action,
      "-D",
      data,
      "-o",
      opts,
      "-l",
      path.join(dir, "log"),
      "-w",
      "-t",
      "60",
      ...extra,
    ]);
  ctl("start");
  await waitForPort("127.0.0.1", port);
  const url = (db = "postgres") => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return {
    port,
    url,
    async createDatabase(name) {
      const admin = postgres(url(), { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database "${name}"`);
      await admin.end();
      return url(name);
    },
    restart: () => ctl("restart", ["-m", "fast"]),
    stop() {
      try {
        ctl("stop", ["-m", "immediate"]);
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Restartable {
  url: string;
  pid(): number | undefined;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts again on the same port and data folder. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

function restartable(
  port: number,
  url: string,
  dir: string,
  launch: () => ChildProcess,
  timeoutMs: number,
): Restartable {
  let child: ChildProcess | undefined;
  const svc: Restartable = {
    url,
    pid: () => child?.pid,
    async kill() {
      if (child) await killChild(child, "SIGKILL");
    },
    async start() {
      child = track(launch());
      await waitForPort("127.0.0.1", port, timeoutMs);
    },
    async stop() {
      if (child) await killChild(child, "SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return svc;
}

/**
 * A private redis-server with appendonly on (as production runs it), so queued jobs survive a
 * crash and restart on the same port.
 */
export async function startPrivateRedis(): Promise<Restartable> {
  const dir = tempDir("redis");
  const port = await freePort();
  const svc = restartable(
    port,
    `redis://127.0.0.1:${port}`,
    dir,
    () =>
      spawn(
        "redis-server",
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--dir",
          dir,
          "--appendonly",
          "yes",
          "--appendfsync",
          "everysec",
          "--save",
          "",
          "--maxmemory-policy",
          "noeviction",
        ],
        { stdio: "ignore" },
      ),
    15_000,
  );
  await svc.start();
  return svc;
}

/** A private Chroma server (the chromadb npm CLI) that can be killed and restarted in place. */
export async function startPrivateChroma(): Promise<Restartable> {
  const dir = tempDir("chroma");
  mkdirSync(path.join(dir, "data"), { recursive: true });
  const port = await freePort();
  const cli = chromaCliPath();
  const svc = restartable(
    port,
    `http://127.0.0.1:${port}`,
    dir,
    () =>
      spawn(
        process.execPath,
        [
          cli,
          "run",
          "--path",
          path.join(dir, "data"),
          "--host",
          "127.0.0.1",
          "--port",
          String(port),
        ],
        { stdio: "ignore" },
      ),
    30_000,
  );
  await svc.start();
  return svc;
}

export interface AppProcess {
  child: ChildProcess;
  pid: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** The last lines (up to 300) the process wrote to stdout and stderr. */
  recentOutput(): string[];
}

const JWT_SECRET = "faults-secret-faults-secret-faults-secret";

/** PROC_NODE_ARGS_API="--cpu-prof --cpu-prof-dir=/tmp/p" profiles one kind of child (API, worker). */
const nodeArgs = (tag: string) =>
  (process.env[`PROC_NODE_ARGS_${tag.toUpperCase()}`] ?? "").split(" ").filter(Boolean);

/** The last lines each child printed, so a failing suite can show what the process said. */
const tails = new WeakMap<ChildProcess, string[]>();
const TAIL_LINES = 300;

function spawnTs(entry: string, env: Record<string, string>, tag: string): ChildProcess {
  const child = track(
    spawn(
      process.execPath,
      [...(tag === "api" ? API_NODE_FLAGS : []), ...nodeArgs(tag), "--import", "tsx", entry],
      {
        env: { ...process.env, NODE_ENV: "production", JWT_SECRET, LOG_LEVEL: "warn", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    ),
  );
  const verbose = process.env.FAULTS_VERBOSE === "1";
  const tail: string[] = [];
  tails.set(child, tail);
  const forward = (stream: NodeJS.ReadableStream | null) =>
    stream?.on("data", (b: Buffer) => {
      if (verbose) process.stderr.write(`[${tag}] ${b}`);
      for (const line of String(b).split("\n")) {
        if (!line.trim()) continue;
        tail.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
        if (tail.length > TAIL_LINES) tail.shift();
      }
    });
  forward(child.stdout);
  forward(child.stderr);
  return child;
}

function wrapProcess(child: ChildProcess): AppProcess {
  return {
    child,
    pid: child.pid ?? 0,
    kill: (signal = "SIGTERM") => killChild(child, signal),
    recentOutput: () => [...(tails.get(child) ?? [])],
  };
}

export interface ApiProcess extends AppProcess {
  url: string;
}

/** The real API (apps/api/src/main.ts) in its own process. */
export async function startApi(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawnTs(
    "apps/api/src/main.ts",
    { PORT: String(port), HOST: "127.0.0.1", SEED_DEMO: "0", RUN_WORKERS: "0", ...env },
    "api",
  );
  const failed = exited(child).then(() => {
    throw new Error(`the API exited (code ${child.exitCode}) before listening`);
  });
  await Promise.race([waitForPort("127.0.0.1", port, 90_000), failed]);
  failed.catch(() => {});
  return { ...wrapProcess(child), url: `http://127.0.0.1:${port}` };
}

/** The real standalone worker (apps/worker/src/main.ts) in its own process. */
export async function startWorker(env: Record<string, string>): Promise<AppProcess> {
  // Info level: readiness is read from its "workers started" line.
  const child = spawnTs("apps/worker/src/main.ts", { ...env, LOG_LEVEL: "info" }, "worker");
  const w = wrapProcess(child);
  // Ready once it logged "workers started" (its processors are registered).
  await new Promise<void>((resolve, reject) => {
    let buf = "";
    const onData = (b: Buffer) => {
      buf += b.toString();
      if (buf.includes("workers started")) {
        child.stdout?.off("data", onData);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the worker exited (code ${code}) early`)));
  });
  return w;
}

/** Current resident memory of a process, in MB (from /proc). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m?.[1] ? Number(m[1]) / 1024 : Number.NaN;
}

/** Reads a JSON response, throwing with status and body when it is not 2xx. */
export async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export interface Seller {
  email: string;
  password: string;
  token: string;
  userId: string;
  headers: Record<string, string>;
}

/** Registers a seller and returns its access token and ids. */
export async function registerSeller(apiUrl: string, tag: string): Promise<Seller> {
  const email = `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  const password = "faults-password-1";
  const r = await json<{ accessToken: string }>(
    await fetch(`${apiUrl}/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    }),
  );
  const payload = r.accessToken.split(".")[1] ?? "";
  const userId = (JSON.parse(Buffer.from(payload, "base64url").toString()) as { sub: string }).sub;
  return {
    email,
    password,
    token: r.accessToken,
    userId,
    headers: { authorization: `Bearer ${r.accessToken}`, "content-type": "application/json" },
  };
}

/** A CSV of `n` valid rows whose SKUs start with `tag`. */
export function importCsv(n: number, tag: string): Uint8Array {
  const lines = ["title,price,condition,description,category,sku,quantity,status"];
  for (let i = 0; i < n; i++)
    lines.push(
      `${tag} item ${i} cordless drill,${(20 + (i % 500)).toFixed(2)},New,"Brushless, two batteries",Tools//Power Tools,${tag}-${i},${1 + (i % 4)},active`,
    );
  return new TextEncoder().encode(`${lines.join("\n")}\n`);
}

interface ImportView {
  id: string;
  status: string;
  counts: Record<string, number>;
  error: string | null;
}

/** Uploads a CSV and waits for its dry run; returns the previewed import. */
export async function uploadImport(
  apiUrl: string,
  seller: Seller,
  bytes: Uint8Array,
): Promise<ImportView> {
  const form = new FormData();
  form.append("file", new Blob([Buffer.from(bytes)]), "listings.csv");
  const imp = await json<ImportView>(
    await fetch(`${apiUrl}/v1/imports`, {
      method: "POST",
      headers: { authorization: seller.headers.authorization as string },
      body: form,
    }),
  );
  return waitFor(
    "the dry run",
    async () => {
      const v = await getImport(apiUrl, seller, imp.id);
      if (v.status === "failed") throw new Error(`dry run failed: ${v.error}`);
      return v.status === "previewed" ? v : undefined;
    },
    120_000,
  );
}

export async function getImport(apiUrl: string, seller: Seller, id: string): Promise<ImportView> {
  return json<ImportView>(
    await fetch(`${apiUrl}/v1/imports/${id}`, {
      headers: seller.headers,
      signal: AbortSignal.timeout(30_000),
    }),
  );
}

export async function commitImport(apiUrl: string, seller: Seller, id: string): Promise<void> {
  await json(
    await fetch(`${apiUrl}/v1/imports/${id}/commit`, {
      method: "POST",
      headers: seller.headers,
      body: "{}",
    }),
  );
}

/** Prints one PASS/FAIL line with its figures and remembers failures for the exit code. */
export class Verdicts {
  failed = 0;
  readonly lines: string[] = [];
  check(name: string, ok: boolean, figures: string) {
    const line = `${ok ? "PASS" : "FAIL"} ${name}: ${figures}`;
    this.lines.push(line);
    console.log(line);
    if (!ok) this.failed++;
  }
}
