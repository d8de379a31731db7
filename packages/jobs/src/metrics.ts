import type { JobType } from "bullmq";
import { Counter, Gauge, type Registry } from "prom-client";
import { QUEUES, type Queues } from "./index";

/** Counters about work done by jobs; shared so the API and the worker register them once per registry. */
export interface JobMetrics {
  /** Rows of committed imports, by result (created, updated, skipped, rejected). */
  importRows: Counter<"result">;
  /** Rows written by finished exports, by format and by how they ran (stream or job). */
  exportRows: Counter<"format" | "mode">;
}

const byRegistry = new WeakMap<Registry, JobMetrics>();

/** The job counters of `registry`, created on first use (the in-process worker shares the API's). */
export function jobMetrics(registry: Registry): JobMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = {
      importRows: new Counter({
        name: "mbe_import_rows_total",
        help: "Rows of committed imports, by result",
        labelNames: ["result"],
        registers: [registry],
      }),
      exportRows: new Counter({
        name: "mbe_export_rows_total",
        help: "Rows written by finished exports, by format and mode (stream or job)",
        labelNames: ["format", "mode"],
        registers: [registry],
      }),
    };
    byRegistry.set(registry, m);
  }
  return m;
}

/** Adds a committed import's counts to the import-rows counter. */
export function countImportRows(m: JobMetrics, counts: Record<string, number | undefined>) {
  for (const [result, key] of [
    ["created", "created"],
    ["updated", "updated"],
    ["skipped", "skip"],
    ["rejected", "reject"],
  ] as const) {
    const n = counts[key] ?? 0;
    if (n > 0) m.importRows.inc({ result }, n);
  }
}

const STATES: JobType[] = [
  "waiting",
  "active",
  "delayed",
  "prioritized",
  "waiting-children",
  "completed",
  "failed",
];

/**
 * `mbe_jobs{queue,state}`, read from Redis when Prometheus scrapes: the numbers are the queues',
 * not this process's, so any one API replica reports them.
 */
export function registerQueueGauge(registry: Registry, queues: Queues) {
  const list = [
    [QUEUES.imports, queues.imports],
    [QUEUES.exports, queues.exports],
    [QUEUES.ocr, queues.ocr],
    [QUEUES.searchIndex, queues.searchIndex],
  ] as const;
  return new Gauge({
    name: "mbe_jobs",
    help: "Jobs per queue and state (from BullMQ, read at scrape time)",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await Promise.all(
        list.map(([, q]) => q.getJobCounts(...STATES).catch(() => undefined)),
      );
      list.forEach(([name], i) => {
        const c = counts[i];
        if (!c) return;
        for (const state of STATES) this.set({ queue: name, state }, c[state] ?? 0);
      });
    },
  });
}
