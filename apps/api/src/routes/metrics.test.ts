import { readFileSync } from "node:fs";
import path from "node:path";
import { jobMetrics } from "@mbe/jobs/metrics";
import { startWorkers } from "@mbe/worker";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestApi, type Seller, signUp, type TestApi, waitFor } from "../../test/harness";
import { createApp } from "../app";
import type { AppDeps } from "../http/deps";
import { createRateLimits } from "../http/rate-limit";
import { type ApiMetrics, createApiMetrics } from "../metrics";

const FIXTURES = path.resolve(__dirname, "../../../../packages/formats/test/fixtures");

let api: TestApi;
let metrics: ApiMetrics;
let deps: AppDeps;
let app: ReturnType<typeof createApp>;
let bullRedis: Redis;
let stopWorkers: () => Promise<void>;

beforeAll(async () => {
  api = await createTestApi({ RATE_LIMIT_PER_MINUTE: "100000", UPLOADS_PER_MINUTE: "1000" });
  metrics = createApiMetrics({ queues: api.deps.queues, processMetrics: true });
  deps = { ...api.deps, metrics };
  app = createApp(deps);
  // The workers count into the API's registry, as they do in-process under `pnpm start`.
  bullRedis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
  const queues = api.deps.queues;
  if (!queues) throw new Error("the test API has no queues");
  stopWorkers = await startWorkers({
    runtime: {
      db: api.db,
      bullRedis,
      queues,
      dataDir: "",
      storage: api.deps.storage,
      hooks: api.deps.hooks,
      copyInto: api.deps.copyInto,
    },
    config: { QUEUE_PREFIX: api.deps.config.QUEUE_PREFIX },
    log: api.deps.log,
    metrics: jobMetrics(metrics.registry),
  });
});
afterAll(async () => {
  await stopWorkers?.();
  await api.close();
  bullRedis?.disconnect();
});

/** A request as Node's server would hand it over, from the given TCP peer. */
function request(
  target: ReturnType<typeof createApp>,
  p: string,
  init: RequestInit = {},
  peer = "127.0.0.1",
) {
  return target.request(p, init, { incoming: { socket: { remoteAddress: peer } } });
}

async function scrape(target = app): Promise<string> {
  const res = await request(target, "/metrics");
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one series, or undefined when absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : undefined;
}

