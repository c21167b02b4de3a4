import { SLACK_RATE_LIMITS } from "../../domain/slack-limits.ts";
import { TokenBuckets } from "../../domain/token-buckets.ts";
import { parseChannelRef } from "./workspace-ref.ts";

/** The Slack methods the budget paces: message edits (Tier 3, per workspace). */
export const BUDGETED_METHODS: ReadonlySet<string> = new Set(["chat.update"]);

/** Slack's Tier 3 for chat.update, with a burst of 10: at most 50 edits in any minute per workspace. */
export const DEFAULT_EDIT_BUDGET = { perMinute: SLACK_RATE_LIMITS.tier3PerMinute, burst: 10 } as const;

/** The workspace a queued call's channel is in (`T…/#name`), "" for the default one. */
export const workspaceOfChannel = (ref: string): string => parseChannelRef(ref).teamId ?? "";

/**
 * How many message edits may go to Slack, per workspace (Slack counts chat.update per method per
 * workspace, whatever the channel): a token bucket whose burst and refill keep any 60 s window at
 * or under `perMinute` (burst + refill × 60 s = perMinute), and a pause that a 429's Retry-After
 * sets for the whole workspace (the domain's TokenBuckets, one per workspace). Pure: the caller passes the time (wall-clock ms, as Slack counts).
 * What waits is not lost: the edits stay queued in the outbox, and a card changed meanwhile has its
 * queued edit replaced (the latest render wins), so a throttled card skips intermediate states.
 */
export class EditBudget {
  readonly perMinute: number;
  readonly burst: number;
  private readonly buckets: TokenBuckets;

  constructor(o: { perMinute: number; burst: number } = DEFAULT_EDIT_BUDGET) {
    if (!(o.burst >= 1 && o.perMinute > o.burst)) throw new Error(`edit budget: need 1 ≤ burst < perMinute (got ${o.burst}, ${o.perMinute})`);
    this.perMinute = o.perMinute;
    this.burst = o.burst;
    this.buckets = new TokenBuckets({ burst: o.burst, refill: { tokens: o.perMinute - o.burst, everyMs: 60_000 } });
  }

  /** 0 when an edit to `workspace` may be made now (it is counted), else the ms to wait. */
  take(workspace: string, now: number): number {
    return this.buckets.tryTake(workspace, now);
  }

  /** Slack said 429 (Retry-After): no edit to `workspace` until then, and the bucket starts empty. */
  pause(workspace: string, until: number, now: number): void {
    this.buckets.hold(workspace, until);
    this.buckets.empty(workspace, until, now);
  }
}
