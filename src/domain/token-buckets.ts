/**
 * Token buckets, one per key, and a hold per key: `burst` tokens at most, refilled at `refill.tokens`
 * per `refill.everyMs` (never backwards in time; `everyMs` ≤ 0: no limit but the holds). A hold (a
 * 429's Retry-After) stops the key until its end; `empty` makes the bucket start empty then, as
 * Slack's per-method budgets do after a 429. Pure: the caller passes the time (ms). The outbox's
 * per-channel post pacing (incident/post-pacer.ts) and per-workspace edit budget
 * (integrations/slack/edit-budget.ts) are both these.
 */
export class TokenBuckets {
  readonly burst: number;
  private readonly refill: { tokens: number; everyMs: number };
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly heldUntil = new Map<string, number>();

  constructor(o: { burst: number; refill: { tokens: number; everyMs: number } }) {
    this.burst = o.burst;
    this.refill = o.refill;
  }

  /** The key's bucket, refilled up to `now` (a key never seen has a full one). */
  private bucket(key: string, now: number): { tokens: number; at: number } {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    }
    if (this.refill.everyMs <= 0) b.tokens = this.burst;
    else if (now > b.at) b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.refill.tokens) / this.refill.everyMs);
    if (now > b.at) b.at = now;
    return b;
  }

  /** How long until `need` tokens are in the key's bucket and nothing holds it (0: now). */
  waitMs(key: string, now: number, need = 1): number {
    const held = Math.max(0, (this.heldUntil.get(key) ?? 0) - now);
    const missing = need - this.bucket(key, now).tokens;
    return Math.max(held, missing > 0 ? Math.ceil((missing * this.refill.everyMs) / this.refill.tokens) : 0);
  }

  /** Takes `n` tokens now, there or not (below zero, the next waits are longer). */
  take(key: string, now: number, n = 1): void {
    this.bucket(key, now).tokens -= n;
  }

  /** Takes a token when one is there and nothing holds the key (0), else the ms to wait (nothing taken). */
  tryTake(key: string, now: number): number {
    const wait = this.waitMs(key, now);
    if (wait === 0) this.take(key, now);
    return wait;
  }

  /** Nothing for the key until `until`. */
  hold(key: string, until: number): void {
    this.heldUntil.set(key, Math.max(until, this.heldUntil.get(key) ?? 0));
  }

  /** The key's bucket is empty at `from` and refills only after it. */
  empty(key: string, from: number, now: number): void {
    const b = this.bucket(key, now);
    b.tokens = 0;
    b.at = Math.max(b.at, from);
  }
}
