/**
 * Fault-injection suite: the real API and worker processes against a private PostgreSQL cluster,
 * redis-server and Chroma, each killed or restarted on purpose. Prints PASS/FAIL with figures and
 * exits non-zero on any failure. `FAULTS_ONLY=a,c` runs a subset; `FAULTS_VERBOSE=1` shows logs.
 */
import { rmSync } from "node:fs";
import { startPrivatePostgres, startPrivateRedis, tempDir, Verdicts } from "../processes";
import { chromaDown } from "./chroma-down";
import type { FaultEnv } from "./env";
import { postgresRestart } from "./postgres-restart";
import { redisKilled } from "./redis-killed";
import { workerKilled } from "./worker-killed";

const scenarios: [string, (env: FaultEnv) => Promise<void>][] = [
  ["a", redisKilled],
  ["b", postgresRestart],
  ["c", workerKilled],
  ["d", chromaDown],
];
const only = process.env.FAULTS_ONLY?.split(",").map((s) => s.trim());

const started = performance.now();
const v = new Verdicts();
const pg = await startPrivatePostgres();
const redis = await startPrivateRedis();
const dataDir = tempDir("faults-data");
const env: FaultEnv = {
  v,
  pg,
  redis,
  dataDir,
  limits: {
    RATE_LIMIT_PER_MINUTE: "1000000",
    UPLOADS_PER_MINUTE: "1000",
    LOGIN_PER_MINUTE: "1000",
  },
};
const cleanup = async () => {
  await redis.stop();
  pg.stop();
  rmSync(dataDir, { recursive: true, force: true });
};
// A CI timeout must not leave a private cluster running.
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.once(sig, () => void cleanup().finally(() => process.exit(1)));
console.log(`private PostgreSQL on :${pg.port}, redis-server at ${redis.url}`);
try {
  for (const [id, run] of scenarios) {
    if (only && !only.includes(id)) continue;
    const t = performance.now();
    try {
      await run(env);
    } catch (err) {
      v.check(`${id}. scenario`, false, `aborted: ${(err as Error).message}`);
    }
    console.log(`   (${id} took ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
} finally {
  await cleanup();
}
console.log(
  `faults: ${v.lines.length - v.failed} passed, ${v.failed} failed in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
process.exit(v.failed ? 1 : 0);
