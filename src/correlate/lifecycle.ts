import type { Severity } from "../domain/alert.ts";

/** When incidents resolve, reopen and when alerts count as flapping: pure rules with their options. */
export interface LifecycleOptions {
  /** All alerts resolved for this long → the incident resolves. */
  quietPeriodMs: number;
  /** A related alert firing within this long after resolution reopens the incident. */
  reopenWindowMs: number;
  /**
   * The same alert (its name, on the same service) firing again within this long after its incident
   * resolved reopens it: the fix did not hold (a leak back 35 min after a restart).
   */
  recurrenceWindowMs: number;
  /** More flips than this within flapWindowMs → the alert is flapping and its flips stay quiet. */
  flapThreshold: number;
  flapWindowMs: number;
  /**
   * Hysteresis: a flapping alert must stay resolved this long (not just the quiet period) before its
   * incident resolves, so its short lulls neither resolve the incident nor reopen it.
   */
  flapQuietMs: number;
}

export const DEFAULT_LIFECYCLE: LifecycleOptions = { quietPeriodMs: 5 * 60_000, reopenWindowMs: 30 * 60_000, recurrenceWindowMs: 60 * 60_000, flapThreshold: 2, flapWindowMs: 30 * 60_000, flapQuietMs: 20 * 60_000 };

/** Scales every duration for the sandbox's time factor (SIM_SPEED=60: a minute per second). */
export function scaleDurations<T extends Record<string, number>>(o: T, speed: number, keys: Array<keyof T>): T {
  const out = { ...o };
  for (const k of keys) (out[k] as number) = Math.max(1, Math.round(Number(o[k]) / speed));
  return out;
}

export function shouldResolve(firing: number, lastResolvedAtMs: number | undefined, nowMs: number, o: LifecycleOptions): boolean {
  return firing === 0 && lastResolvedAtMs !== undefined && nowMs - lastResolvedAtMs >= o.quietPeriodMs;
}

/**
 * Whether every alert of an incident has been quiet long enough: the quiet period for steady alerts,
 * the longer flap quiet period for flapping ones (hysteresis, in the system clock).
 */
export function quietEnough(alerts: ReadonlyArray<{ firing: boolean; endedAtMs?: number; flapping: boolean }>, nowMs: number, o: LifecycleOptions): boolean {
  if (alerts.length === 0) return false;
  return alerts.every((a) => !a.firing && a.endedAtMs !== undefined && nowMs - a.endedAtMs >= (a.flapping ? Math.max(o.flapQuietMs, o.quietPeriodMs) : o.quietPeriodMs));
}

/**
 * The lifecycle an incident resolves by: the quiet period, or — once it has come back after
 * resolving (reopened), or a fix ran without the symptoms recovering (unverified or failed) — the
 * whole reopen window. A fault that returns within the window (a leak a restart only held off, a pod
 * that OOMs every half hour) would reopen it again: resolving after five quiet minutes only makes a
 * resolve/reopen loop in the thread, or a new incident for the same fault. The memory-leak walk
 * resolved a minute after a restart that did not help had paged the second level.
 */
export function resolvingLifecycle(unsettled: boolean, o: LifecycleOptions): LifecycleOptions {
  return unsettled ? { ...o, quietPeriodMs: Math.max(o.quietPeriodMs, o.reopenWindowMs) } : o;
}

/** How often the incident came back after resolving (status entries resolved → open), and when it last did. */
export function reopensOf(entries: ReadonlyArray<{ at: string; data: Record<string, unknown> }>): { count: number; lastMs?: number } {
  const times = entries.filter((e) => e.data.from === "resolved" && e.data.to === "open").map((e) => Date.parse(e.at));
  return times.length ? { count: times.length, lastMs: Math.max(...times) } : { count: 0 };
}

/**
 * After a recovery remediation observed (its verification watched the symptoms recover, or its
 * pre-check found them already healthy), the signals that lag or lie no longer hold the incident open: a detector's anomaly (its episode closes only after a long normal
 * stretch) and a flapping alert (flap damping: its next fire would not reopen the incident either).
 * The other alerts must still be resolved for the quiet period, and the recovery seen that long ago.
 */
