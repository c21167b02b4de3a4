/** A Slack Web API failure: `{"ok": false, "error": code, ...extra}` with HTTP 200 unless told otherwise. */
export class SlackApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;
  constructor(code: string, options: { status?: number; headers?: Record<string, string>; extra?: Record<string, unknown>; messages?: string[] } = {}) {
    super(code);
    this.name = "SlackApiError";
    this.code = code;
    this.status = options.status ?? 200;
    this.headers = options.headers ?? {};
    this.extra = { ...(options.extra ?? {}) };
    if (options.messages?.length) this.extra.response_metadata = { messages: options.messages };
  }
}
