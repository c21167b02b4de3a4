import type { JiraRemoteLink, JiraSyncValues } from "./port.ts";
import { backoffMs as backoff } from "../../domain/backoff.ts";

/**
 * Pure scheduling for Jira writes, per issue: changes are merged (later field values win, comments
 * and links accumulate, a kept comment's later text replaces its earlier one) and written once the issue has been quiet for `debounceMs`, but no later
 * than `maxDelayMs` after the first change. One batch per issue is in flight at a time. A failed
 * batch comes back merged under any newer changes and waits for Retry-After, or an exponential
 * backoff, before the next attempt; after `maxAttempts` it is given up.
 */

export interface PendingWrites {
  fields: Partial<JiraSyncValues>;
  comments: string[];
  /** Each comment's write id (same order as `comments`; "" for none): kept on the Jira comment, so a retry can tell it was made. */
  commentIds?: string[];
  links: JiraRemoteLink[];
  /** Comments aisre keeps up to date, one per slot (e.g. "postmortem"): created once, then edited. */
  kept?: Record<string, string>;
  /** Some of these writes may already have been made: a writer died mid-batch, or an attempt failed after sending. */
  uncertain?: boolean;
}

/** The write ids of a batch's comments, one per comment ("" where a comment has none). */
export const commentIdsOf = (p: Pick<PendingWrites, "comments" | "commentIds">): string[] => p.comments.map((_, i) => p.commentIds?.[i] ?? "");

export interface IssueSlot {
  key: string;
  pending: PendingWrites;
  /** When the oldest pending change arrived (for maxDelayMs). */
  firstAt: number;
  dueAt: number;
  /** Failed attempts of the pending batch so far. */
  attempt: number;
  /** While set, a batch is being written; no second batch starts. */
  inFlight: boolean;
  /** When set, no write before this time (Retry-After or backoff). */
  notBefore: number;
}

export interface ScheduleOptions {
  debounceMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_SCHEDULE: ScheduleOptions = { debounceMs: 2_000, maxDelayMs: 10_000, maxAttempts: 6, baseBackoffMs: 1_000, maxBackoffMs: 60_000 };

export const emptyWrites = (): PendingWrites => ({ fields: {}, comments: [], links: [] });

export function isEmpty(p: PendingWrites): boolean {
  return Object.keys(p.fields).length === 0 && p.comments.length === 0 && p.links.length === 0 && Object.keys(p.kept ?? {}).length === 0;
}

/** `newer` applied on top of `older`. */
export function mergeWrites(older: PendingWrites, newer: Partial<PendingWrites>): PendingWrites {
  const kept = { ...older.kept, ...newer.kept };
  const comments = [...older.comments, ...(newer.comments ?? [])];
  const commentIds = [...commentIdsOf(older), ...commentIdsOf({ comments: newer.comments ?? [], commentIds: newer.commentIds })];
  return {
    fields: { ...older.fields, ...newer.fields },
    comments,
    ...(commentIds.some(Boolean) ? { commentIds } : {}),
    links: [...older.links, ...(newer.links ?? [])],
    ...(Object.keys(kept).length > 0 ? { kept } : {}),
    ...(older.uncertain || newer.uncertain ? { uncertain: true } : {}),
  };
}

function due(slot: IssueSlot, lastChangeAt: number, o: ScheduleOptions): number {
  return Math.max(slot.notBefore, Math.min(lastChangeAt + o.debounceMs, slot.firstAt + o.maxDelayMs));
}

export function enqueue(slot: IssueSlot | undefined, key: string, change: Partial<PendingWrites>, now: number, o: ScheduleOptions): IssueSlot {
  const base: IssueSlot = slot ?? { key, pending: emptyWrites(), firstAt: now, dueAt: now, attempt: 0, inFlight: false, notBefore: 0 };
  const wasEmpty = isEmpty(base.pending);
  const next: IssueSlot = { ...base, pending: mergeWrites(base.pending, change), firstAt: wasEmpty ? now : base.firstAt };
  next.dueAt = due(next, now, o);
  return next;
}

/** Takes the pending writes for a write attempt. */
export function takeBatch(slot: IssueSlot): { batch: PendingWrites; slot: IssueSlot } {
  return { batch: slot.pending, slot: { ...slot, pending: emptyWrites(), inFlight: true } };
}

export type WriteOutcome = { ok: true } | { ok: false; retryable: boolean; retryAfterMs?: number; remaining: PendingWrites };

/** The write's backoff: the one backoff helper with this schedule's base and cap. */
export function backoffMs(attempt: number, o: ScheduleOptions, random: number): number {
  return backoff(attempt, { baseMs: o.baseBackoffMs, maxMs: o.maxBackoffMs, random });
}

/**
 * The slot after an attempt (undefined when nothing is left), and what was given up, if anything.
 * `random` in [0, 1) jitters the backoff.
 */
export function afterAttempt(slot: IssueSlot, outcome: WriteOutcome, now: number, o: ScheduleOptions, random: number): { slot?: IssueSlot; gaveUp?: PendingWrites } {
  const arrivedMeanwhile = slot.pending;
  if (outcome.ok) {
    if (isEmpty(arrivedMeanwhile)) return {};
    const next: IssueSlot = { ...slot, inFlight: false, attempt: 0, notBefore: 0 };
    next.dueAt = due(next, now, o);
    return { slot: next };
  }
  const attempt = slot.attempt + 1;
  if (!outcome.retryable || attempt >= o.maxAttempts) {
    if (isEmpty(arrivedMeanwhile)) return { gaveUp: outcome.remaining };
    const next: IssueSlot = { ...slot, inFlight: false, attempt: 0, notBefore: 0, firstAt: now };
    next.dueAt = due(next, now, o);
    return { slot: next, gaveUp: outcome.remaining };
  }
  const wait = outcome.retryAfterMs ?? backoffMs(slot.attempt, o, random);
  const notBefore = now + wait;
  // A failed call may still have been made (a timeout, a lost answer): the retry looks before writing again.
  return { slot: { ...slot, pending: mergeWrites({ ...outcome.remaining, uncertain: true }, arrivedMeanwhile), inFlight: false, attempt, notBefore, dueAt: notBefore } };
}

/** Keys whose batch is due now. */
export function dueKeys(slots: Iterable<IssueSlot>, now: number): string[] {
  const keys: string[] = [];
  for (const s of slots) if (!s.inFlight && !isEmpty(s.pending) && s.dueAt <= now) keys.push(s.key);
  return keys;
}

/** When the next batch is due (undefined when nothing waits). */
export function nextDueAt(slots: Iterable<IssueSlot>): number | undefined {
  let next: number | undefined;
  for (const s of slots) if (!s.inFlight && !isEmpty(s.pending) && (next === undefined || s.dueAt < next)) next = s.dueAt;
  return next;
}
