/**
 * Calls `check` every 100 ms until it answers something truthy, and returns that; fails with
 * "condition not met in time" once `timeoutMs` has passed. For tests waiting on background work
 * (jobs, workers, the search index).
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
