/**
 * The one exponential backoff: `baseMs · 2^attempt` (attempt counts from 0), capped at `maxMs`.
 * With `random` in [0, 1) the wait is jittered into [½, 1] of that, rounded to a millisecond, so
 * retries of many clients spread out.
 */
export function backoffMs(attempt: number, o: { baseMs: number; maxMs: number; random?: number }): number {
  const exp = Math.min(o.maxMs, o.baseMs * 2 ** attempt);
  return o.random === undefined ? exp : Math.round(exp * (0.5 + o.random / 2));
}
