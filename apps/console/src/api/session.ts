/** Where the refresh token lives; the access token stays in memory only. */
export const REFRESH_KEY = "mbe.refreshToken";

/** Tokens returned by login, register and refresh. */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

type Listener = (signedIn: boolean, reason?: string) => void;

/**
 * Holds the session: access token in memory, refresh token in localStorage. Refreshes are
 * single-flight and, where the browser supports Web Locks, serialised across tabs — two tabs
 * rotating the same refresh token would look like token theft and revoke the session.
 */
export class Session {
  private access: string | null = null;
  private accessExpires = 0;
  private inflight: Promise<boolean> | null = null;
  private listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly storage: Pick<Storage, "getItem" | "setItem" | "removeItem">,
    private readonly doRefresh: (refreshToken: string) => Promise<Tokens>,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get accessToken(): string | null {
    return this.access;
  }
  get hasRefreshToken(): boolean {
    return !!this.storage.getItem(REFRESH_KEY);
  }
  get refreshToken(): string | null {
    return this.storage.getItem(REFRESH_KEY);
  }
  onChange(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Stores fresh tokens and schedules a refresh a minute before the access token expires. */
  set(t: Tokens): void {
    this.access = t.accessToken;
    this.accessExpires = this.now() + t.expiresIn * 1000;
    this.storage.setItem(REFRESH_KEY, t.refreshToken);
    if (this.timer) clearTimeout(this.timer);
    const lead = Math.max(5_000, (t.expiresIn - 60) * 1000);
    this.timer = setTimeout(() => void this.refresh(), lead);
    for (const l of this.listeners) l(true);
  }

  /** Forgets everything (sign-out, or a session the server revoked). */
  clear(reason?: string): void {
    this.access = null;
    this.accessExpires = 0;
    this.storage.removeItem(REFRESH_KEY);
    if (this.timer) clearTimeout(this.timer);
    for (const l of this.listeners) l(false, reason);
  }

  /** Whether the in-memory access token is missing or about to expire. */
  get stale(): boolean {
    return !this.access || this.now() > this.accessExpires - 10_000;
  }

  /**
   * Gets a new access token with the stored refresh token. Returns false (and signs out) when the
   * server refuses it — expired, revoked, or reused, which means the session was revoked.
   */
  refresh(): Promise<boolean> {
    if (this.inflight) return this.inflight;
    const run = async () => {
      const token = this.storage.getItem(REFRESH_KEY);
      if (!token) return false;
      try {
        this.set(await this.doRefresh(token));
        return true;
      } catch (err) {
        const code = (err as { code?: string }).code;
        // Network trouble is not a revoked session: keep the token and let the caller retry.
        if (code === "NETWORK_ERROR") return false;
        this.clear(
          code === "TOKEN_REUSED"
            ? "Your session was revoked (the sign-in was used elsewhere). Please sign in again."
            : "Your session has ended. Please sign in again.",
        );
        return false;
      }
    };
    const locks =
      typeof navigator !== "undefined"
        ? (navigator as Navigator & { locks?: LockManager }).locks
        : undefined;
    const p = (
      locks ? (locks.request("mbe-refresh", run) as unknown as Promise<boolean>) : run()
    ).finally(() => {
      this.inflight = null;
    });
    this.inflight = p;
    return p;
  }
}
