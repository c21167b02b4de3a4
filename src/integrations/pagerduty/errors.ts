import { parseRetryAfter } from "../jira/errors.ts";

/** A failed PagerDuty REST or Events API call: HTTP status (0 for network errors), PagerDuty's code and messages. */
export class PagerDutyApiError extends Error {
  readonly status: number;
  readonly code?: number;
  readonly errors: string[];
  readonly retryAfterMs?: number;
  constructor(status: number, message: string, details: { code?: number; errors?: string[]; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    this.name = "PagerDutyApiError";
    this.status = status;
    this.code = details.code;
    this.errors = details.errors ?? [];
    this.retryAfterMs = details.retryAfterMs;
  }

  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** Builds the error from a response body: REST `{error: {message, code, errors}}` or Events `{status, message, errors}`. */
export function pagerDutyError(status: number, body: unknown, retryAfter: string | null | undefined, what: string): PagerDutyApiError {
  const b = (body ?? {}) as { error?: { message?: string; code?: number; errors?: string[] }; message?: string; errors?: string[] };
  const message = b.error?.message ?? b.message ?? `HTTP ${status}`;
  const errors = b.error?.errors ?? b.errors ?? [];
  return new PagerDutyApiError(status, `PagerDuty ${what} failed (${status}): ${[message, ...errors].join("; ")}`, { code: b.error?.code, errors, retryAfterMs: parseRetryAfter(retryAfter ?? undefined) });
}
