import { silentLogger } from "../../log.ts";
import type { Logger } from "../../log.ts";
import { JiraApiError } from "./errors.ts";
import { DEFAULT_OWNERSHIP, planFieldSync } from "./ownership.ts";
import type { Ownership, SyncPlan } from "./ownership.ts";
import type { JiraPort, JiraRemoteLink, JiraSyncValues } from "./port.ts";
import { DEFAULT_SCHEDULE, afterAttempt, dueKeys, enqueue, nextDueAt, takeBatch } from "./write-schedule.ts";
import type { IssueSlot, PendingWrites, ScheduleOptions, WriteOutcome } from "./write-schedule.ts";

/**
 * Debounced, retried writes to Jira issues (the scheduling itself is in write-schedule.ts). Field
 * values go through the ownership rules at write time, against the issue as it is then, so a
 * human's edit made while a write waited is still respected.
 */

/** The values aisre last synced per issue (the product keeps them in the external_links table). */
export interface SyncedValuesStore {
  get(key: string): Promise<Partial<JiraSyncValues>>;
  set(key: string, values: Partial<JiraSyncValues>): Promise<void>;
}

/** The ids of the comments aisre keeps up to date, per issue and slot. */
export interface KeptCommentStore {
  get(key: string, slot: string): Promise<string | undefined>;
  set(key: string, slot: string, commentId: string): Promise<void>;
}

export function memoryKeptCommentStore(): KeptCommentStore {
  const m = new Map<string, string>();
  return {
    get: async (key, slot) => m.get(`${key}\u0000${slot}`),
    set: async (key, slot, id) => {
      m.set(`${key}\u0000${slot}`, id);
    },
  };
}

export function memorySyncedStore(): SyncedValuesStore {
  const m = new Map<string, Partial<JiraSyncValues>>();
  return {
    get: async (key) => ({ ...(m.get(key) ?? {}) }),
    set: async (key, values) => {
      m.set(key, { ...values });
    },
  };
}

export interface JiraWriteQueueOptions {
  port: JiraPort;
  synced?: SyncedValuesStore;
  keptComments?: KeptCommentStore;
  ownership?: Ownership;
  schedule?: Partial<ScheduleOptions>;
  logger?: Logger;
  /** A batch given up after retries or a permanent error. */
  onGiveUp?: (key: string, writes: PendingWrites, error: unknown) => void;
  /** Human-owned fields left alone because a person changed them. */
  onKeptHumanEdits?: (key: string, kept: SyncPlan["keptHumanEdits"]) => void;
  random?: () => number;
  now?: () => number;
}

