import type { Logger } from "../log.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import type { OutboxItem } from "../store/repos/outbox.ts";
import type { Store } from "../store/store.ts";
import { ChannelDirectory } from "../integrations/slack/channel-directory.ts";
import type { SlackCallError, SlackPort } from "../integrations/slack/slack-port.ts";

/** `thread_ts` / `ts` placeholder for an incident's root message, filled in when the call is made. */
export const rootRef = (incidentId: string) => `$root:${incidentId}`;

export interface OutboxMeta {
  /** Record the posted message as the incident's message for this purpose. */
  record?: { incidentId: string; purpose: string };
}

const OUTBOX_LEADER_LOCK = 7_301_003;

/**
 * Makes the queued Slack calls: one channel at a time in order, about one call per second per
 * channel, 429 → wait Retry-After, 5xx/network → back off; nothing is dropped on a restart because
 * the queue is a table. One replica sends at a time (advisory lock).
 */
export class OutboxSender {
  private readonly store: Store;
  private readonly slack: SlackPort;
  private readonly logger: Logger;
  private readonly metrics?: AppMetrics;
  private readonly channels: ChannelDirectory;
  private readonly minIntervalMs: number;
  private readonly nextAllowed = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private running = false;
  private release?: () => Promise<void>;
  private wake?: () => void;
  private idleWaiters: Array<() => void> = [];

  constructor(options: { store: Store; slack: SlackPort; logger: Logger; metrics?: AppMetrics; minIntervalMs?: number }) {
    this.store = options.store;
    this.slack = options.slack;
    this.logger = options.logger.child({ component: "outbox" });
    this.metrics = options.metrics;
    this.channels = new ChannelDirectory(options.slack);
    this.minIntervalMs = options.minIntervalMs ?? 1050;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  /** Nudges the sender after an enqueue so it does not wait for its next poll. */
  poke(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.poke();
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
          this.release = (await this.store.db.tryAdvisoryLock(OUTBOX_LEADER_LOCK)) ?? undefined;
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

  /** Sends what is due now; returns how long to wait before looking again. */
  async sendDue(): Promise<number> {
    const due = await this.store.outbox.due(100);
    const now = Date.now();
    let wait = due.length === 0 ? 250 : this.minIntervalMs;
    await Promise.all(
      due.map(async (item) => {
        const allowedAt = this.nextAllowed.get(item.channel) ?? 0;
        if (allowedAt > now) {
          wait = Math.min(wait, allowedAt - now);
          return;
        }
        // Slack's ~1 message/s per channel applies to new posts; edits are paced by their method tier.
        if (item.method === "chat.postMessage") this.nextAllowed.set(item.channel, now + this.minIntervalMs);
        await this.send(item);
        wait = Math.min(wait, item.method === "chat.postMessage" ? this.minIntervalMs : 20);
      }),
    );
    return Math.max(20, wait);
  }

  private async send(item: OutboxItem): Promise<void> {
    const payload: Record<string, unknown> = { ...item.payload };
    const meta = (payload._meta ?? {}) as OutboxMeta;
    delete payload._meta;
    const channel = await this.channels.resolve(item.channel);
    if ("error" in channel) return this.failed(item, channel.error);
    payload.channel = channel.id;
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
    const result = await this.slack.call(item.method, payload);
    if (result.ok) {
      this.metrics?.slackCalls.inc({ method: item.method, outcome: "ok" });
      if (meta.record && typeof result.data.ts === "string") {
        await this.store.slackMessages.put({ incidentId: meta.record.incidentId, purpose: meta.record.purpose, channel: channel.id, ts: result.data.ts, threadTs: typeof payload.thread_ts === "string" ? payload.thread_ts : undefined });
      }
      await this.store.outbox.markSent(item.id, { ts: result.data.ts ?? null });
      return;
    }
    this.metrics?.slackCalls.inc({ method: item.method, outcome: result.error.code });
    await this.failed(item, result.error);
  }

  /** Transient failures wait (Retry-After, else exponential backoff); permanent ones are given up. */
  private async failed(item: OutboxItem, error: SlackCallError): Promise<void> {
    if (error.transient && item.attempts < 50) {
      const delay = error.retryAfterMs ?? Math.min(60_000, 500 * 2 ** Math.min(item.attempts, 7));
      this.nextAllowed.set(item.channel, Date.now() + delay);
      this.logger.warn({ method: item.method, channel: item.channel, code: error.code, delay }, "Slack call deferred");
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
