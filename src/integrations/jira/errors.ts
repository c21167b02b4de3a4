import { AppError } from "../../errors.ts";

/**
 * A failed Jira REST call with what retrying needs: the HTTP status (0 for network errors), the
 * Retry-After delay, and Jira's `errorMessages` / `errors` (field → message).
 */
export class JiraApiError extends Error {
  readonly status: number;
  readonly retryAfterMs?: number;
  readonly errorMessages: string[];
  readonly errors: Record<string, string>;
  constructor(status: number, message: string, details: { retryAfterMs?: number; errorMessages?: string[]; errors?: Record<string, string>; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    this.name = "JiraApiError";
    this.status = status;
    this.retryAfterMs = details.retryAfterMs;
    this.errorMessages = details.errorMessages ?? [];
    this.errors = details.errors ?? {};
  }

  /** 429, 5xx and network errors are worth retrying; other 4xx are not. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** Retry-After in seconds or as an HTTP date → milliseconds. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** What the transport rejects with; jira-client wraps it as `new Error(JSON.stringify(it))`. */
export interface TransportFailure {
  statusCode: number;
  retryAfter?: string;
  body?: unknown;
  networkError?: string;
}

function describe(status: number, messages: string[], errors: Record<string, string>): string {
  const parts = [...messages, ...Object.entries(errors).map(([f, m]) => `${f}: ${m}`)];
  return `Jira answered ${status || "no response"}${parts.length ? `: ${parts.join("; ")}` : ""}`;
}

/** Turns whatever jira-client threw into a JiraApiError. */
export function toJiraApiError(e: unknown): JiraApiError {
  if (e instanceof JiraApiError) return e;
  const message = e instanceof Error ? e.message : String(e);
  let failure: TransportFailure | undefined;
  try {
    const parsed = JSON.parse(message) as unknown;
    if (parsed && typeof parsed === "object" && "statusCode" in parsed) failure = parsed as TransportFailure;
  } catch {
    // Not our transport's JSON: an error raised before or after the request.
  }
  if (!failure) return new JiraApiError(0, message, { cause: e });
  if (failure.networkError) return new JiraApiError(0, `Jira unreachable: ${failure.networkError}`, { cause: e });
  const body = (failure.body ?? {}) as { errorMessages?: unknown; errors?: unknown };
  const errorMessages = Array.isArray(body.errorMessages) ? body.errorMessages.map(String) : typeof failure.body === "string" && failure.body ? [failure.body.slice(0, 300)] : [];
  const errors = body.errors && typeof body.errors === "object" ? Object.fromEntries(Object.entries(body.errors as Record<string, unknown>).map(([k, v]) => [k, String(v)])) : {};
  return new JiraApiError(failure.statusCode, describe(failure.statusCode, errorMessages, errors), { retryAfterMs: parseRetryAfter(failure.retryAfter), errorMessages, errors, cause: e });
}

/** A user-facing error for a Jira failure the user can act on (configuration, missing fields). */
export function jiraUserError(e: JiraApiError, action: string): AppError {
  if (e.status === 401 || e.status === 403) return new AppError("jira_auth", `Jira refused aisre's credentials while trying to ${action}. Check JIRA_EMAIL and JIRA_API_TOKEN.`, { status: 502, cause: e });
  if (e.status === 0) return new AppError("jira_unreachable", `Jira could not be reached while trying to ${action}.`, { status: 502, cause: e });
  return new AppError("jira_rejected", `Jira rejected the request to ${action}: ${e.message.replace(/^Jira answered \d+: /, "")}`, { status: 502, cause: e });
}