const json = (s: Seller, body: unknown, method = "POST"): RequestInit => ({
  method,
  headers: { authorization: `Bearer ${s.accessToken}`, "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("GET /metrics", () => {
  it("answers loopback callers in Prometheus text with process metrics", async () => {
    const res = await request(app, "/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain("# TYPE mbe_http_request_duration_seconds histogram");
    expect(text).toContain("# TYPE process_cpu_user_seconds_total counter");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
  });

  it("refuses other callers, and loopback ones that came through a proxy, without a token", async () => {
    expect((await request(app, "/metrics", {}, "203.0.113.9")).status).toBe(403);
    const proxied = await request(
      app,
      "/metrics",
      { headers: { "x-forwarded-for": "198.51.100.1" } },
      "127.0.0.1",
    );
    expect(proxied.status).toBe(403);
    // app.request() without a socket: the peer is unknown, so no metrics.
    expect((await app.request("/metrics")).status).toBe(403);
  });

  it("requires the bearer token when METRICS_TOKEN is set, from anywhere", async () => {
    const token = "metrics-token-0123456789abcdef";
    const guarded = createApp({ ...deps, config: { ...deps.config, METRICS_TOKEN: token } });
    const from = "203.0.113.9";
    const none = await request(guarded, "/metrics", {}, from);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    const wrong = { headers: { authorization: `Bearer ${token.slice(0, -1)}x` } };
    expect((await request(guarded, "/metrics", wrong, from)).status).toBe(401);
    expect((await request(guarded, "/metrics", {}, "127.0.0.1")).status).toBe(401);
    const right = { headers: { authorization: `Bearer ${token}` } };
    const ok = await request(guarded, "/metrics", right, from);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("mbe_http_request_duration_seconds");
  });

  it("times requests by route pattern, never by the raw path, and leaves /health out", async () => {
    const s = await signUp(api);
    const created = await request(app, "/v1/listings", json(s, { title: "Lamp", price: 12 }));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    for (let i = 0; i < 3; i++) {
      const r = await request(app, `/v1/listings/${id}`, {
        headers: { authorization: `Bearer ${s.accessToken}` },
      });
      expect(r.status).toBe(200);
    }
    const missing = await request(app, "/v1/listings/00000000-0000-4000-8000-000000000000", {
      headers: { authorization: `Bearer ${s.accessToken}` },
    });
    expect(missing.status).toBe(404);
    expect((await request(app, `/v1/no-such-thing/${id}`)).status).toBe(404);
    expect((await request(app, "/health")).status).toBe(200);

    const text = await scrape();
    const series =
      'mbe_http_request_duration_seconds_count{method="GET",route="/v1/listings/:id",status="200"}';
    expect(value(text, series)).toBe(3);
    expect(
      value(
        text,
        'mbe_http_request_duration_seconds_count{method="GET",route="/v1/listings/:id",status="404"}',
      ),
    ).toBe(1);
    expect(
      value(
        text,
        'mbe_http_request_duration_seconds_count{method="POST",route="/v1/listings",status="201"}',
      ),
    ).toBe(1);
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).not.toContain(id);
    expect(text).not.toContain('route="/health"');
    expect(text).not.toContain('route="/metrics"');
  });

  it("counts rate-limit refusals by limit", async () => {
    const limited = createApp({
      ...deps,
      rateLimits: createRateLimits(api.redis, {
        prefix: `${deps.config.QUEUE_PREFIX}-rl`,
        perMinute: 2,
        uploadsPerMinute: 10,
        exportsPerHour: 50,
        loginPerMinute: 10,
      }),
    });
    const s = await signUp(api);
    const auth = { headers: { authorization: `Bearer ${s.accessToken}` } };
    const before =
      value(await scrape(limited), 'mbe_rate_limit_rejections_total{limit="api",reason="limit"}') ??
      0;
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await request(limited, "/v1/listings", auth)).status);
    expect(codes).toEqual([200, 200, 429, 429, 429]);
    const after = value(
      await scrape(limited),
      'mbe_rate_limit_rejections_total{limit="api",reason="limit"}',
    );
    expect(after).toBe(before + 3);
  });

  it("reports jobs per queue and state from BullMQ at scrape time", async () => {
    const queues = api.deps.queues;
    if (!queues) throw new Error("no queues");
    // A job name no processor handles never leaves `delayed` while the test looks.
    await queues.ocr.add("probe", { n: 1 }, { delay: 60_000 });
    await queues.ocr.add("probe", { n: 2 }, { delay: 60_000 });
    const text = await scrape();
    expect(value(text, 'mbe_jobs{queue="ocr",state="delayed"}')).toBe(2);
    for (const q of ["imports", "exports", "ocr", "search-index"])
      expect(text).toContain(`mbe_jobs{queue="${q}",state="failed"}`);
    await queues.ocr.obliterate({ force: true });
    expect(value(await scrape(), 'mbe_jobs{queue="ocr",state="delayed"}')).toBe(0);
  });

  it("counts rows of streamed and background exports once they finish", async () => {
    const s = await signUp(api);
    const rows = Array.from({ length: 7 }, (_, i) => ({ title: `Row ${i}`, price: 5 + i }));
    expect((await request(app, "/v1/listings/bulk", json(s, { rows }))).status).toBe(200);
    const series = 'mbe_export_rows_total{format="csv",mode="stream"}';
    const before = value(await scrape(), series) ?? 0;
    const streamed = await request(app, "/v1/exports", json(s, { format: "csv" }));
    expect(streamed.status).toBe(200);
    // Nothing is counted until the file has been read to the end.
    expect(value(await scrape(), series) ?? 0).toBe(before);
    await streamed.arrayBuffer();
    await waitFor(async () => value(await scrape(), series) === before + 7, 5000);

    const jobSeries = 'mbe_export_rows_total{format="json",mode="job"}';
    const jobBefore = value(await scrape(), jobSeries) ?? 0;
    const queued = await request(app, "/v1/exports", json(s, { format: "json", mode: "job" }));
    expect(queued.status).toBe(202);
    await waitFor(async () => value(await scrape(), jobSeries) === jobBefore + 7);
  });

  it("counts the rows of a committed import by result", async () => {
    const s = await signUp(api);
    const form = new FormData();
    const bytes = new Uint8Array(readFileSync(path.join(FIXTURES, "facebook-listings-small.xlsx")));
    form.append("file", new Blob([bytes]), "facebook-listings-small.xlsx");
    const up = await request(app, "/v1/imports", {
      method: "POST",
      headers: { authorization: `Bearer ${s.accessToken}` },
      body: form,
    });
    expect(up.status).toBe(201);
    const { id } = (await up.json()) as { id: string };
    const before = value(await scrape(), 'mbe_import_rows_total{result="created"}') ?? 0;
    const commit = await request(app, `/v1/imports/${id}/commit`, json(s, {}));
    expect([200, 202]).toContain(commit.status);
    await waitFor(
      async () => value(await scrape(), 'mbe_import_rows_total{result="created"}') === before + 3,
    );
  });
});
