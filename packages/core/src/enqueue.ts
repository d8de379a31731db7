import type { Queues } from "@mbe/jobs";
import type { CoreContext } from "./context";
import { CoreError } from "./errors";

/** How long a request waits for Redis to take a job before answering 503. */
export const ENQUEUE_TIMEOUT_MS = 5000;

type Queue = Queues["imports"];

/**
 * 503 for a job Redis did not take. \`maybeQueued\`: the add may still reach Redis (it was sent and
 * not answered in time), so the job can run later; otherwise it was refused before it was sent.
 */
export class JobNotQueued extends CoreError {
  constructor(readonly maybeQueued: boolean) {
    super("SERVICE_UNAVAILABLE", "Background jobs are unavailable; try again shortly", {
      retryAfterSeconds: 5,
    });
  }
}

/**
 * The queues, or 503 when this process runs without them. Verbs that start a job call this before
 * they record anything.
 */
export function queuesOf(ctx: CoreContext): NonNullable<CoreContext["queues"]> {
  if (!ctx.queues) throw new CoreError("SERVICE_UNAVAILABLE", "Background jobs are not available");
  return ctx.queues;
}

/**
 * Adds a job, or throws {@link JobNotQueued} (503, Retry-After) when Redis cannot take it within
 * {@link ENQUEUE_TIMEOUT_MS}: a request never waits on a Redis that is down. The caller undoes
 * what it recorded for the job, as far as a job that may still arrive allows. `replaceFinished`:
 * a failed or completed job under the same id is removed first, so the new one runs.
 */
export async function enqueue(
  ctx: CoreContext,
  queue: Queue,
  name: string,
  data: unknown,
  opts: Parameters<Queue["add"]>[2] = {},
  { replaceFinished = false }: { replaceFinished?: boolean } = {},
) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const add = async () => {
    // BullMQ keeps a finished job's id (failed ones for days) and ignores an add under it, so
    // work started again under the same id would never run.
    const id = opts.jobId;
    if (replaceFinished && id) {
      const state = await queue.getJobState(id);
      if (state === "failed" || state === "completed") await queue.remove(id);
    }
    return queue.add(name, data, opts);
  };
  try {
    return await Promise.race([
      add(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new Error("timed out"));
        }, ENQUEUE_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    const message = (err as Error).message;
    // Without an offline queue, a command is refused before it is sent while the connection is
    // down; anything else (a timeout, a connection lost in flight) may have reached Redis.
    const refused = !timedOut && /isn't writeable|enableOfflineQueue/i.test(message);
    ctx.log.warn({ err: message, queue: queue.name, job: name, refused }, "job not queued");
    throw new JobNotQueued(!refused);
  } finally {
    clearTimeout(timer);
  }
}
