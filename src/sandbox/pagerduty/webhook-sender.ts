import type { Logger } from "../../log.ts";

/**
 * Delivers a sandbox's outbound webhooks one after another, in order, with retries on network
 * errors, timeouts, 429 and 5xx (other 4xx drop the webhook, as PagerDuty and Jira do). A failing
 * receiver holds back the ones behind it, which keeps per-resource ordering.
 * Used by the Jira and PagerDuty sandboxes.
 */

export interface WebhookDelivery {
  id: string;
  url: string;
  event: string;
  body: string;
  attempts: number;
  status: "pending" | "delivered" | "failed" | "dropped";
  lastStatus?: number;
  lastError?: string;
  deliveredAt?: string;
}

export interface WebhookSenderOptions {
  /** Delay before each retry; its length is the number of retries (default 4, PagerDuty's). */
  retryDelaysMs?: number[];
  timeoutMs?: number;
  logger: Logger;
  /** How many past deliveries to keep for inspection. */
  keep?: number;
}

export interface OutgoingWebhook {
  id: string;
  url: string;
  event: string;
  body: string;
  /** Headers for an attempt (1-based), so a sender can add retry counters. */
  headers(attempt: number): Record<string, string>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class WebhookSender {
  private chain: Promise<void> = Promise.resolve();
  private readonly log: WebhookDelivery[] = [];
  private readonly retryDelays: number[];
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly keep: number;
  private stopped = false;

  constructor(options: WebhookSenderOptions) {
    this.retryDelays = options.retryDelaysMs ?? [1_000, 5_000, 15_000, 60_000];
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.logger = options.logger;
    this.keep = options.keep ?? 500;
  }

  send(hook: OutgoingWebhook): WebhookDelivery {
    const delivery: WebhookDelivery = { id: hook.id, url: hook.url, event: hook.event, body: hook.body, attempts: 0, status: "pending" };
    this.log.push(delivery);
    if (this.log.length > this.keep) this.log.splice(0, this.log.length - this.keep);
    this.chain = this.chain.then(() => this.deliver(hook, delivery));
    return delivery;
  }

  /** Resolves when every queued webhook has been delivered, failed or dropped. */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.chain;
      await current;
    } while (current !== this.chain);
  }

  deliveries(): WebhookDelivery[] {
    return [...this.log];
  }

  stop(): void {
    this.stopped = true;
  }

  private async deliver(hook: OutgoingWebhook, d: WebhookDelivery): Promise<void> {
    for (let attempt = 1; attempt <= this.retryDelays.length + 1; attempt++) {
      if (this.stopped) {
        d.status = "failed";
        d.lastError = "sandbox stopped";
        return;
      }
      d.attempts = attempt;
      let retryable = true;
      try {
        const res = await fetch(hook.url, { method: "POST", headers: hook.headers(attempt), body: hook.body, signal: AbortSignal.timeout(this.timeoutMs) });
        await res.arrayBuffer().catch(() => undefined);
        d.lastStatus = res.status;
        if (res.ok) {
          d.status = "delivered";
          d.deliveredAt = new Date().toISOString();
          return;
        }
        retryable = res.status === 429 || res.status >= 500;
        d.lastError = `HTTP ${res.status}`;
      } catch (e) {
        d.lastError = e instanceof Error ? e.message : String(e);
      }
      if (!retryable) {
        d.status = "dropped";
        this.logger.warn({ webhook: hook.event, id: hook.id, status: d.lastStatus }, "webhook rejected by receiver; dropped");
        return;
      }
      const delay = this.retryDelays[attempt - 1];
      if (delay === undefined) break;
      this.logger.debug({ webhook: hook.event, id: hook.id, attempt, error: d.lastError }, "webhook delivery failed; will retry");
      await sleep(delay);
    }
    d.status = "failed";
    this.logger.warn({ webhook: hook.event, id: hook.id, attempts: d.attempts, error: d.lastError }, "webhook delivery failed after retries");
  }
}
