import { CAL } from "./calibration.ts";
import { clamp } from "./stats.ts";

/**
 * The confidence calibration learning from responders' grades. The engine's mapping
 * (calibration.ts) was fitted on evaluation cases; in production the grades of resolved incidents
 * say how right the stated confidence was there. From the graded incidents (the leader's confidence
 * at resolve, and the outcome: right 1, partly ½, wrong 0, "no idea" left out — src/domain/grades.ts)
 * one logit shift is fitted that moves the mean stated confidence onto the mean outcome, shrunk
 * towards 0 by n / (n + PRIOR) (a few grades move it a little; dozens move it most of the way) and
 * bounded by ±MAX_SHIFT. The leader's confidence becomes σ(logit(p) + shift), capped at the
 * engine's ceiling; the other candidates share what is left in the same proportions as before.
 * A single shift rather than a refitted slope: grades arrive one incident at a time, and a slope
 * needs far more of them to be stable.
 */

/** Graded incidents that count as much as the evaluation-fitted mapping. */
export const PRIOR = 10;
/** The largest correction in logits (×4.5 in odds). */
export const MAX_SHIFT = 1.5;

export interface GradedConfidence {
  /** The leader's stated confidence at resolve, 0..1. */
  confidence: number;
  /** How right it was, 0..1. */
  outcome: number;
}

export interface FeedbackCalibration {
  /** Graded incidents it learnt from. */
  n: number;
  statedMean: number;
  observedMean: number;
  /** Added to the leader's logit. */
  shift: number;
}

const EPS = 0.02;
const logit = (p: number) => {
  const q = clamp(p, EPS, 1 - EPS);
  return Math.log(q / (1 - q));
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export const NO_CALIBRATION: FeedbackCalibration = { n: 0, statedMean: 0, observedMean: 0, shift: 0 };

export function fitFeedbackCalibration(graded: readonly GradedConfidence[]): FeedbackCalibration {
  const ok = graded.filter((g) => Number.isFinite(g.confidence) && Number.isFinite(g.outcome));
  const n = ok.length;
  if (n === 0) return NO_CALIBRATION;
  const statedMean = ok.reduce((s, g) => s + clamp(g.confidence, 0, 1), 0) / n;
  const observedMean = ok.reduce((s, g) => s + clamp(g.outcome, 0, 1), 0) / n;
  const raw = logit(observedMean) - logit(statedMean);
  const shift = clamp((n / (n + PRIOR)) * raw, -MAX_SHIFT, MAX_SHIFT);
  return { n, statedMean, observedMean, shift };
}

/** Applies the correction to a ranking's confidences (best first). */
export function applyFeedbackCalibration(confidences: readonly number[], cal: FeedbackCalibration): number[] {
  const [p1, ...rest] = confidences;
  if (p1 === undefined || cal.shift === 0 || !(p1 > 0)) return [...confidences];
  const adjusted = clamp(Math.min(sigmoid(logit(p1) + cal.shift), CAL.ceiling), 0, 1);
  const before = 1 - p1;
  const after = 1 - adjusted;
  return [adjusted, ...rest.map((c) => (before > 0 ? (c * after) / before : c))];
}
