import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
  windowSeconds: number;
  /** True when Redis could not be asked and no fallback applies. */
  unavailable?: boolean;
}

export interface Limiter {
  /** Spends `points` (default 1) of the key's allowance. */
  consume(key: string, points?: number): Promise<LimitDecision>;
}

export interface RateLimits {
  api: Limiter;
  uploads: Limiter;
  exports: Limiter;
  login: Limiter;
}

function wrap(limiter: RateLimiterRedis, points: number, windowSeconds: number): Limiter {
  return {
    async consume(key, cost = 1) {
      try {
        const r = await limiter.consume(key, cost);
        return {
          allowed: true,
          limit: points,
          remaining: r.remainingPoints,
          resetSeconds: Math.ceil(r.msBeforeNext / 1000),
          windowSeconds,
        };
      } catch (err) {
        if (err instanceof RateLimiterRes)
          return {
            allowed: false,
            limit: points,
            remaining: 0,
            resetSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)),
            windowSeconds,
          };
        return {
          allowed: false,
          limit: points,
          remaining: 0,
          resetSeconds: 5,
          windowSeconds,
          unavailable: true,
        };
      }
    },
  };
}

/**
 * Redis-backed limits shared by every API replica. The general limit falls back to an in-process
 * limiter when Redis is down (reads keep working); login has no fallback, so it answers 503.
 */
export function createRateLimits(
  redis: Redis,
  opts: {
    prefix: string;
    perMinute: number;
    uploadsPerMinute: number;
    exportsPerHour: number;
    loginPerMinute: number;
  },
): RateLimits {
  const make = (name: string, points: number, duration: number, insurance: boolean) =>
    wrap(
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${opts.prefix}:rl:${name}`,
        points,
        duration,
        rejectIfRedisNotReady: true,
        ...(insurance ? { insuranceLimiter: new RateLimiterMemory({ points, duration }) } : {}),
      }),
      points,
      duration,
    );
  return {
    api: make("api", opts.perMinute, 60, true),
    uploads: make("uploads", opts.uploadsPerMinute, 60, true),
    exports: make("exports", opts.exportsPerHour, 3600, true),
    login: make("login", opts.loginPerMinute, 60, false),
  };
}
