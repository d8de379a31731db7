/**
 * `pnpm ops <command>`: day-two operations for a deployment. Reads the same environment as the API
 * (DATABASE_URL, REDIS_URL, CHROMA_URL, PGLITE_DIR, STORAGE_DRIVER/S3_*).
 *
 *   health [--url URL]    /health/ready of a running API, or DB/Redis/Chroma/S3 checked directly
 *   backup [file]         pg_dump (custom format) into backups/, or a copy of the PGlite folder
 *   restore <file> --yes  replace the database with a backup
 *   reindex               queue a full search-index rebuild (same as `pnpm reindex`)
 *   reset --yes           drop everything, migrate, seed the demo accounts (--no-seed to skip)
 *   db-shell              psql on DATABASE_URL
 *   logs                  where the logs are
 */
import { spawn } from "node:child_process";
import { cp, mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createDb, seedDemo } from "@mbe/db";
import { Redis } from "ioredis";
import postgres from "postgres";

export interface OpsIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  out(line: string): void;
  err(line: string): void;
}

/** A failure the operator can act on: printed as one line, exit code 1 (2 for a usage error). */
class OpsError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const HELP = `usage: pnpm ops <command>

  health [--url URL]    readiness of a running API (/health/ready), else DB, Redis, Chroma, S3 directly
  backup [file]         PostgreSQL: pg_dump --format=custom of DATABASE_URL into backups/
                        PGlite (no DATABASE_URL): a copy of the PGlite folder into backups/
  restore <file> --yes  replace the database with that backup (a .dump/.sql file or a PGlite folder)
  reindex               queue a full rebuild of the search index on REDIS_URL's workers
  reset --yes           drop all data, apply migrations, seed the demo accounts (--no-seed: skip)
  db-shell              psql connected to DATABASE_URL
  logs                  where the logs of each component go`;

function stamp(): string {
  return new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/**
 * libpq settings from a URL, passed through the environment rather than argv so the password never
 * shows in `ps`.
 */
export function pgEnv(url: string, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = { ...base };
  for (const k of Object.keys(env)) if (k.startsWith("PG")) delete env[k];
  env.PGHOST = decodeURIComponent(u.hostname || "localhost");
  env.PGPORT = u.port || "5432";
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  env.PGDATABASE = decodeURIComponent(u.pathname.replace(/^\//, "")) || env.PGUSER || "postgres";
  const sslmode = u.searchParams.get("sslmode");
  if (sslmode) env.PGSSLMODE = sslmode;
  env.PGAPPNAME = "mbe-ops";
  return env;
}

/** The line of a tool's stderr that says what went wrong (psql ends with a caret line). */
function firstError(stderr: string): string {
  const lines = stderr.trim().split("\n");
  return lines.find((l) => /ERROR|FATAL|error:/i.test(l))?.trim() ?? lines.at(-1) ?? "";
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { inherit?: boolean; io?: OpsIo; cwd?: string } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env,
      cwd: opts.cwd,
      stdio: opts.inherit ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => opts.io?.out(d.toString().trimEnd()));
    child.on("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "ENOENT"
          ? new OpsError(
              `${cmd} is not on the PATH: install the PostgreSQL client (Debian: apt-get install postgresql-client)`,
            )
          : e,
      ),
    );
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new OpsError(`${cmd} exited with ${code}: ${firstError(stderr)}`)),
    );
  });
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

function pgliteDir(io: OpsIo): string {
  return path.resolve(io.cwd, io.env.PGLITE_DIR ?? ".data/pglite");
}

/** The schemas a deployment owns: the app's tables and drizzle's migration journal. */
const DROP_ALL = `drop schema if exists drizzle cascade;
drop schema if exists public cascade;
create schema public;`;

