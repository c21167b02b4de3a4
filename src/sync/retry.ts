import { JiraApiError } from "../integrations/jira/errors.ts";
import { PagerDutyApiError } from "../integrations/pagerduty/errors.ts";
import { backoffMs } from "../domain/backoff.ts";

/**
 * Retries one call (creating a ticket, paging) on 429, 5xx and network errors, waiting Retry-After
 * when the vendor sends it, else a jittered exponential backoff. Other errors (a mapping problem, a
 * 400) are thrown at once: retrying cannot fix them.
 */

export interface RetryOptions {
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (attempt: number, waitMs: number, error: unknown) => void;
}

export function isRetryable(e: unknown): boolean {
  return (e instanceof JiraApiError || e instanceof PagerDutyApiError) && e.retryable;
}

export function retryAfterMs(e: unknown): number | undefined {
  return e instanceof JiraApiError || e instanceof PagerDutyApiError ? e.retryAfterMs : undefined;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());

export async function withRetry<T>(fn: () => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const attempts = o.attempts ?? 5;
  const base = o.baseMs ?? 500;
  const max = o.maxMs ?? 30_000;
  const sleep = o.sleep ?? defaultSleep;
  const random = o.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isRetryable(e) || attempt >= attempts) throw e;
      const wait = retryAfterMs(e) ?? backoffMs(attempt - 1, { baseMs: base, maxMs: max, random: random() });
      o.onRetry?.(attempt, wait, e);
      await sleep(wait);
    }
  }
}