export function quietAfterFix(alerts: ReadonlyArray<{ firing: boolean; endedAtMs?: number; flapping: boolean; anomaly: boolean }>, recoveredAtMs: number, nowMs: number, o: LifecycleOptions): boolean {
  if (nowMs - recoveredAtMs < o.quietPeriodMs) return false;
  // An incident of anomalies alone (a leak seen early, before any alert) has no alert whose end says
  // the symptoms are over: it waits for its anomalies.
  if (!alerts.some((a) => !a.anomaly)) return false;
  return alerts.filter((a) => !a.anomaly && !a.flapping).every((a) => !a.firing && a.endedAtMs !== undefined && nowMs - a.endedAtMs >= o.quietPeriodMs);
}

const severityRank = (s: Severity): number => Number(s.slice(3)) || 9;

/**
 * Severity follows the firing alerts down: the highest severity still firing, once every alert above
 * it has been resolved for the quiet period (a flapping one for the flap quiet period, so its lulls
 * do not lower the incident). Undefined when nothing falls: nothing above is still settling, nothing
 * fires at all (that is resolution, not a fall), or the firing alerts are as severe as the incident.
 */
export function fallenSeverity(alerts: ReadonlyArray<{ severity: Severity; firing: boolean; endedAtMs?: number; flapping: boolean }>, current: Severity, nowMs: number, o: LifecycleOptions): Severity | undefined {
  const firing = alerts.filter((a) => a.firing);
  if (firing.length === 0) return undefined;
  const top = firing.map((a) => a.severity).sort((a, b) => severityRank(a) - severityRank(b))[0];
  if (!top || severityRank(top) <= severityRank(current)) return undefined;
  const above = alerts.filter((a) => severityRank(a.severity) < severityRank(top));
  const settled = above.every((a) => a.endedAtMs !== undefined && nowMs - a.endedAtMs >= (a.flapping ? Math.max(o.flapQuietMs, o.quietPeriodMs) : o.quietPeriodMs));
  return settled ? top : undefined;
}

/** Whether a flip history (times of the recent flips) makes the alert flapping now. */
export function isFlapping(flips: readonly number[], nowMs: number, o: LifecycleOptions): boolean {
  return flips.filter((t) => nowMs - t <= o.flapWindowMs).length > o.flapThreshold;
}

export type ReopenDecision = { reopen: true; why: string } | { reopen: false; why: string };

/**
 * Incident identity: whether an alert firing again may reopen the resolved incident it belonged to.
 * Only its own alerts reopen it (the same fingerprint, or an alert on a service that alerted in it),
 * only within the reopen window, never a flapping alert, never a detector's anomaly (a weak signal),
 * and not when an open incident already explains it (a new fault elsewhere that reaches this service).
 */
export function reopenDecision(i: { resolvedAtMs: number; nowMs: number; sameFingerprint: boolean; ownService: boolean; flapping: boolean; anomaly: boolean; openIncidentExplainsIt: boolean; recurrence?: boolean }, o: LifecycleOptions): ReopenDecision {
  // The same alert back (`recurrence`) reopens it for longer: its fix did not hold.
  const window = i.recurrence ? Math.max(o.recurrenceWindowMs, o.reopenWindowMs) : o.reopenWindowMs;
  if (i.nowMs - i.resolvedAtMs > window) return { reopen: false, why: `resolved more than ${Math.round(window / 60_000)} min ago` };
  if (i.flapping) return { reopen: false, why: "the alert is flapping" };
  if (i.anomaly) return { reopen: false, why: "an anomaly alone does not reopen a resolved incident" };
  if (i.openIncidentExplainsIt) return { reopen: false, why: "an open incident nearby explains it" };
  if (!i.sameFingerprint && !i.ownService) return { reopen: false, why: "not one of its alerts or services" };
  if (i.recurrence) return { reopen: true, why: `came back ${Math.round((i.nowMs - i.resolvedAtMs) / 60_000)} min after it was resolved` };
  return { reopen: true, why: i.sameFingerprint ? "fired again" : "fired on one of its services" };
}

export function canReopen(resolvedAtMs: number, nowMs: number, o: LifecycleOptions): boolean {
  return nowMs - resolvedAtMs <= o.reopenWindowMs;
}

/** Keeps the recent flip times of an alert; says whether it is flapping now. */
export function recordFlip(flips: number[], nowMs: number, o: LifecycleOptions): { flips: number[]; flapping: boolean } {
  const recent = [...flips.filter((t) => nowMs - t <= o.flapWindowMs), nowMs];
  return { flips: recent, flapping: recent.length > o.flapThreshold };
}
