import { TokenBuckets } from "../domain/token-buckets.ts";

/**
 * What a post is to its channel's pacing: the root message of an incident at SEV1 or SEV2 (a
 * critical alert; what pages on-call by default), any other top-level post (a lesser incident's
 * root message), or a thread reply.
 */
export type PostKind = "urgent-root" | "top-level" | "reply";

/**
 * Paces chat.postMessage per channel as Slack allows it (about one a second per channel, short
 * bursts tolerated): a bucket of `burst` tokens per channel, refilled one per `intervalMs`. Only
 * an urgent root message (SEV1/SEV2) may take the last `reserve` tokens: thread replies and lesser
 * top-level posts leave them. So when a storm opens more incidents than the channel takes (ten SEV3
 * warnings in one second are ten seconds of root messages), a SEV2 opened meanwhile is posted at
 * once, not a paced interval later. The sender also posts top-level posts before replies (a storm's
 * replies wait behind its root messages) and the store hands them over by severity. A 429's
 * Retry-After holds the whole channel. Pure (time is passed in): the domain's TokenBuckets, one per
 * channel.
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
  waitMs(channel: string, kind: PostKind, now: number): number {
    return this.buckets.waitMs(channel, now, kind === "urgent-root" ? 1 : 1 + this.reserve);
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

/** Severities whose root message is urgent: it may take the tokens a channel keeps (see PostPacer). */
const URGENT = new Set(["sev1", "sev2"]);

/**
 * A chat.postMessage's kind (see PostKind): an urgent root is a top-level post whose message metadata
 * (queued with every root message, see message-metadata.ts) names its incident at SEV1 or SEV2.
 */
export function postKind(payload: Record<string, unknown>): PostKind {
  if (!isTopLevelPost("chat.postMessage", payload)) return "reply";
  const metadata = payload.metadata as { event_payload?: { severity?: unknown } } | undefined;
  const severity = metadata?.event_payload?.severity;
  return typeof severity === "string" && URGENT.has(severity) ? "urgent-root" : "top-level";
}