export class JiraWriteQueue {
  private readonly slots = new Map<string, IssueSlot>();
  private readonly o: ScheduleOptions;
  private readonly port: JiraPort;
  private readonly synced: SyncedValuesStore;
  private readonly keptComments: KeptCommentStore;
  private readonly options: JiraWriteQueueOptions;
  private readonly logger: Logger;
  private readonly now: () => number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(options: JiraWriteQueueOptions) {
    this.options = options;
    this.port = options.port;
    this.synced = options.synced ?? memorySyncedStore();
    this.keptComments = options.keptComments ?? memoryKeptCommentStore();
    this.o = { ...DEFAULT_SCHEDULE, ...options.schedule };
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  /** Brings fields (status included) towards these values, as ownership allows. */
  sync(key: string, desired: Partial<JiraSyncValues>): void {
    this.add(key, { fields: desired });
  }

  comment(key: string, text: string): void {
    this.add(key, { comments: [text] });
  }

  link(key: string, link: JiraRemoteLink): void {
    this.add(key, { links: [link] });
  }

  /** One comment per slot, created on the first write and edited afterwards (only the latest text is written). */
  keepComment(key: string, slot: string, text: string): void {
    this.add(key, { kept: { [slot]: text } });
  }

  /** Makes waiting batches (all, or one issue's) due now, still honouring Retry-After. */
  flushNow(key?: string): void {
    for (const s of this.slots.values()) if (key === undefined || s.key === key) s.dueAt = Math.max(s.notBefore, this.now());
    this.reschedule();
  }

  /** Resolves when nothing waits and nothing is being written. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  pendingKeys(): string[] {
    return [...this.slots.keys()];
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private add(key: string, change: Partial<PendingWrites>): void {
    if (this.closed) throw new Error("the Jira write queue is closed");
    this.slots.set(key, enqueue(this.slots.get(key), key, change, this.now(), this.o));
    this.reschedule();
  }

  private isIdle(): boolean {
    return this.slots.size === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  private reschedule(): void {
    if (this.closed) return;
    const at = nextDueAt(this.slots.values());
    if (at === undefined) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - this.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    for (const key of dueKeys(this.slots.values(), this.now())) {
      const { batch, slot } = takeBatch(this.slots.get(key)!);
      this.slots.set(key, slot);
      void this.write(key, batch).then((outcome) => this.settle(key, outcome));
    }
    this.reschedule();
  }

  private settle(key: string, outcome: WriteOutcome & { error?: unknown }): void {
    const slot = this.slots.get(key)!;
    const { slot: next, gaveUp } = afterAttempt(slot, outcome, this.now(), this.o, (this.options.random ?? Math.random)());
    if (next) this.slots.set(key, next);
    else this.slots.delete(key);
    if (gaveUp) {
      this.logger.warn({ issue: key, err: outcome.error }, "jira write given up");
      this.options.onGiveUp?.(key, gaveUp, outcome.error);
    } else if (!outcome.ok && next) {
      this.logger.info({ issue: key, attempt: next.attempt, retryInMs: next.notBefore - this.now() }, "jira write failed; will retry");
    }
    this.reschedule();
    this.notifyIfIdle();
  }

  /** Writes one batch in order (fields, then comments, kept comments, links) and says what is left on failure. */
  private async write(key: string, batch: PendingWrites): Promise<WriteOutcome & { error?: unknown }> {
    const kept = { ...batch.kept };
    const remaining: PendingWrites = { fields: { ...batch.fields }, comments: [...batch.comments], links: [...batch.links], kept };
    try {
      if (Object.keys(batch.fields).length > 0) {
        const view = await this.port.getIssue(key);
        const plan = planFieldSync({ desired: batch.fields, current: view.values, lastSynced: await this.synced.get(key), ownership: this.options.ownership ?? DEFAULT_OWNERSHIP });
        if (plan.keptHumanEdits.length > 0) this.options.onKeptHumanEdits?.(key, plan.keptHumanEdits);
        const { status, ...fields } = plan.write;
        if (Object.keys(fields).length > 0) await this.port.updateFields(key, fields);
        await this.synced.set(key, plan.synced);
        if (status !== undefined) await this.port.transitionTo(key, status);
        remaining.fields = {};
      }
      // Comments queued within one debounce window are coalesced into one (a burst of events is one
      // Jira comment, not one each: watchers get one notification and the issue stays readable).
      if (remaining.comments.length > 1) remaining.comments = [coalesceComments(remaining.comments)];
      for (let comment = remaining.comments[0]; comment !== undefined; comment = remaining.comments[0]) {
        await this.port.addComment(key, comment);
        remaining.comments.shift();
      }
      for (const [slot, text] of Object.entries(kept)) {
        await this.writeKept(key, slot, text);
        delete kept[slot];
      }
      for (let link = remaining.links[0]; link !== undefined; link = remaining.links[0]) {
        await this.port.addRemoteLink(key, link);
        remaining.links.shift();
      }
      return { ok: true };
    } catch (e) {
      const retryable = e instanceof JiraApiError && e.retryable;
      return { ok: false, retryable, retryAfterMs: e instanceof JiraApiError ? e.retryAfterMs : undefined, remaining, error: e };
    }
  }

  /** Edits the slot's comment; creates it when there is none yet, or when a person deleted it. */
  private async writeKept(key: string, slot: string, text: string): Promise<void> {
    const id = await this.keptComments.get(key, slot);
    if (id) {
      try {
        await this.port.updateComment(key, id, text);
        return;
      } catch (e) {
        if (!(e instanceof JiraApiError) || e.status !== 404) throw e;
      }
    }
    const created = await this.port.addComment(key, text);
    await this.keptComments.set(key, slot, created.id);
  }
}

/** Jira's comment body limit is 32,767 characters; the coalesced comment keeps the latest events when it must cut. */
const MAX_COMMENT = 32_000;

/** Several queued comments as one, oldest first, separated by a blank line. */
export function coalesceComments(comments: readonly string[]): string {
  const unique = comments.filter((c, i) => comments.indexOf(c) === i);
  let text = unique.join("\n\n");
  while (text.length > MAX_COMMENT && unique.length > 1) {
    unique.shift();
    text = `…\n\n${unique.join("\n\n")}`;
  }
  return text.slice(0, MAX_COMMENT);
}
