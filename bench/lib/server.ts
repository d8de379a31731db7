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
  child: ChildProcess;
  stop(): Promise<void>;
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
  // A benchmark that fails half-way must not leave the server running on the shared machine.
  const orphan = () => child.kill("SIGTERM");
  process.on("exit", orphan);
  child.once("exit", () => process.off("exit", orphan));
  await waitForPort("127.0.0.1", port, 60_000);
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
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
