/** When incidents resolve, reopen and when alerts count as flapping: pure rules with their options. */
export interface LifecycleOptions {
  /** All alerts resolved for this long → the incident resolves. */
  quietPeriodMs: number;
  /** A related alert firing within this long after resolution reopens the incident. */
  reopenWindowMs: number;
  /** More flips than this within flapWindowMs → the alert is flapping and its flips stay quiet. */
  flapThreshold: number;
  flapWindowMs: number;
}

export const DEFAULT_LIFECYCLE: LifecycleOptions = { quietPeriodMs: 5 * 60_000, reopenWindowMs: 30 * 60_000, flapThreshold: 3, flapWindowMs: 30 * 60_000 };

/** Scales every duration for the sandbox's time factor (SIM_SPEED=60: a minute per second). */
export function scaleDurations<T extends Record<string, number>>(o: T, speed: number, keys: Array<keyof T>): T {
  const out = { ...o };
  for (const k of keys) (out[k] as number) = Math.max(1, Math.round(o[k] / speed));
  return out;
}

export function shouldResolve(firing: number, lastResolvedAtMs: number | undefined, nowMs: number, o: LifecycleOptions): boolean {
  return firing === 0 && lastResolvedAtMs !== undefined && nowMs - lastResolvedAtMs >= o.quietPeriodMs;
}

export function canReopen(resolvedAtMs: number, nowMs: number, o: LifecycleOptions): boolean {
  return nowMs - resolvedAtMs <= o.reopenWindowMs;
}

/** Keeps the recent flip times of an alert; says whether it is flapping now. */
export function recordFlip(flips: number[], nowMs: number, o: LifecycleOptions): { flips: number[]; flapping: boolean } {
  const recent = [...flips.filter((t) => nowMs - t <= o.flapWindowMs), nowMs];
  return { flips: recent, flapping: recent.length > o.flapThreshold };
}
