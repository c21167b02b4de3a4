/**
 * Paces chat.postMessage per channel as Slack allows it (about one a second per channel, short
 * bursts tolerated): a bucket of `burst` tokens per channel, refilled one per `intervalMs`. A
 * thread reply leaves `reserve` tokens in the bucket for top-level posts, so a new incident's root
 * message goes at once while a storm's replies are paced behind it. A 429's Retry-After holds the
 * whole channel. Pure (time is passed in).
 */
export class PostPacer {
  private readonly o: { intervalMs: number; burst: number; reserve: number };
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly heldUntil = new Map<string, number>();

  constructor(o: { intervalMs: number; burst?: number; reserve?: number }) {
    const burst = Math.max(1, o.burst ?? 2);
    this.o = { intervalMs: o.intervalMs, burst, reserve: Math.min(burst - 1, Math.max(0, o.reserve ?? 1)) };
  }

  private tokens(channel: string, now: number): number {
    const b = this.buckets.get(channel);
    if (!b || this.o.intervalMs <= 0) return this.o.burst;
    return Math.min(this.o.burst, b.tokens + (now - b.at) / this.o.intervalMs);
  }

  /** How long until a post of this kind may be made in the channel (0: now). */
  waitMs(channel: string, topLevel: boolean, now: number): number {
    const held = Math.max(0, (this.heldUntil.get(channel) ?? 0) - now);
    const need = topLevel ? 1 : 1 + this.o.reserve;
    const missing = need - this.tokens(channel, now);
    return Math.max(held, missing > 0 ? Math.ceil(missing * this.o.intervalMs) : 0);
  }

  /** A post is being made in the channel now. */
  take(channel: string, now: number): void {
    this.buckets.set(channel, { tokens: this.tokens(channel, now) - 1, at: now });
  }

  /** Slack asked to wait (429 Retry-After): nothing is posted in the channel until then. */
  hold(channel: string, until: number): void {
    this.heldUntil.set(channel, Math.max(until, this.heldUntil.get(channel) ?? 0));
  }
}

/** Whether an outbox payload is a top-level post (not a reply in a thread). */
export const isTopLevelPost = (method: string, payload: Record<string, unknown>) => method === "chat.postMessage" && (payload.thread_ts === undefined || payload.thread_ts === null);
