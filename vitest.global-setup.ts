import { createTestDatabase } from "@mbe/db/testing";
import { startRedis } from "@mbe/local-services";
import { Redis } from "ioredis";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await r.connect();
    return (await r.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** One throwaway database per run (real migrations) and a reachable Redis for every test file. */
export default async function setup(project: TestProject) {
  const database = await createTestDatabase();
  let redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
  let stopRedis: (() => Promise<void>) | undefined;
  if (!(await redisAnswers(redisUrl))) {
    const local = await startRedis(".data/test-redis", { persist: false });
    redisUrl = local.url;
    stopRedis = local.stop;
  }
  project.provide("databaseUrl", database.url);
  project.provide("redisUrl", redisUrl);
  return async () => {
    await database.drop();
    await stopRedis?.();
  };
}
