import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createJsonLogger,
  createMailer,
  createSearchPort,
  createStorage,
  LocalStorage,
  S3Storage,
  searchIndexHooks,
} from "@mbe/core";
import { pollUntil } from "@mbe/core/testing";
import { copyIntoFor, copyOutFor, createDb, type DbHandle } from "@mbe/db";
import { createQueues } from "@mbe/jobs";
import { memoryActiveStore, startTestChroma } from "@mbe/search/testing";
import { Redis } from "ioredis";
import { inject } from "vitest";
import { createApp } from "../src/app";
import { ApiConfig } from "../src/config";
import { queueConnection } from "../src/deps";
import type { AppDeps } from "../src/http/deps";
import { createRateLimits } from "../src/http/rate-limit";

export interface TestApi {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  db: DbHandle;
  redis: Redis;
  close(): Promise<void>;
}

/** A fully wired app on the run's throwaway PostgreSQL database and real Redis (unique prefix). */
export async function createTestApi(
  overrides: Partial<Record<keyof ApiConfig, string>> = {},
  opts: { workers?: boolean; search?: boolean; openaiBaseUrl?: string } = {},
): Promise<TestApi> {
  const db = createDb({ url: inject("databaseUrl"), max: 5 });
  const redis = new Redis(inject("redisUrl"), {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  await redis.connect();
  const prefix = `t${Math.random().toString(36).slice(2, 10)}`;
  const bullRedis = new Redis(inject("redisUrl"), {
    maxRetriesPerRequest: null,
    lazyConnect: true,
  });
  const queueRedis = queueConnection(inject("redisUrl"));
  const queues = createQueues(queueRedis, prefix);
  const config = ApiConfig.parse({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    QUEUE_PREFIX: prefix,
    // Tests speak as clients behind one proxy, choosing their address with X-Forwarded-For.
    TRUST_PROXY: "1",
    ...overrides,
  });
  const deps: AppDeps = {
    config,
    db: db.db,
    jwtSecret: "test-secret-test-secret-test-secret-0123",
    log: createJsonLogger("silent"),
    rateLimits: createRateLimits(redis, {
      prefix,
      perMinute: config.RATE_LIMIT_PER_MINUTE,
      uploadsPerMinute: config.UPLOADS_PER_MINUTE,
      exportsPerHour: config.EXPORTS_PER_HOUR,
      loginPerMinute: config.LOGIN_PER_MINUTE,
    }),
    hooks: {},
    readiness: [{ name: "redis", check: async () => ({ pong: await redis.ping() }) }],
    storage:
      config.STORAGE_DRIVER === "s3"
        ? createStorage(config)
        : new LocalStorage(mkdtempSync(path.join(os.tmpdir(), "mbe-files-"))),
    queues,
    copyInto: copyIntoFor(db),
    copyOut: copyOutFor(db),
    // SMTP_URL in `overrides` points this at a test SMTP server; otherwise a silent log mailer.
    mailer: createMailer({
      url: config.SMTP_URL,
      from: config.MAIL_FROM,
      log: createJsonLogger("silent"),
    }),
    version: "test",
  };
  let stopChroma: (() => Promise<void>) | undefined;
  if (opts.search) {
    const chroma = await startTestChroma();
    stopChroma = chroma.stop;
    deps.search = createSearchPort({
      chromaUrl: chroma.url,
      activeStore: memoryActiveStore(),
      prefix: prefix.replace(/[^a-z0-9-]/g, ""),
      openaiApiKey: opts.openaiBaseUrl ? "sk-test" : undefined,
      openaiBaseUrl: opts.openaiBaseUrl,
    });
    deps.hooks = searchIndexHooks(queues, deps.log);
  }
  const app = createApp(deps);
  let stopWorkers: (() => Promise<void>) | undefined;
  if (opts.workers) {
    const { startWorkers } = await import("@mbe/worker");
    stopWorkers = await startWorkers({
      runtime: {
        db,
        bullRedis,
        queues,
        dataDir: "",
        storage: deps.storage,
        hooks: deps.hooks,
        copyInto: deps.copyInto,
        copyOut: deps.copyOut,
        search: deps.search,
        mailer: deps.mailer,
        jwtSecret: deps.jwtSecret,
      },
      config: { QUEUE_PREFIX: prefix, PUBLIC_URL: config.PUBLIC_URL },
      log: deps.log,
    });
  }
  return {
    app,
    deps,
    db,
    redis,
    async close() {
      await stopWorkers?.();
      await stopChroma?.();
      await queues.close();
      bullRedis.disconnect();
      queueRedis.disconnect();
      redis.disconnect();
      await db.close();
      if (deps.storage instanceof S3Storage) deps.storage.close();
    },
  };
}

let counter = 0;
/** A unique email so each test works in its own tenant. */
export const uniqueEmail = (tag = "seller") =>
  `${tag}-${Date.now().toString(36)}-${counter++}-${Math.random().toString(36).slice(2, 6)}@example.test`;

export interface Res<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** Sends a JSON request through the whole middleware stack. */
/** Sends a multipart upload with a file and optional fields. */
export async function upload<T = Record<string, unknown>>(
  api: TestApi,
  path: string,
  file: { name: string; bytes: Uint8Array; type?: string },
  opts: { token?: string; fields?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<Res<T>> {
  const form = new FormData();
  form.append(
    "file",
    new Blob([file.bytes], { type: file.type ?? "application/octet-stream" }),
    file.name,
  );
  for (const [k, v] of Object.entries(opts.fields ?? {})) form.append(k, v);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await api.app.request(path, { method: "POST", headers, body: form });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // non-JSON bodies stay text
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

/** Polls until `check` returns a value or the time runs out. */
export function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  return pollUntil(check, timeoutMs);
}

export async function call<T = Record<string, unknown>>(
  api: TestApi,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let payload: string | undefined;
  if (opts.raw !== undefined) payload = opts.raw;
  else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
  if (payload !== undefined) headers["content-type"] ??= "application/json";
  const res = await api.app.request(path, { method, headers, body: payload });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // non-JSON bodies stay text
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

export interface Seller {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** Registers a fresh seller and returns their tokens. */
export async function signUp(api: TestApi, tag?: string): Promise<Seller> {
  const email = uniqueEmail(tag);
  const password = "correct-horse-battery";
  const r = await call<{ user: { id: string }; accessToken: string; refreshToken: string }>(
    api,
    "POST",
    "/v1/auth/register",
    {
      body: { email, password, firstName: "Test" },
      headers: {
        "x-forwarded-for": `10.${counter % 250}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
      },
    },
  );
  if (r.status !== 201) throw new Error(`sign-up failed: ${r.status} ${JSON.stringify(r.body)}`);
  return {
    id: r.body.user.id,
    email,
    password,
    accessToken: r.body.accessToken,
    refreshToken: r.body.refreshToken,
  };
}

export const sampleListing = (over: Record<string, unknown> = {}) => ({
  title: "12V 100Ah LiFePO4 Deep Cycle Battery",
  price: 329.99,
  condition: "New",
  description: "Brand new, 4000 cycles",
  category: "Electronics//Batteries",
  sku: `SKU-${Math.random().toString(36).slice(2, 10)}`,
  quantity: 3,
  status: "active",
  ...over,
});
