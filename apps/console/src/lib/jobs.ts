/** Window event a screen fires after starting an import or export job. */
export const JOBS_EVENT = "mbe:jobs";

/** Tells the jobs panel that something started, so it polls at once instead of on its timer. */
export function announceJob(): void {
  dispatchEvent(new Event(JOBS_EVENT));
}
