import type { PrivatePostgres, Restartable, Verdicts } from "../processes";

/** What every fault scenario receives: the private services and where to record verdicts. */
export interface FaultEnv {
  v: Verdicts;
  pg: PrivatePostgres;
  redis: Restartable;
  dataDir: string;
  /** Limits high enough that the scenarios' own traffic is never throttled. */
  limits: Record<string, string>;
}

/**
 * One scenario's own database and queue prefix, and the environment its API and worker children
 * share (semantic search off unless `extra` turns it on).
 */
export async function scenarioEnv(env: FaultEnv, name: string, extra: Record<string, string> = {}) {
  const dbName = `faults_${name}`;
  const dbUrl = await env.pg.createDatabase(dbName);
  const prefix = `faults${name}${Date.now().toString(36)}`;
  const appEnv: Record<string, string> = {
    DATABASE_URL: dbUrl,
    REDIS_URL: env.redis.url,
    DATA_DIR: env.dataDir,
    QUEUE_PREFIX: prefix,
    SEARCH_ENABLED: "0",
    ...env.limits,
    ...extra,
  };
  return { dbName, dbUrl, prefix, appEnv };
}
