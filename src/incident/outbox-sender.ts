import type { Logger } from "../log.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import type { OutboxItem } from "../store/repos/outbox.ts";
import type { Store } from "../store/store.ts";
import { ChannelDirectory } from "../integrations/slack/channel-directory.ts";
import { BUDGETED_METHODS, type EditBudget, workspaceOfChannel } from "../integrations/slack/edit-budget.ts";
import type { SlackCallError, SlackPort } from "../integrations/slack/slack-port.ts";
import { sharedRedactor } from "../redact/redactor.ts";
import { LOCKS } from "../store/locks.ts";
import { backoffMs } from "../domain/backoff.ts";
import { incidentMetadata, incidentOfPayload } from "./message-metadata.ts";
import { isTopLevelPost, PostPacer, postKind } from "./post-pacer.ts";

/** `thread_ts` / `ts` placeholder for an incident's root message, filled in when the call is made. */
export const rootRef = (incidentId: string) => `$root:${incidentId}`;

export interface OutboxMeta {
  /** Record the posted message as the incident's message for this purpose. */
  record?: { incidentId: string; purpose: string };
  /** The incident an edit is about when its ts names no root (its message metadata says so). */
  incidentId?: string;
}

/** `metadata.event_type` of every post the outbox makes; `event_payload.outbox_id` names the item. */
export const OUTBOX_EVENT_TYPE = "aisre_outbox";

/** A transient failure still failing after this long is given up (kept with its error). */
const MAX_TRANSIENT_AGE_MS = 6 * 3600_000;

/** 250 ms doubling per attempt, capped at 2 s: a recovered Slack is used again within seconds. */
export function transientBackoffMs(attempts: number): number {
  return backoffMs(Math.min(attempts, 4), { baseMs: 250, maxMs: 2000 });
}

const IN_FLIGHT = "in_flight";

/** Failures after which a post may have been made even though no answer came back. */
function isAmbiguous(code: string | undefined): boolean {
  return !!code && (code === IN_FLIGHT || code === "request_error" || /^http_5\d\d$/.test(code) || code === "internal_error" || code === "fatal_error" || code === "lookup_failed");
}

/** An edit of an incident's root card (its ts is still the `$root:` placeholder). */
const isCardEdit = (item: OutboxItem): boolean => item.method === "chat.update" && typeof item.payload.ts === "string" && item.payload.ts.startsWith("$root:");

/** Adds the outbox id to a message's metadata (keeping an event type the caller set). */
function tagWithOutboxId(metadata: unknown, id: number): Record<string, unknown> {
  const m = (metadata && typeof metadata === "object" ? metadata : {}) as { event_type?: string; event_payload?: Record<string, unknown> };
  return { event_type: m.event_type ?? OUTBOX_EVENT_TYPE, event_payload: { ...(m.event_payload ?? {}), outbox_id: String(id) } };
}

/**
 * Makes the queued Slack calls: per channel in order (top-level posts, edits, thread replies: a
 * lane each; root messages by severity), about one post per second per channel (a SEV1/SEV2 root
 * message on a token the other posts leave, see PostPacer), edits within the workspace's edit budget
 * (Slack's Tier 3 for chat.update, all channels together), 429 → wait Retry-After (the channel's
 * posts, or the workspace's edits), 5xx/network → back off; nothing is dropped on a restart because
 * the queue is a table. One replica sends at a time (advisory lock), so the budget in its memory is
 * the workspace's; a new leader starts with the burst only.
 */
export class OutboxSender {
  private readonly store: Store;
  private readonly slack: SlackPort;
  private readonly logger: Logger;
  private readonly metrics?: AppMetrics;
  private readonly channels: ChannelDirectory;
  private readonly minIntervalMs: number;
  private readonly pacer: PostPacer;
  private readonly editBudget?: EditBudget;
  private timer?: NodeJS.Timeout;
  private running = false;
  private release?: () => Promise<void>;
  private wake?: () => void;
  /** A poke came during a pass (no sleep to end): the sleep after it is skipped, so what was queued meanwhile goes now. */
  private poked = false;
  /** Told once a pass begun after they were added has made the top-level posts that may go now (see rootsPosted). */
  private rootWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private readonly sentListeners = new Set<(item: { method: string; incidentId?: string; purpose?: string }) => void>();

