import type { Queues } from "@mbe/jobs";
import type { CoreContext } from "./context";
import { CoreError } from "./errors";

/** How long a request waits for Redis to take a job before answering 503. */
export const ENQUEUE_TIMEOUT_MS = 5000;

type Queue = Queues["imports"];

const unavailable = () =>
  new CoreError("SERVICE_UNAVAILABLE", "Background jobs are unavailable; try again shortly", {
    retryAfterSeconds: 5,
  });

/**
 * The queues, or 503 when this process runs without them. Verbs that start a job call this before
 * they record anything.
 */
export function queuesOf(ctx: CoreContext): NonNullable<CoreContext["queues"]> {
  if (!ctx.queues) throw new CoreError("SERVICE_UNAVAILABLE", "Background jobs are not available");
  return ctx.queues;
}

/**
 * Adds a job, or throws 503 (Retry-After) when Redis cannot take it within
 * {@link ENQUEUE_TIMEOUT_MS}: a request never waits on a Redis that is down. The caller undoes
 * what it recorded for the job. With `replaceFinished`, a completed or failed job under the same
 * `jobId` is removed first (BullMQ would otherwise keep it and drop the new one).
 */
export async function enqueue(
  ctx: CoreContext,
  queue: Queue,
  name: string,
  data: unknown,
  opts: Parameters<Queue["add"]>[2] = {},
  { replaceFinished = false } = {},
) {
  const add = async () => {
    const id = opts.jobId;
    if (replaceFinished && id) {
      const state = await queue.getJobState(id);
      if (state === "completed" || state === "failed") await queue.remove(id);
    }
    return queue.add(name, data, opts);
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      add(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), ENQUEUE_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, queue: queue.name, job: name }, "job not queued");
    throw unavailable();
  } finally {
    clearTimeout(timer);
  }
}
