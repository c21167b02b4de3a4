import { silentLogger } from "../../log.ts";
import type { Logger } from "../../log.ts";
import { JiraApiError } from "./errors.ts";
import { DEFAULT_OWNERSHIP, planFieldSync } from "./ownership.ts";
import type { Ownership, SyncPlan } from "./ownership.ts";
import type { JiraPort, JiraRemoteLink, JiraSyncValues, MarkedComment } from "./port.ts";
import { randomBytes, randomUUID } from "node:crypto";
import { DEFAULT_SCHEDULE, afterAttempt, commentIdsOf } from "./write-schedule.ts";
import { addChange, makeDue, memoryWriteRows, settleAttempt, takeDue, type WriteRows } from "./write-slots.ts";
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
  /** Where waiting writes live: the store's `jira_writes` in the product (durable, shared by replicas). */
  rows?: WriteRows;
  ownership?: Ownership;
  schedule?: Partial<ScheduleOptions>;
  logger?: Logger;
  /** A batch given up after retries or a permanent error. */
  onGiveUp?: (key: string, writes: PendingWrites, error: unknown) => void;
  /** Human-owned fields left alone because a person changed them. */
  onKeptHumanEdits?: (key: string, kept: SyncPlan["keptHumanEdits"]) => void;
  random?: () => number;
  now?: () => number;
  /** How long a batch being written is held before another replica may take it (renewed while writing). */
  leaseMs?: number;
  /** How often writes queued by other replicas (or before a restart) are looked for. */
  pollMs?: number;
}

/**
 * The Jira write outbox: writes are stored (merged per issue) before they are made, taken by one
 * writer at a time under a lease, retried with the schedule's backoff, and a writer that dies
 * mid-batch leaves it to be merged back and written by another.
 */
export class JiraWriteQueue {
  readonly owner = `jira-writer:${process.pid}:${randomBytes(4).toString("hex")}`;
  private readonly o: ScheduleOptions;
  private readonly port: JiraPort;
  private readonly synced: SyncedValuesStore;
  private readonly keptComments: KeptCommentStore;
  private readonly rows: WriteRows;
  private readonly options: JiraWriteQueueOptions;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly ops = new Set<Promise<unknown>>();
  private readonly writing = new Set<string>();
  private pumping: Promise<void> | undefined;
  private closed = false;

  constructor(options: JiraWriteQueueOptions) {
    this.options = options;
    this.port = options.port;
    this.synced = options.synced ?? memorySyncedStore();
    this.keptComments = options.keptComments ?? memoryKeptCommentStore();
    this.o = { ...DEFAULT_SCHEDULE, ...options.schedule };
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.rows = options.rows ?? memoryWriteRows(this.now);
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 1_000;
  }

  /** Looks for due writes now and then every pollMs (writes another replica, or a dead one, left). */
  start(): void {
    this.schedule(this.now());
  }

  /** Brings fields (status included) towards these values, as ownership allows. */
  sync(key: string, desired: Partial<JiraSyncValues>): Promise<void> {
    return this.add(key, { fields: desired });
  }

  comment(key: string, text: string): Promise<void> {
    return this.add(key, { comments: [text], commentIds: [randomUUID()] });
  }

  link(key: string, link: JiraRemoteLink): Promise<void> {
    return this.add(key, { links: [link] });
  }

  /** One comment per slot, created on the first write and edited afterwards (only the latest text is written). */
  keepComment(key: string, slot: string, text: string): Promise<void> {
    return this.add(key, { kept: { [slot]: text } });
  }

  /** Makes waiting batches (all, or one issue's) due now, still honouring Retry-After. */
  flushNow(key?: string): Promise<void> {
    return this.track(
      (async () => {
        const keys = key === undefined ? await this.rows.keys() : [key];
        for (const k of keys) await makeDue(this.rows, k, this.now());
        this.schedule(this.now());
      })(),
    );
  }