async function backup(io: OpsIo, target?: string): Promise<string> {
  const url = io.env.DATABASE_URL;
  const dir = path.resolve(io.cwd, "backups");
  if (!url) {
    const src = pgliteDir(io);
    if (!(await exists(path.join(src, "PG_VERSION"))))
      throw new OpsError(
        `DATABASE_URL is not set and there is no PGlite database in ${src}: set DATABASE_URL (PostgreSQL) or PGLITE_DIR`,
      );
    const dest = path.resolve(io.cwd, target ?? path.join("backups", `pglite-${stamp()}`));
    if (await exists(dest)) throw new OpsError(`${dest} already exists`);
    io.err(
      "DATABASE_URL is not set: backing up the embedded PGlite database by copying its folder. Stop `pnpm start` first — a folder copied while the database writes may not open.",
    );
    await mkdir(path.dirname(dest), { recursive: true });
    await cp(src, dest, { recursive: true, errorOnExist: true, force: false });
    io.out(dest);
    return dest;
  }
  const dest = path.resolve(io.cwd, target ?? path.join("backups", `mbe-${stamp()}.dump`));
  await mkdir(target ? path.dirname(dest) : dir, { recursive: true });
  const tmp = `${dest}.partial`;
  try {
    await run(
      "pg_dump",
      ["--format=custom", "--no-owner", "--no-privileges", "--file", tmp],
      pgEnv(url, io.env),
    );
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  io.out(dest);
  return dest;
}

async function isCustomDump(file: string): Promise<boolean> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(5);
    await fh.read(buf, 0, 5, 0);
    return buf.toString("latin1") === "PGDMP";
  } finally {
    await fh.close();
  }
}

/** pg_restore's SQL piped into one psql transaction that first empties the schemas. */
function restoreCustom(file: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const psql = spawn(
      "psql",
      ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", "-"],
      {
        env,
        stdio: ["pipe", "ignore", "pipe"],
      },
    );
    const dump = spawn("pg_restore", ["--no-owner", "--no-privileges", "--file", "-", file], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let errors = "";
    const collect = (d: Buffer) => {
      errors += d.toString();
    };
    psql.stderr.on("data", collect);
    dump.stderr.on("data", collect);
    const codes: Record<string, number | null> = {};
    const finish = (name: string) => (code: number | null) => {
      codes[name] = code;
      if (!("psql" in codes) || !("pg_restore" in codes)) return;
      if (codes.psql === 0 && codes.pg_restore === 0) resolve();
      else
        reject(
          new OpsError(
            `restore failed (pg_restore ${codes.pg_restore}, psql ${codes.psql}): ${firstError(errors)}`,
          ),
        );
    };
    for (const [name, child] of [
      ["psql", psql],
      ["pg_restore", dump],
    ] as const) {
      child.on("error", (e: NodeJS.ErrnoException) =>
        reject(
          e.code === "ENOENT"
            ? new OpsError(`${name} is not on the PATH: install the PostgreSQL client`)
            : e,
        ),
      );
      child.on("close", finish(name));
    }
    // A psql that stops early (an error) must not leave pg_restore blocked on a full pipe.
    psql.stdin.on("error", () => dump.kill());
    psql.stdin.write(`${DROP_ALL}\n`);
    dump.stdout.pipe(psql.stdin);
  });
}

async function restore(io: OpsIo, file: string | undefined, yes: boolean): Promise<void> {
  if (!file) throw new OpsError("usage: pnpm ops restore <file> --yes", 2);
  const src = path.resolve(io.cwd, file);
  const info = await stat(src).catch(() => null);
  if (!info) throw new OpsError(`${src} does not exist`);
  const url = io.env.DATABASE_URL;
  const target = url ? `the database ${new URL(url).pathname.slice(1)}` : pgliteDir(io);
  if (!yes)
    throw new OpsError(
      `restore replaces everything in ${target} with ${src}; run again with --yes to go ahead`,
      2,
    );
  if (!url) {
    if (!info.isDirectory() || !(await exists(path.join(src, "PG_VERSION"))))
      throw new OpsError(
        `DATABASE_URL is not set, so this restores PGlite, which needs a folder made by \`pnpm ops backup\`; ${src} is not one`,
      );
    const dest = pgliteDir(io);
    if (await exists(dest)) {
      const aside = `${dest}.before-restore-${stamp()}`;
      await rename(dest, aside);
      io.err(`the previous PGlite folder was moved to ${aside}`);
    }
    await mkdir(path.dirname(dest), { recursive: true });
    await cp(src, dest, { recursive: true });
    io.out(`restored ${dest} from ${src}`);
    return;
  }
  if (info.isDirectory())
    throw new OpsError(
      `${src} is a PGlite folder; with DATABASE_URL set, restore takes a pg_dump file`,
    );
  const env = pgEnv(url, io.env);
  const custom = await isCustomDump(src);
  // Objects created after the backup (a newer migration) would survive pg_restore --clean, so the
  // schemas are emptied first, in the same transaction: a failed restore leaves the old data.
  if (custom) await restoreCustom(src, env);
  else
    await run(
      "psql",
      ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-c", DROP_ALL, "-f", src],
      env,
    );
  io.out(`restored ${target} from ${src}`);
}

