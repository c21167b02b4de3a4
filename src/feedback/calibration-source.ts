import type { FeedbackCalibration } from "../diagnose/feedback-calibration.ts";
import type { Store } from "../store/store.ts";
import { feedbackReport } from "./report.ts";

/**
 * The calibration the diagnosis uses, learnt from every grade in the store, kept for `ttlMs` of
 * wall time (a process cache, not the system's time) and dropped at once when someone grades.
 */
export function feedbackCalibrationSource(store: Store, ttlMs = 60_000): { get(): Promise<FeedbackCalibration>; invalidate(): void } {
  let cached: { at: number; value: Promise<FeedbackCalibration> } | undefined;
  return {
    get() {
      if (cached && Date.now() - cached.at < ttlMs) return cached.value;
      const value = Promise.all([store.feedback.grades(), store.feedback.ratings()]).then(([g, r]) => feedbackReport(g, r).calibration.feedback);
      cached = { at: Date.now(), value };
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
      return value;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
