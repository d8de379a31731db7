import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, waitForPort } from "@mbe/local-services";
import postgres from "postgres";

export const PG_BASE =
  process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A fresh PostgreSQL database for one benchmark run. */
export async function benchDatabase(tag: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgres(PG_BASE, { max: 1, onnotice: () => {} });
  const name = `mbe_bench_${tag}_${Date.now().toString(36)}`;
  await admin.unsafe(`create database "${name}"`);
  const u = new URL(PG_BASE);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

export interface BenchServer {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Ends `child` when this process exits, so a benchmark that fails half-way does not leave it
 * running on the shared machine; returns a stop that waits for the child to be gone.
 */
function supervise(child: ChildProcess): () => Promise<void> {
  const orphan = () => child.kill("SIGTERM");
  process.on("exit", orphan);
  child.once("exit", () => process.off("exit", orphan));
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
}

/** Runs the real API (apps/api/src/main.ts) in its own process, so load and server don't share a core. */
export async function startApiServer(env: Record<string, string>): Promise<BenchServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "mbe-bench-"));
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under load.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "apps/api/src/main.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      JWT_SECRET: "bench-secret-bench-secret-bench-secret-01",
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      RUN_WORKERS: "0",
      QUEUE_PREFIX: `bench${Date.now().toString(36)}`,
      ...env,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const stop = supervise(child);
  await waitForPort("127.0.0.1", port, 60_000);
  return { url: `http://127.0.0.1:${port}`, port, child, stop };
}

/**
 * A bare `node:http` hello-world answering `{"status":"ok"}`, in its own process: the floor of the
 * machine and the load generator. With `headers` it also sends a fresh X-Request-Id and those
 * headers on every response, as the API does.
 */
export async function startHelloWorld(
  headers?: readonly (readonly [string, string])[],
): Promise<BenchServer> {
  const port = await freePort();
  // One flat array in writeHead, the cheapest way Node writes headers (as the API's server does).
  const head = headers
    ? `[...${JSON.stringify(headers.flat())},"X-Request-Id",crypto.randomUUID(),"content-type","application/json"]`
    : `{"content-type":"application/json"}`;
  const child = spawn(
    process.execPath,
    [
      "-e",
      `require("node:http").createServer((q,s)=>{s.writeHead(200,${head});s.end('{"status":"ok"}')}).listen(${port},"127.0.0.1")`,
    ],
    { stdio: "inherit" },
  );
  const stop = supervise(child);
  await waitForPort("127.0.0.1", port);
  return { url: `http://127.0.0.1:${port}`, port, child, stop };
}

export async function json<T>(res: Response): Promise<T> {
  const body = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${body.slice(0, 300)}`);
  return JSON.parse(body) as T;
}

/** Registers a seller on a running server and returns its access token. */
export async function benchSeller(url: string): Promise<string> {
  const email = `bench-${Date.now()}-${Math.random().toString(36).slice(2)}@example.test`;
  const r = await fetch(`${url}/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "bench-password-1" }),
  });
  return (await json<{ accessToken: string }>(r)).accessToken;
}

/** Prints one result line: figure, reference, ratio and whether the target holds. */
export function report(
  name: string,
  value: number,
  unit: string,
  reference: { label: string; value: number },
  target: string,
  ok: boolean,
) {
  const ratio = reference.value ? value / reference.value : Number.NaN;
  console.log(
    `${name}: ${value.toFixed(2)} ${unit} | ${reference.label}: ${reference.value.toFixed(2)} ${unit} | ratio ${ratio.toFixed(2)} | target ${target} ${ok ? "MET" : "MISSED"}`,
  );
}

/** {@link report} for a target that is a ratio to the reference: met when value / reference ≤ `max`. */
export function reportRatio(
  name: string,
  value: number,
  unit: string,
  reference: { label: string; value: number },
  max: number,
) {
  report(name, value, unit, reference, `ratio ≤ ${max}`, value / reference.value <= max);
}

/** Peak resident memory (VmHWM) of a process, in MB, from /proc. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m?.[1] ? Number(m[1]) / 1024 : Number.NaN;
}

/** Current resident memory (VmRSS) of a process, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m?.[1] ? Number(m[1]) / 1024 : Number.NaN;
}

/** The user id behind an access token (its `sub`). */
export function userIdOf(token: string): string {
  const payload = token.split(".")[1] ?? "";
  return (JSON.parse(Buffer.from(payload, "base64url").toString()) as { sub: string }).sub;
}

/** Fills `listings` for one seller straight through COPY (fast set-up for large benchmarks). */
export async function copyListings(databaseUrl: string, ownerId: string, n: number): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const w =
    await sql`copy listings (owner_id, title, price, condition, description, category, sku, quantity, status) from stdin`.writable();
  await new Promise<void>((resolve, reject) => {
    w.on("error", reject);
    w.on("finish", () => resolve());
    let buf = "";
    const flush = () => {
      const ok = w.write(buf);
      buf = "";
      return ok;
    };
    let i = 0;
    const pump = () => {
      while (i < n) {
        buf += `${ownerId}\tSeeded item ${i} 12V LiFePO4 battery\t${(10 + (i % 900) + (i % 7) / 10).toFixed(2)}\tNew\tDeep cycle battery, built-in BMS, 4000 cycles\tElectronics//Batteries\tSEED-${i}\t${1 + (i % 5)}\tactive\n`;
        i++;
        if (buf.length > 1 << 16 && !flush()) return w.once("drain", pump);
      }
      w.end(buf);
    };
    pump();
  });
  await sql.end();
}
