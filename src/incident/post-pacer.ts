import { TokenBuckets } from "../domain/token-buckets.ts";

/**
 * Paces chat.postMessage per channel as Slack allows it (about one a second per channel, short
 * bursts tolerated): a bucket of `burst` tokens per channel, refilled one per `intervalMs`. A
 * thread reply leaves `reserve` tokens in the bucket for top-level posts, so a new incident's root
 * message goes at once while a storm's replies are paced behind it. A 429's Retry-After holds the
 * whole channel. Pure (time is passed in): the domain's TokenBuckets, one per channel.
 */
export class PostPacer {
  private readonly reserve: number;
  private readonly buckets: TokenBuckets;

  constructor(o: { intervalMs: number; burst?: number; reserve?: number }) {
    const burst = Math.max(1, o.burst ?? 2);
    this.reserve = Math.min(burst - 1, Math.max(0, o.reserve ?? 1));
    this.buckets = new TokenBuckets({ burst, refill: { tokens: 1, everyMs: o.intervalMs } });
  }

  /** How long until a post of this kind may be made in the channel (0: now). */
  waitMs(channel: string, topLevel: boolean, now: number): number {
    return this.buckets.waitMs(channel, now, topLevel ? 1 : 1 + this.reserve);
  }

  /** A post is being made in the channel now. */
  take(channel: string, now: number): void {
    this.buckets.take(channel, now);
  }

  /** Slack asked to wait (429 Retry-After): nothing is posted in the channel until then. */
  hold(channel: string, until: number): void {
    this.buckets.hold(channel, until);
  }
}

/** Whether an outbox payload is a top-level post (not a reply in a thread). */
export const isTopLevelPost = (method: string, payload: Record<string, unknown>) => method === "chat.postMessage" && (payload.thread_ts === undefined || payload.thread_ts === null);
