import type { Logger } from "../../log.ts";
import { backoffMs } from "../../domain/backoff.ts";

export interface Delivery {
  id: number;
  kind: "alertmanager" | "github";
  url: string;
  body: string;
  headers: Record<string, string>;
  attempts: number;
  lastError?: string;
  deliveredAt?: number;
}

/**
 * Webhook deliveries in order, one target at a time, retried with back-off until they succeed:
 * a delivery is never dropped (a 4xx is retried too, slower, and logged).
 */
export class DeliveryQueue {
  private readonly queue: Delivery[] = [];
  readonly delivered: Delivery[] = [];
  private nextId = 1;
  private running = false;
  private stopped = false;
  private waiters: Array<() => void> = [];
  private readonly logger: Logger;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(options: { logger: Logger; minBackoffMs?: number; maxBackoffMs?: number }) {
    this.logger = options.logger;
    this.minBackoffMs = options.minBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /** Queues a POST; `body` is sent as is when a string (signed bodies), else as JSON. */
  enqueue(kind: Delivery["kind"], url: string, body: unknown, headers: Record<string, string> = {}): Delivery {
    const d: Delivery = { id: this.nextId++, kind, url, body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json", ...headers }, attempts: 0 };
    this.queue.push(d);
    if (!this.stopped) void this.run();
    return d;
  }

  pending(): number {
    return this.queue.length;
  }

  /** What is queued and not yet delivered (kept across a restart of the sandbox). */
  waiting(): Array<Pick<Delivery, "kind" | "url" | "body" | "headers">> {
    return this.queue.map(({ kind, url, body, headers }) => ({ kind, url, body, headers }));
  }

  /** Resolves once everything queued so far has been delivered. */
  idle(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
  }

  resume(): void {
    this.stopped = false;
    void this.run();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.stopped && this.queue.length > 0) {
        const d = this.queue[0]!;
        d.attempts += 1;
        let ok = false;
        try {
          const res = await fetch(d.url, { method: "POST", headers: d.headers, body: d.body, signal: AbortSignal.timeout(10_000) });
          await res.arrayBuffer().catch(() => undefined);
          ok = res.ok;
          if (!ok) d.lastError = `HTTP ${res.status}`;
        } catch (e) {
          d.lastError = (e as Error).message;
        }
        if (ok) {
          this.queue.shift();
          d.deliveredAt = Date.now();
          this.delivered.push(d);
          if (this.delivered.length > 500) this.delivered.shift();
          if (this.queue.length === 0) this.release();
          continue;
        }
        const backoff = backoffMs(Math.min(d.attempts - 1, 10), { baseMs: this.minBackoffMs, maxMs: this.maxBackoffMs });
        this.logger.warn({ url: d.url, kind: d.kind, attempt: d.attempts, error: d.lastError, retryInMs: backoff }, "webhook delivery failed; will retry");
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, backoff);
        });
        this.wake = undefined;
      }
    } finally {
      this.running = false;
    }
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