  /** Resolves when nothing waits and nothing is being written. */
  async idle(): Promise<void> {
    for (;;) {
      while (this.ops.size > 0) await Promise.allSettled([...this.ops]);
      await this.pumping;
      if (this.writing.size === 0 && (await this.rows.keys()).length === 0 && this.ops.size === 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  pendingKeys(): Promise<string[]> {
    return this.rows.keys();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.ops.add(p);
    void p.then(
      () => this.ops.delete(p),
      () => this.ops.delete(p),
    );
    return p;
  }

  private add(key: string, change: Partial<PendingWrites>): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the Jira write queue is closed"));
    const p = this.chain.then(async () => {
      const slot = await addChange(this.rows, key, change, this.now(), this.o);
      this.schedule(slot.dueAt);
    });
    this.chain = p.catch(() => undefined);
    return this.track(p);
  }

  /** Wakes the writer at `at` (or sooner, for the next poll). */
  private schedule(at: number): void {
    if (this.closed) return;
    const when = Math.min(at, this.now() + this.pollMs);
    if (this.timer && when >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = when;
    this.timer = setTimeout(() => this.fire(), Math.max(0, when - this.now()));
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.closed) return;
    if (this.pumping) return void this.pumping.then(() => this.schedule(this.now()));
    this.pumping = this.pump()
      .catch((e: unknown) => this.logger.warn({ err: e }, "jira: looking for due writes failed"))
      .finally(() => {
        this.pumping = undefined;
      });
  }

  /** Takes and writes every due batch nobody else writes; then sleeps until the next is due. */
  private async pump(): Promise<void> {
    try {
      const now = this.now();
      for (const key of await this.rows.dueKeys(now, 50)) {
        if (this.writing.has(key)) continue;
        const batch = await takeDue(this.rows, key, this.owner, now, this.leaseMs);
        if (!batch) continue;
        this.writing.add(key);
        this.beat();
        const run = this.write(key, batch)
          .then((outcome) => this.settle(key, outcome))
          .catch((e: unknown) => this.logger.warn({ err: e, issue: key }, "jira: recording a write's outcome failed; its lease will run out and it is retried"))
          .finally(() => this.writing.delete(key));
        this.track(run);
      }
    } finally {
      const next = await this.rows.nextDueAtMs().catch(() => undefined);
      this.schedule(next ?? this.now() + this.pollMs);
    }
  }

  private beat(): void {
    if (this.heartbeat || this.closed) return;
    this.heartbeat = setInterval(
      () => {
        if (this.writing.size === 0) {
          clearInterval(this.heartbeat);
          this.heartbeat = undefined;
          return;
        }
        void this.rows.renew(this.owner, [...this.writing], this.leaseMs).catch(() => undefined);
      },
      Math.max(100, Math.floor(this.leaseMs / 3)),
    );
    this.heartbeat.unref?.();
  }

  private async settle(key: string, outcome: WriteOutcome & { error?: unknown }): Promise<void> {
    let result: { slot?: IssueSlot; gaveUp?: PendingWrites } = {};
    const random = (this.options.random ?? Math.random)();
    const mine = await settleAttempt(this.rows, key, this.owner, (slot) => {
      result = afterAttempt(slot, outcome, this.now(), this.o, random);
      return result.slot;
    });
    if (!mine) return;
    const { slot: next, gaveUp } = result;
    if (gaveUp) {
      this.logger.warn({ issue: key, err: outcome.error }, "jira write given up");
      this.options.onGiveUp?.(key, gaveUp, outcome.error);
    } else if (!outcome.ok && next) {
      this.logger.info({ issue: key, attempt: next.attempt, retryInMs: next.notBefore - this.now() }, "jira write failed; will retry");
    }
    if (next) this.schedule(next.dueAt);
  }

  /** Writes one batch in order (fields, then comments, kept comments, links) and says what is left on failure. */
  private async write(key: string, batch: PendingWrites): Promise<WriteOutcome & { error?: unknown }> {
    const kept = { ...batch.kept };
    const remaining: PendingWrites = { fields: { ...batch.fields }, comments: [...batch.comments], commentIds: commentIdsOf(batch), links: [...batch.links], kept, ...(batch.uncertain ? { uncertain: true } : {}) };
    // A batch that may have been written in part (its writer died, or an attempt failed after
    // sending) first reads back aisre's marked comments on the issue, once, so nothing is said twice.
    let marked: Promise<MarkedComment[]> | undefined;
    const alreadyWritten = () => (marked ??= batch.uncertain ? this.port.markedComments(key) : Promise.resolve([]));
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
      if (remaining.comments.length > 0) {
        const done = new Set((await alreadyWritten()).flatMap((c) => c.writes ?? []));
        const parts = remaining.comments.map((text, i) => ({ text, id: remaining.commentIds?.[i] ?? "" })).filter((p) => !p.id || !done.has(p.id));
        if (parts.length > 0) {
          const writes = parts.map((p) => p.id).filter(Boolean);
          await this.port.addComment(key, coalesceComments(parts.map((p) => p.text)), writes.length > 0 ? { writes } : undefined);
        }
        remaining.comments = [];
        remaining.commentIds = [];
      }
      for (const [slot, text] of Object.entries(kept)) {
        await this.writeKept(key, slot, text, alreadyWritten);
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
  private async writeKept(key: string, slot: string, text: string, alreadyWritten: () => Promise<MarkedComment[]>): Promise<void> {
    // The slot's comment may have been created by a writer that died before it stored the id.
    const stored = await this.keptComments.get(key, slot);
    const id = stored ?? (await alreadyWritten()).find((c) => c.slot === slot)?.id;
    if (id) {
      try {
        await this.port.updateComment(key, id, text);
        if (!stored) await this.keptComments.set(key, slot, id);
        return;
      } catch (e) {
        if (!(e instanceof JiraApiError) || e.status !== 404) throw e;
      }
    }
    const created = await this.port.addComment(key, text, { slot });
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
