/**
 * The V8 flags the API service runs with: `docker/api.Dockerfile`'s CMD and the process-level
 * suites (faults, soak) pass these, and a test keeps them in step. (`pnpm start` runs the API, the
 * workers and PGlite in one process and keeps Node's defaults.)
 *
 * A 1 GB old-space limit is far above the API's live heap (~100 MB under load), so it is not what
 * bounds it. What it changes is V8's heap-growing factor: with Node's default limit on a large
 * machine (4 GB) V8 lets the heap grow to up to 4× what survived the last major collection before
 * the next one, and under a burst the API's heap swung between 80 and 340 MB with RSS following
 * it (250 → 450 MB); V8 scales the factor down with the limit, to at most ~1.6 at 1 GB, and the
 * same soak kept the heap within ~150 MB.
 */
export const API_NODE_FLAGS: readonly string[] = ["--max-old-space-size=1024"];
