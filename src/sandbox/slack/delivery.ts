import type { Logger } from "../../log.ts";
import type { BotActivity } from "./activity.ts";
import { signedHeaders } from "./signing.ts";
import type { Json } from "./types.ts";

export type FailureReason = "http_timeout" | "http_error" | "connection_failed" | "too_many_redirects" | "unknown_error";

export interface DeliveryResult {
  ok: boolean;
  status?: number;
  body: string;
  contentType: string;
  reason?: FailureReason;
  /** The app answered `X-Slack-No-Retry: 1`. */
  noRetry: boolean;
  ms: number;
}

export interface DeliveryRecord {
  kind: "event" | "command" | "interaction" | "url_verification";
  id: string;
  attempt: number;
  retryReason?: string;
  ok: boolean;
  status?: number;
  reason?: FailureReason;
  ms: number;
  at: number;
}

/** Another way to the app than its request URL (Socket Mode): the same request, the same kind of result. */
export interface AppTransport {
  deliver(contentType: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<DeliveryResult>;
}

/** Slack retries a failed event right away, after a minute and after five minutes. */
export const EVENT_RETRY_DELAYS_MS = [0, 60_000, 300_000] as const;
/** An app must answer within 3 seconds. */
export const ACK_TIMEOUT_MS = 3000;

/**
 * Signed HTTP delivery to the bot's request URL, as Slack does it: Events API JSON, and
 * form-encoded slash commands and interactivity payloads, each with `X-Slack-Signature` and
 * `X-Slack-Request-Timestamp`. A slower answer than 3 s is a failure. Failed events are retried up
 * to 3 times with `x-slack-retry-num` / `x-slack-retry-reason`, at Slack's intervals divided by the
 * time factor.
 */
export class Delivery {
  readonly log: DeliveryRecord[] = [];
  private readonly url: string;
  private readonly secret: string;
  private readonly timeFactor: number;
  private readonly logger?: Logger;
  private readonly activity?: BotActivity;
  private readonly ackTimeoutMs: number;
  /** Socket Mode: everything goes over the app's WebSocket connections instead of the request URL. */
  private readonly socket?: AppTransport;
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private readonly controllers = new Set<AbortController>();
  private closed = false;

  constructor(options: { url: string; signingSecret: string; timeFactor?: number; logger?: Logger; activity?: BotActivity; ackTimeoutMs?: number; socket?: AppTransport }) {
    this.socket = options.socket;
    this.url = options.url;
    this.secret = options.signingSecret;
    this.timeFactor = options.timeFactor && options.timeFactor > 0 ? options.timeFactor : 1;
    this.logger = options.logger;
    this.activity = options.activity;
    this.ackTimeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS;
  }

  /** One signed POST; never throws. */
  async post(contentType: string, body: string, extraHeaders: Record<string, string> = {}): Promise<DeliveryResult> {
    const started = Date.now();
    if (this.closed) return { ok: false, body: "", contentType: "", reason: "connection_failed", noRetry: true, ms: 0 };
    if (this.socket) {
      const end = this.activity?.begin();
      try {
        return await this.socket.deliver(contentType, body, extraHeaders, this.ackTimeoutMs);
      } finally {
        end?.();
      }
    }
    const controller = new AbortController();
    this.controllers.add(controller);
    const end = this.activity?.begin();
    const timer = setTimeout(() => controller.abort(new Error("http_timeout")), this.ackTimeoutMs);
    try {
      const res = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": contentType, "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)", ...signedHeaders(this.secret, body), ...extraHeaders },
        body,
        signal: controller.signal,
      });
      const text = await res.text();
      const ms = Date.now() - started;
      const noRetry = res.headers.get("x-slack-no-retry") === "1";
      if (ms > this.ackTimeoutMs) return { ok: false, status: res.status, body: text, contentType: res.headers.get("content-type") ?? "", reason: "http_timeout", noRetry, ms };
      const ok = res.status >= 200 && res.status < 300;
      return { ok, status: res.status, body: text, contentType: res.headers.get("content-type") ?? "", reason: ok ? undefined : "http_error", noRetry, ms };
    } catch (e) {
      const ms = Date.now() - started;
      const timedOut = controller.signal.aborted;
      return { ok: false, body: "", contentType: "", reason: timedOut ? "http_timeout" : "connection_failed", noRetry: false, ms };
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
      end?.();
    }
  }

  private record(r: Omit<DeliveryRecord, "at">): void {
    this.log.push({ ...r, at: Date.now() });
    if (this.log.length > 500) this.log.splice(0, this.log.length - 500);
  }

  /** Delivers an `event_callback` envelope, retrying as Slack does. Resolves when done (success or given up). */
  async event(envelope: Json): Promise<boolean> {
    const body = JSON.stringify(envelope);
    const id = String(envelope.event_id ?? "");
    let reason: FailureReason | undefined;
    for (let attempt = 0; attempt <= EVENT_RETRY_DELAYS_MS.length; attempt++) {
      if (this.closed) return false;
      const delay = EVENT_RETRY_DELAYS_MS[attempt - 1];
      if (delay !== undefined) await this.sleep(delay / this.timeFactor);
      if (this.closed) return false;
      const headers: Record<string, string> = attempt > 0 ? { "x-slack-retry-num": String(attempt), "x-slack-retry-reason": reason ?? "unknown_error" } : {};
      const r = await this.post("application/json", body, headers);
      this.record({ kind: "event", id, attempt, retryReason: headers["x-slack-retry-reason"], ok: r.ok, status: r.status, reason: r.reason, ms: r.ms });
      if (r.ok) return true;
      reason = r.reason;
      this.logger?.warn({ eventId: id, attempt, reason: r.reason, status: r.status }, "event delivery failed");
      if (r.noRetry) return false;
    }
    return false;
  }

  /** A form-encoded request (slash command, or interactivity with a `payload` field); no retries. */
  async form(kind: "command" | "interaction", fields: Record<string, string>, id: string): Promise<DeliveryResult> {
    const body = new URLSearchParams(fields).toString();
    const r = await this.post("application/x-www-form-urlencoded", body);
    this.record({ kind, id, attempt: 0, ok: r.ok, status: r.status, reason: r.reason, ms: r.ms });
    if (!r.ok) this.logger?.warn({ kind, id, reason: r.reason, status: r.status }, "delivery to the app failed");
    return r;
  }

  /** Slack's check of a new request URL: the app must echo the challenge. */
  async verifyUrl(verificationToken: string): Promise<boolean> {
    const challenge = `sandbox-${Math.random().toString(36).slice(2)}`;
    const r = await this.post("application/json", JSON.stringify({ token: verificationToken, challenge, type: "url_verification" }));
    this.record({ kind: "url_verification", id: challenge, attempt: 0, ok: r.ok, status: r.status, reason: r.reason, ms: r.ms });
    if (!r.ok) return false;
    try {
      return (JSON.parse(r.body) as { challenge?: string }).challenge === challenge;
    } catch {
      return r.body.trim() === challenge;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.set(t, resolve);
    });
  }

  close(): void {
    this.closed = true;
    for (const [t, resolve] of this.timers) {
      clearTimeout(t);
      resolve();
    }
    this.timers.clear();
    for (const c of this.controllers) c.abort(new Error("closed"));
  }
}
