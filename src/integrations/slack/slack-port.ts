/**
 * The Slack Web API as the product's non-listener code uses it. The real adapter is a
 * `@slack/web-api` WebClient (pointed at the sandbox's /api/ when Slack is not configured).
 */
export interface SlackCallError {
  /** Slack's error code (`ratelimited`, `channel_not_found`…) or `http_<status>`. */
  code: string;
  retryAfterMs?: number;
  /** Worth trying again later (429, 5xx, network). */
  transient: boolean;
}

export type SlackCallResult = { ok: true; data: Record<string, unknown> } | { ok: false; error: SlackCallError };

export interface SlackPort {
  call(method: string, payload: Record<string, unknown>): Promise<SlackCallResult>;
}
