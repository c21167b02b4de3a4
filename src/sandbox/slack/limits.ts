import { SLACK_LIMITS, SLACK_RATE_LIMITS } from "../../domain/slack-limits.ts";

/** Slack's Block Kit and message limits (the domain's single source of truth) plus the sandbox's own. */
export const LIMITS = {
  ...SLACK_LIMITS,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
  markdownBlockText: 12000,
  buttonUrl: 3000,
  optionValue: 150,
  optionDescription: 75,
  selectOptions: 100,
  overflowOptions: 5,
  placeholder: 150,
  confirmButton: 30,
  imageUrl: 3000,
  altText: 2000,
  inputLabel: 2000,
  inputHint: 2000,
  plainTextInputMax: 3000,
  contextText: 3000,
  fieldText: 2000,
  /** A modal stack holds at most 3 views. */
  viewStack: 3,
  /** conversations.list/history page sizes. */
  listMax: 1000,
} as const;

/** chat.postMessage: about one message per second per channel, with a small burst. */
export const POST_MESSAGE_RATE = { perSecond: 1, burst: 4 } as const;

/**
 * chat.update (Tier 3): 50 a minute per workspace (all channels together), "sporadic bursts
 * welcome": a bucket of 20 refilled at 50 a minute.
 */
export const TIER3_RATE = { perSecond: SLACK_RATE_LIMITS.tier3PerMinute / 60, burst: 20 } as const;

/**
 * A token bucket per key. `take` returns 0 when allowed, else the whole seconds to wait (the
 * Retry-After value Slack would send).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perSecond: number;
  private readonly burst: number;
  constructor(options: { perSecond: number; burst: number }) {
    this.perSecond = options.perSecond;
    this.burst = options.burst;
  }

  take(key: string, now = Date.now()): number {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }
}
