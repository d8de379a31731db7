import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, waitForPort } from "@mbe/local-services";
import postgres from "postgres";

export const PG_BASE = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
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
  const child = spawn(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      JWT_SECRET: "bench-secret-bench-secret-bench-secret-01",
      LOG_LEVEL: "warn",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      RUN_WORKERS: "0",
      QUEUE_PREFIX: `bench${Date.now().toString(36)}`,
      ...env,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
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
export function report(name: string, value: number, unit: string, reference: { label: string; value: number }, target: string, ok: boolean) {
  const ratio = reference.value ? value / reference.value : Number.NaN;
  console.log(
    `${name}: ${value.toFixed(2)} ${unit} | ${reference.label}: ${reference.value.toFixed(2)} ${unit} | ratio ${ratio.toFixed(2)} | target ${target} ${ok ? "MET" : "MISSED"}`,
  );
}
