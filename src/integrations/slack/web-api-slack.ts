import { ErrorCode, LogLevel, WebClient, type WebAPICallResult } from "@slack/web-api";
import type { SlackCallResult, SlackPort } from "./slack-port.ts";
import { withoutTeamKey } from "./workspace-ref.ts";

/**
 * The real Slack adapter. Rate-limited calls are returned, not retried here: the durable outbox
 * decides when to try again, so a restart in the middle of a backoff loses nothing.
 */
export class WebApiSlack implements SlackPort {
  readonly client: WebClient;
  constructor(options: { token: string; slackApiUrl?: string; timeoutMs?: number }) {
    this.client = new WebClient(options.token, {
      slackApiUrl: options.slackApiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      // A call Slack never answers is a failure after this long (never a stuck outbox).
      timeout: options.timeoutMs ?? 10_000,
      // Failures are returned to the outbox, which logs them with context.
      logLevel: LogLevel.ERROR,
    });
  }

  async call(method: string, payload: Record<string, unknown>): Promise<SlackCallResult> {
    try {
      const data: WebAPICallResult = await this.client.apiCall(method, withoutTeamKey(payload));
      return { ok: true, data: data as unknown as Record<string, unknown> };
    } catch (e) {
      const err = e as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number };
      if (err.code === ErrorCode.RateLimitedError) return { ok: false, error: { code: "ratelimited", retryAfterMs: (err.retryAfter ?? 1) * 1000, transient: true } };
      if (err.code === ErrorCode.PlatformError) return { ok: false, error: { code: err.data?.error ?? "unknown_error", transient: err.data?.error === "internal_error" || err.data?.error === "fatal_error" } };
      if (err.code === ErrorCode.HTTPError) return { ok: false, error: { code: `http_${err.statusCode ?? "error"}`, transient: (err.statusCode ?? 500) >= 500 } };
      return { ok: false, error: { code: "request_error", transient: true } };
    }
  }
}