async function reset(io: OpsIo, yes: boolean, seed: boolean): Promise<void> {
  const url = io.env.DATABASE_URL;
  const target = url ? `the database ${new URL(url).pathname.slice(1)}` : pgliteDir(io);
  if (!yes)
    throw new OpsError(`reset deletes every row in ${target}; run again with --yes to go ahead`, 2);
  if (url) {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(DROP_ALL);
    } finally {
      await sql.end();
    }
  } else {
    await rm(pgliteDir(io), { recursive: true, force: true });
  }
  const handle = createDb({ url, pgliteDir: url ? undefined : pgliteDir(io), max: 1 });
  try {
    await handle.migrate();
    io.out(`schema recreated and migrations applied (${handle.kind})`);
    if (seed) {
      await seedDemo(handle.db, {
        password: io.env.DEMO_PASSWORD ?? "demo-password",
        adminPassword: io.env.DEMO_ADMIN_PASSWORD ?? "admin-password",
      });
      io.out("demo accounts seeded: demo@example.com, admin@example.com");
    }
  } finally {
    await handle.close();
  }
}

async function timed(name: string, fn: () => Promise<string>): Promise<[string, boolean, string]> {
  const t = performance.now();
  try {
    const detail = await Promise.race([
      fn(),
      new Promise<never>((_, rej) => setTimeout(() => rej(new Error("timed out after 3 s")), 3000)),
    ]);
    return [name, true, `${detail} (${Math.round(performance.now() - t)} ms)`];
  } catch (err) {
    return [name, false, (err as Error).message];
  }
}

async function health(io: OpsIo, urlArg?: string): Promise<void> {
  const base = urlArg ?? io.env.API_URL ?? `http://127.0.0.1:${io.env.PORT ?? "3000"}`;
  const res = await fetch(new URL("/health/ready", base), {
    signal: AbortSignal.timeout(3000),
  }).catch(() => null);
  if (res) {
    const body = await res.text();
    io.out(`${base}/health/ready → ${res.status}`);
    io.out(body);
    if (!res.ok) throw new OpsError(`the API at ${base} is not ready`);
    return;
  }
  if (urlArg) throw new OpsError(`no API answers at ${urlArg}`);
  io.err(`no API answers at ${base}; checking the services directly`);
  const env = io.env;
  const checks: Promise<[string, boolean, string]>[] = [];
  checks.push(
    timed("database", async () => {
      if (!env.DATABASE_URL) {
        const dir = pgliteDir(io);
        if (!(await exists(path.join(dir, "PG_VERSION"))))
          throw new Error(`DATABASE_URL unset and no PGlite database in ${dir}`);
        return `PGlite folder ${dir} (opened only by the running app)`;
      }
      const sql = postgres(env.DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
      try {
        const [row] = await sql`select current_setting('server_version') as v`;
        return `PostgreSQL ${row?.v}`;
      } finally {
        await sql.end({ timeout: 1 });
      }
    }),
  );
  checks.push(
    timed("redis", async () => {
      if (!env.REDIS_URL) throw new Error("REDIS_URL unset (pnpm start runs a private one)");
      const r = new Redis(env.REDIS_URL, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: 2000,
      });
      r.on("error", () => {}); // the failed connect below reports it
      try {
        await r.connect();
        const policy = (await r.config("GET", "maxmemory-policy")) as string[];
        return `${await r.ping()}, maxmemory-policy ${policy[1] ?? "?"}`;
      } finally {
        r.disconnect();
      }
    }),
  );
  if (env.SEARCH_ENABLED !== "0")
    checks.push(
      timed("chroma", async () => {
        if (!env.CHROMA_URL) throw new Error("CHROMA_URL unset (pnpm start runs a private one)");
        const r = await fetch(new URL("/api/v2/heartbeat", env.CHROMA_URL));
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return "heartbeat ok";
      }),
    );
  if (env.STORAGE_DRIVER === "s3")
    checks.push(
      timed("storage", async () => {
        const { createStorage } = await import("../packages/core/src/storage/create");
        const { S3Storage } = await import("../packages/core/src/storage/s3");
        const storage = createStorage({
          STORAGE_DRIVER: "s3",
          DATA_DIR: env.DATA_DIR ?? ".data",
          S3_BUCKET: env.S3_BUCKET,
          S3_REGION: env.S3_REGION,
          S3_ENDPOINT: env.S3_ENDPOINT,
          S3_ACCESS_KEY_ID: env.S3_ACCESS_KEY_ID,
          S3_SECRET_ACCESS_KEY: env.S3_SECRET_ACCESS_KEY,
          S3_FORCE_PATH_STYLE:
            env.S3_FORCE_PATH_STYLE === "1" || env.S3_FORCE_PATH_STYLE === "true",
        });
        if (!(storage instanceof S3Storage)) throw new Error("not an S3 store");
        try {
          return `bucket ${(await storage.check()).bucket}`;
        } finally {
          storage.close();
        }
      }),
    );
  const results = await Promise.all(checks);
  for (const [name, ok, detail] of results) io.out(`${ok ? "ok  " : "FAIL"} ${name}: ${detail}`);
  if (results.some(([, ok]) => !ok)) throw new OpsError("some services are not healthy");
}