  /** `editBudget`: paces edits per workspace (the composition root passes Slack's Tier 3); none, edits go as they come. */
  constructor(options: { store: Store; slack: SlackPort; logger: Logger; metrics?: AppMetrics; minIntervalMs?: number; editBudget?: EditBudget }) {
    this.store = options.store;
    this.slack = options.slack;
    this.logger = options.logger.child({ component: "outbox" });
    this.metrics = options.metrics;
    // A channel of a named workspace (`T…/#incidents`) is remembered as that workspace's: its posts use that install's token.
    this.channels = new ChannelDirectory(options.slack, (id, teamId) => options.store.slackChannelWorkspaces.put(id, { teamId }));
    this.minIntervalMs = options.minIntervalMs ?? 1050;
    this.pacer = new PostPacer({ intervalMs: this.minIntervalMs, burst: 2, reserve: 1 });
    this.editBudget = options.editBudget;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  /** Nudges the sender after an enqueue so it does not wait for its next poll. */
  poke(): void {
    if (this.wake) this.wake();
    else if (this.release) this.poked = true;
  }

  /**
   * Resolves once a pass begun after this call has made the top-level posts that may go now (new
   * incidents' root messages, as the channels' pacing lets them), or after `maxMs`; at once when this
   * replica does not send. The webhook
   * processor awaits it after alerts that opened an incident: on the embedded database's one
   * connection, the transaction of the storm's next batch of deliveries took the connection first,
   * and each statement of a root message's pass (the read of what is due, marking it in flight)
   * waited for a whole batch (0.5-1.5 s each at a storm's start).
   */
  rootsPosted(maxMs: number): Promise<void> {
    if (!this.running || !this.release) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.rootWaiters = this.rootWaiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      this.rootWaiters.push(done);
      this.poke();
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.poke();
    for (const told of this.rootWaiters.splice(0)) told();
    clearTimeout(this.timer);
    await this.release?.();
    this.release = undefined;
  }

  /** Resolves when nothing is due or waiting (tests, graceful shutdown). */
  async idle(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.store.outbox.pendingCount()) === 0) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  private async sleep(ms: number): Promise<void> {
    // Poked during the pass (what was queued meanwhile goes now).
    if (this.poked) {
      this.poked = false;
      return;
    }
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
    this.wake = undefined;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        if (!this.release) {
          // Leadership ends with the lock's connection (terminated, network): step down at once, so
          // two replicas never send the same queue.
          const release = await this.store.db.tryAdvisoryLock(LOCKS.outboxLeader, () => {
            if (this.release !== release) return;
            this.logger.warn("outbox leadership lost with its database connection; stepping down");
            this.metrics?.leadershipLost.inc({ role: "outbox" });
            this.release = undefined;
          });
          this.release = release ?? undefined;
          if (!this.release) {
            await this.sleep(5000);
            continue;
          }
        }
        const waitMs = await this.sendDue();
        await this.sleep(waitMs);
      } catch (e) {
        this.logger.error({ err: e }, "outbox loop failed; retrying");
        await this.sleep(1000);
      }
    }
  }

  /**
   * Sends what is due now; returns how long to wait before looking again. Top-level posts (root
   * messages) go first, so a reply or edit of a thread whose root is posted in this pass finds it;
   * while the webhook processor waits for root messages (rootsPosted), as many as the channels'
   * pacing lets go now, one a channel per read of the queue.
   */
  async sendDue(): Promise<number> {
    // Those waiting since before this pass are told once its top-level posts are made (or it fails).
    const waiting = [...this.rootWaiters];
    const tell = () => {
      for (const told of waiting) told();
    };
    try {
      let due = await this.store.outbox.due(100);
      const pass = { wait: due.length === 0 ? 250 : this.minIntervalMs };
      while (
        (await this.sendAll(
          due.filter((i) => isTopLevelPost(i.method, i.payload)),
          pass,
        )) > 0 &&
        waiting.length > 0
      )
        due = await this.store.outbox.due(100);
      tell();
      // Root cards before other edits: when the edit budget is short (a storm), the card is what the
      // on-call reads first. The budget is taken in this order (synchronously, before any call).
      const rest = due.filter((i) => !isTopLevelPost(i.method, i.payload));
      await this.sendAll([...rest.filter(isCardEdit), ...rest.filter((i) => !isCardEdit(i))], pass);
      return Math.max(20, pass.wait);
    } catch (e) {
      tell();
      throw e;
    }
  }

  /** Makes the calls that may go now; `pass.wait` is lowered to when the next may. Returns how many were made. */
  private async sendAll(items: OutboxItem[], pass: { wait: number }): Promise<number> {
    let made = 0;
    await Promise.all(
      items.map(async (item) => {
        // Slack's ~1 message/s per channel applies to new posts (a SEV1/SEV2 root message may take
        // the token the others leave); edits are paced by their method tier.
        if (item.method === "chat.postMessage") {
          const held = this.pacer.waitMs(item.channel, postKind(item.payload), Date.now());
          if (held > 0) {
            pass.wait = Math.min(pass.wait, held);
            return;
          }
        }
        // An edit waits for the workspace's budget (it stays queued, its payload replaced by later renders).
        const budgetWait = this.editBudget && BUDGETED_METHODS.has(item.method) ? this.editBudget.take(workspaceOfChannel(item.channel), Date.now()) : 0;
        if (budgetWait > 0) {
          pass.wait = Math.min(pass.wait, budgetWait);
          return;
        }
        made++;
        await this.send(item);
        // After a post, look again once the channel may take the next top-level post (the pacer
        // counts the time this pass took; a burst token left: at once), not a whole interval after the pass.
        pass.wait = Math.min(pass.wait, item.method === "chat.postMessage" ? Math.max(this.pacer.waitMs(item.channel, "urgent-root", Date.now()), 20) : 20);
      }),
    );
    return made;
  }

  private async send(item: OutboxItem): Promise<void> {
    // Nothing secret reaches Slack: the one redactor (secrets) over every string of the call.
    const payload: Record<string, unknown> = sharedRedactor().redactValue({ ...item.payload }, "secrets");
    const meta = (payload._meta ?? {}) as OutboxMeta;
    delete payload._meta;
    const channel = await this.channels.resolve(item.channel);
    if ("error" in channel) return this.failed(item, channel.error);
    payload.channel = channel.id;
    const incidentId = incidentOfPayload(payload, meta.record?.incidentId ?? meta.incidentId);
    for (const field of ["thread_ts", "ts"] as const) {
      const v = payload[field];
      if (typeof v === "string" && v.startsWith("$root:")) {
        const root = await this.store.slackMessages.get(v.slice("$root:".length), "root");
        if (!root) {
          // The root post is ahead in the same channel's queue, or failed: wait for it.
          await this.store.outbox.retryLater(item.id, 500, "waiting for the root message");
          return;
        }
        payload[field] = root.ts;
      }
    }
    // A post is marked in flight first: if this replica dies before recording the answer, whoever
    // sends next looks for it in the channel instead of posting it twice. One not in doubt is marked
    // while its incident is read for the metadata: one wait for the store, not two (in a storm each
    // statement waits for the processing transaction in progress on the embedded store's one
    // connection). In doubt, it is looked for first, then marked.
    const ambiguous = item.method === "chat.postMessage" && isAmbiguous(item.lastError);
    const marking = item.method === "chat.postMessage" && !ambiguous ? this.store.outbox.markInFlight(item.id) : undefined;
    marking?.catch(() => undefined); // awaited below
    if (incidentId && payload.metadata === undefined && (item.method === "chat.postMessage" || item.method === "chat.update")) {
      const incident = await this.store.incidents.get(incidentId);
      if (incident) payload.metadata = incidentMetadata(incident, item.method === "chat.postMessage" && meta.record?.purpose === "root");
    }
    if (item.method === "chat.postMessage") {
      payload.metadata = tagWithOutboxId(payload.metadata, item.id);
      // The last attempt may have posted even though no answer came back: look before posting again.
      if (ambiguous) {
        const found = await this.findPosted(channel.id, payload, item);
        if (found === "unknown") return this.failed(item, { code: "lookup_failed", transient: true });
        if (found) {
          this.metrics?.slackCalls.inc({ method: item.method, outcome: "found_after_lost_response" });
          this.logger.info({ channel: channel.id, outboxId: item.id, ts: found }, "Slack message found posted after a lost response; not posted again");
          return this.sent(item, meta, channel.id, payload, found);
        }
      }
    }
    // One cancelled since it was read (an action card withdrawn before it went out) is not posted.
    if (item.method === "chat.postMessage") {
      if (!(await (marking ?? this.store.outbox.markInFlight(item.id)))) return;
    }
    // An edit that coalesces (the card's) has its key freed first, so an edit queued while this one
    // is made is sent after it, not lost; one replaced since it was read goes next time as it is now.
    else if (item.dedupeKey && JSON.stringify(await this.store.outbox.releaseKey(item.id)) !== JSON.stringify(item.payload)) return;
    if (item.method === "chat.postMessage") this.pacer.take(item.channel, Date.now());
    const result = await this.slack.call(item.method, payload);
    if (result.ok) {
      this.metrics?.slackCalls.inc({ method: item.method, outcome: "ok" });
      return this.sent(item, meta, channel.id, payload, typeof result.data.ts === "string" ? result.data.ts : undefined);
    }
    this.metrics?.slackCalls.inc({ method: item.method, outcome: result.error.code });
    await this.failed(item, result.error);
  }

  /** Called after each message is posted or edited (the Home tab republishes when a card appears or changes). */
  onSent(fn: (item: { method: string; incidentId?: string; purpose?: string }) => void): () => void {
    this.sentListeners.add(fn);
    return () => this.sentListeners.delete(fn);
  }

  private async sent(item: OutboxItem, meta: OutboxMeta, channelId: string, payload: Record<string, unknown>, ts: string | undefined): Promise<void> {
    if (meta.record && ts) await this.store.outbox.markSentRecording(item.id, { ts }, { incidentId: meta.record.incidentId, purpose: meta.record.purpose, channel: channelId, ts, threadTs: typeof payload.thread_ts === "string" ? payload.thread_ts : undefined });
    else await this.store.outbox.markSent(item.id, { ts: ts ?? null });
    const incidentId = meta.record?.incidentId ?? meta.incidentId;
    for (const fn of this.sentListeners) fn({ method: item.method, ...(incidentId ? { incidentId } : {}), ...(meta.record ? { purpose: meta.record.purpose } : {}) });
  }

  /**
   * The ts of the message this outbox item already posted (found by the outbox id in its metadata),
   * undefined when it was not posted, "unknown" when Slack could not be asked.
   */
  private async findPosted(channelId: string, payload: Record<string, unknown>, item: OutboxItem): Promise<string | undefined | "unknown"> {
    const oldest = String(Math.floor(Date.parse(item.createdAt) / 1000) - 60);
    const threadTs = typeof payload.thread_ts === "string" ? payload.thread_ts : undefined;
    const result = threadTs ? await this.slack.call("conversations.replies", { channel: channelId, ts: threadTs, oldest, include_all_metadata: true, limit: 200 }) : await this.slack.call("conversations.history", { channel: channelId, oldest, include_all_metadata: true, limit: 200 });
    if (!result.ok) return "unknown";
    const messages = (result.data.messages ?? []) as Array<{ ts?: string; metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }>;
    return messages.find((m) => String(m.metadata?.event_payload?.outbox_id) === String(item.id))?.ts;
  }

  /**
   * Transient failures wait, and only the failing message waits: a 429's Retry-After is Slack's
   * pacing and holds the channel; a 5xx or a lost connection backs this message off briefly (capped
   * so the queue resumes within seconds of Slack's recovery). Permanent ones are given up, and so is
   * a transient one still failing after MAX_TRANSIENT_AGE_MS.
   */
  private async failed(item: OutboxItem, error: SlackCallError): Promise<void> {
    const age = Date.now() - Date.parse(item.createdAt);
    if (error.transient && !(age > MAX_TRANSIENT_AGE_MS)) {
      const delay = error.retryAfterMs ?? transientBackoffMs(item.attempts);
      // A 429 on an edit is the workspace's Tier 3 limit: every edit waits; a post's is the channel's.
      if (error.retryAfterMs !== undefined && this.editBudget && BUDGETED_METHODS.has(item.method)) this.editBudget.pause(workspaceOfChannel(item.channel), Date.now() + delay, Date.now());
      else if (error.retryAfterMs !== undefined) this.pacer.hold(item.channel, Date.now() + delay);
      this.logger.warn({ method: item.method, channel: item.channel, code: error.code, delay, attempts: item.attempts + 1 }, "Slack call deferred");
      await this.store.outbox.retryLater(item.id, delay, error.code);
      return;
    }
    await this.giveUp(item, error.code);
  }

  private async giveUp(item: OutboxItem, code: string): Promise<void> {
    this.logger.error({ method: item.method, channel: item.channel, code, attempts: item.attempts }, "Slack call failed permanently");
    await this.store.outbox.markFailed(item.id, code);
  }
}
