import type { PrivatePostgres, Restartable, Verdicts } from "../processes";

/** What every fault scenario receives: the private services and where to record verdicts. */
export interface FaultEnv {
  v: Verdicts;
  pg: PrivatePostgres;
  redis: Restartable;
  dataDir: string;
  /** Limits high enough that the scenarios' own traffic is never throttled. */
  limits: Record<string, string>;
}
