import type { Queues } from "@mbe/jobs";
import { jobMetrics, registerQueueGauge } from "@mbe/jobs/metrics";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
import type { HttpMetrics } from "./http/deps";

export interface ApiMetrics extends HttpMetrics {
  registry: Registry;
}

/**
 * Prometheus metrics of one API process: request durations by route pattern, rate-limit
 * refusals, import/export rows (the in-process worker adds to the same registry), jobs per queue
 * and state read from Redis at scrape time, and, when asked, Node's default process metrics.
 */
export function createApiMetrics(
  opts: { queues?: Queues; processMetrics?: boolean } = {},
): ApiMetrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: "mbe_http_request_duration_seconds",
    help: "HTTP request duration by method, route pattern and status (excludes /health and /metrics)",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const limited = new Counter({
    name: "mbe_rate_limit_rejections_total",
    help: "Requests refused by a rate limit, by limit and reason (limit spent, or store unavailable)",
    labelNames: ["limit", "reason"],
    registers: [registry],
  });
  const jobs = jobMetrics(registry);
  if (opts.queues) registerQueueGauge(registry, opts.queues);
  // Label children are cached so a request costs one Map lookup and one bucket update.
  const children = new Map<string, { observe(v: number): void }>();
  return {
    registry,
    observeRequest(method, route, status, seconds) {
      const key = `${method} ${status} ${route}`;
      let child = children.get(key);
      if (!child) {
        child = duration.labels({ method, route, status: String(status) });
        children.set(key, child);
      }
      child.observe(seconds);
    },
    rateLimited(limit, reason) {
      limited.inc({ limit, reason });
    },
    exportRows(format, mode, rows) {
      if (rows > 0) jobs.exportRows.inc({ format, mode }, rows);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
