/**
 * Jira Cloud's per-issue write limit (RateLimit-Reason: jira-per-issue-on-write) and a test hook
 * that makes the next N API responses fail with 429 or 503.
 */

export interface WriteRateLimit {
  /** Writes allowed per issue within the window (default 20 per 2 s, as Jira Cloud documents). */
  writesPerIssue: number;
  windowMs: number;
}

export interface ForcedFault {
  status: 429 | 503;
  retryAfterSeconds: number;
}

export type LimitVerdict = { ok: true } | { ok: false; status: 429 | 503; retryAfterSeconds: number; reason: string };

export class WriteLimiter {
  private readonly writes = new Map<string, number[]>();
  private readonly faults: ForcedFault[] = [];
  private limit: WriteRateLimit;

  constructor(limit: WriteRateLimit) {
    this.limit = limit;
  }

  setLimit(limit: WriteRateLimit): void {
    this.limit = limit;
  }

  /** The next `count` API requests fail with `status` and Retry-After. */
  failNext(count: number, status: 429 | 503 = 429, retryAfterSeconds = 1): void {
    for (let i = 0; i < count; i++) this.faults.push({ status, retryAfterSeconds });
  }

  pendingFaults(): number {
    return this.faults.length;
  }

  /** Called for every API request; consumes one forced fault if any. */
  checkRequest(): LimitVerdict {
    const f = this.faults.shift();
    if (!f) return { ok: true };
    return { ok: false, status: f.status, retryAfterSeconds: f.retryAfterSeconds, reason: f.status === 429 ? "jira-burst-based" : "service-unavailable" };
  }

  /** Called for every write to an issue; counts it when allowed. */
  checkWrite(issueKey: string, now: number): LimitVerdict {
    const since = now - this.limit.windowMs;
    const recent = (this.writes.get(issueKey) ?? []).filter((t) => t > since);
    const [oldest] = recent;
    if (oldest !== undefined && recent.length >= this.limit.writesPerIssue) {
      this.writes.set(issueKey, recent);
      const waitMs = oldest + this.limit.windowMs - now;
      return { ok: false, status: 429, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), reason: "jira-per-issue-on-write" };
    }
    recent.push(now);
    this.writes.set(issueKey, recent);
    return { ok: true };
  }
}