async function dbShell(io: OpsIo): Promise<void> {
  const url = io.env.DATABASE_URL;
  if (!url)
    throw new OpsError(
      "DATABASE_URL is not set. The embedded PGlite database has no server to connect psql to; set DATABASE_URL to a PostgreSQL server (or stop `pnpm start` and use `pnpm ops backup` to copy it).",
    );
  await run("psql", ["-X"], pgEnv(url, io.env), { inherit: true });
}

function logs(io: OpsIo): void {
  const inCompose = io.env.COMPOSE_PROJECT_NAME !== undefined || io.env.MBE_IN_COMPOSE === "1";
  const lines = [
    "Every process writes JSON lines (level, msg, requestId …) to stdout; nothing is written to files.",
    "",
    "Docker Compose (compose.yaml):",
    "  docker compose logs -f api worker         # follow the API and all worker replicas",
    "  docker compose logs --since 10m worker    # one component, recent lines",
    "  docker compose logs postgres redis chroma mailpit",
    "",
    "pnpm start / pnpm dev: the terminal that runs it (redis-server and Chroma children print their errors there too).",
    `  data: ${path.resolve(io.cwd, io.env.DATA_DIR ?? ".data")} (redis/, chroma/, files/)`,
    "",
    "Elsewhere (systemd, Kubernetes): journalctl -u <unit> / kubectl logs; LOG_LEVEL=debug|info|warn|error sets the detail.",
  ];
  if (inCompose)
    lines.unshift("This shell runs under Docker Compose: use `docker compose logs`.", "");
  for (const l of lines) io.out(l);
}

async function reindex(io: OpsIo): Promise<void> {
  if (!io.env.REDIS_URL)
    throw new OpsError(
      "Set REDIS_URL to the Redis the workers use (pnpm start prints it), or use POST /v1/admin/search/reindex.",
    );
  // The same script as `pnpm reindex`, so both stay one behaviour.
  const root = path.resolve(import.meta.dirname, "..");
  await run(process.execPath, ["--import", "tsx", "apps/worker/src/cli/reindex.ts"], io.env, {
    io,
    cwd: root,
  });
}

/** Runs one ops command; returns the process exit code. */
export async function runOps(argv: string[], io: OpsIo): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith("--")));
  const args = argv.filter((a) => !a.startsWith("--"));
  const [command, ...rest] = args;
  const urlIdx = argv.indexOf("--url");
  try {
    switch (command) {
      case "health":
        await health(io, urlIdx >= 0 ? argv[urlIdx + 1] : undefined);
        return 0;
      case "backup":
        await backup(io, rest[0]);
        return 0;
      case "restore":
        await restore(io, rest[0], flags.has("--yes"));
        return 0;
      case "reset":
        await reset(io, flags.has("--yes"), !flags.has("--no-seed"));
        return 0;
      case "reindex":
        await reindex(io);
        return 0;
      case "db-shell":
        await dbShell(io);
        return 0;
      case "logs":
        logs(io);
        return 0;
      case undefined:
      case "help":
        io.out(HELP);
        return command ? 0 : 2;
      default:
        io.err(`unknown command: ${command}\n\n${HELP}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof OpsError) {
      io.err(`ops ${command}: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await runOps(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    out: (l) => console.log(l),
    err: (l) => console.error(l),
  });
  process.exit(code);
}
