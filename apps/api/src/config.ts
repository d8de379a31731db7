import { z } from "zod";

const bool = z.preprocess((v) => v === "1" || v === "true" || v === true, z.boolean());

/** Every setting the API and worker read from the environment, with its default. */
export const ApiConfig = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.string().optional(),
  PGLITE_DIR: z.string().default(".data/pglite"),
  REDIS_URL: z.string().optional(),
  CHROMA_URL: z.string().optional(),
  DATA_DIR: z.string().default(".data"),
  /** Where uploads, page images and exports live: `local` (DATA_DIR/files) or an S3 bucket. */
  STORAGE_DRIVER: z.enum(["local", "s3"]).default("local"),
  S3_BUCKET: z.string().optional(),
  S3_REGION: z.string().default("us-east-1"),
  /** For S3-compatible stores (MinIO, R2, Ceph); unset means AWS. */
  S3_ENDPOINT: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
  /** Unset uses the AWS default chain (instance or task role). */
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: bool.default(false),
  JWT_SECRET: z.string().min(32).optional(),
  CORS_ORIGINS: z.string().default("http://localhost:5173,http://localhost:3000"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  DEMO_PASSWORD: z.string().default("demo-password"),
  DEMO_ADMIN_PASSWORD: z.string().default("admin-password"),
  SEED_DEMO: bool.optional(),
  RUN_WORKERS: bool.optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(100),
  UPLOADS_PER_MINUTE: z.coerce.number().int().positive().default(10),
  EXPORTS_PER_HOUR: z.coerce.number().int().positive().default(50),
  LOGIN_PER_MINUTE: z.coerce.number().int().positive().default(10),
  /**
   * How many reverse proxies in front of the API append to X-Forwarded-For. 0 (the default): the
   * header is ignored and the client is the socket's peer, so no client can pick its own address
   * (and with it a fresh sign-in rate-limit bucket) by sending the header.
   */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  MAX_JSON_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  MAX_BULK_JSON_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  MAX_IMPORT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
  MAX_OCR_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * 1024 * 1024),
  /** Where the console is reached from outside; links in emails start with it. */
  PUBLIC_URL: z.url().default("http://localhost:3000"),
  /** `smtp://user:pass@host:port` (or `smtps://`); unset, emails are written to the log. */
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default("Bulk Editor <no-reply@localhost>"),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.string().optional(),
  QUEUE_PREFIX: z.string().default("mbe"),
  /** Cron pattern of the nightly search-index rebuild. */
  SEARCH_REBUILD_CRON: z.string().default("0 3 * * *"),
  /** Set to 0 to run without semantic search (no Chroma). */
  SEARCH_ENABLED: z.preprocess((v) => v !== "0" && v !== "false", z.boolean()).default(true),
  /** Bearer token for GET /metrics; unset, /metrics answers loopback callers only. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** How long SIGTERM waits for in-flight requests and jobs before exiting anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});
export type ApiConfig = z.infer<typeof ApiConfig>;

/** Parses the environment once; packages receive the typed result, never process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = ApiConfig.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  return parsed.data;
}
