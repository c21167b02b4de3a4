import type { Clock } from "../domain/clock.ts";
import type { SymptomReading, Verifier } from "./ports.ts";
import type { SymptomCheck, VerificationSettings } from "./types.ts";

export interface VerificationOutcome {
  recovered: boolean;
  /** The last readings, for the card and the audit. */
  readings: SymptomReading[];
  elapsedSeconds: number;
  summary: string;
}

export const readingsText = (rs: SymptomReading[]): string => rs.map((r) => r.summary).join("; ") || "no readings";

/**
 * Recovered: no symptom reads unhealthy and at least one reads healthy. A check without data
 * (a worker has no HTTP metrics) does not block; all checks without data is not recovered.
 */
export const allHealthy = (rs: SymptomReading[]): boolean => rs.some((r) => r.healthy === true) && rs.every((r) => r.healthy !== false);

/** Where a watch stands: when its window opened (system time, ms) and the healthy readings in a row so far. */
export interface WatchProgress {
  startedAt: number;
  streak: number;
}

/**
 * Watches the symptoms after a change: recovered when they read healthy `consecutive` times in a
 * row within the window (a streak started by the deadline may finish after it); otherwise not
 * recovered, with the last readings as the reason. A watch
 * taken over from a replica that died continues from `resume` (its window is not opened again);
 * `onReading` hears each reading with the progress to keep, so the next taker can do the same.
 */
export async function verifyRecovery(verifier: Verifier, symptoms: SymptomCheck[], s: VerificationSettings, clock: Clock, o: { resume?: WatchProgress; onReading?: (rs: SymptomReading[], progress: WatchProgress) => void | Promise<void> } = {}): Promise<VerificationOutcome> {
  const start = o.resume?.startedAt ?? clock.now();
  const deadline = start + s.windowSeconds * 1000;
  let streak = o.resume?.streak ?? 0;
  let last: SymptomReading[] = [];
  while (true) {
    const left = deadline - clock.now();
    await clock.sleep(left > 0 ? Math.min(s.intervalSeconds * 1000, left) : s.intervalSeconds * 1000);
    try {
      last = await verifier.read(symptoms);
    } catch (e) {
      last = symptoms.map((check) => ({ check, healthy: undefined, summary: `${check.service} ${check.check}: reading failed (${e instanceof Error ? e.message : String(e)})` }));
    }
    streak = allHealthy(last) ? streak + 1 : 0;
    await o.onReading?.(last, { startedAt: start, streak });
    const elapsedSeconds = Math.round((clock.now() - start) / 1000);
    if (streak >= s.consecutive) return { recovered: true, readings: last, elapsedSeconds, summary: readingsText(last) };
    // At the deadline, a recovery under way (healthy readings, not yet enough in a row) gets the
    // readings it still needs; calling it "did not recover" would contradict the healthy readings it shows.
    if (clock.now() >= deadline && (streak === 0 || clock.now() >= deadline + s.consecutive * s.intervalSeconds * 1000)) return { recovered: false, readings: last, elapsedSeconds, summary: readingsText(last) };
  }
}
