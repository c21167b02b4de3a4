import { clamp } from "./stats.ts";

/**
 * Confidence = an estimate of P(this service is the root cause).
 *
 * The leader's confidence comes from the relative score margin m = (s1 - s2) / s1 through a
 * logistic mapping fitted on the development cases (weight 3) and 300 synthetic cases of six data
 * regimes (with/without graph, baseline, few metrics; src/diagnose/synthetic.ts):
 *
 *   P(leader right) = σ(T · (CAL.a + CAL.b · √m))
 *
 * with T = CAL.temper < 1 shrinking the fitted logit towards 50 % (conservative), capped at
 * CAL.ceiling, and bounded by the leader's own evidence (a weak leader in a quiet system is a guess:
 * conf ≤ CAL.thinBase + strength). When the runner-up scores within CLOSE_RATIO of the leader the
 * verdict is "unsure: two candidates"; the confidence stays what the data says (near-ties at the top
 * were right about 56 % of the time, so a leader just ahead gets ~60 %, not a coin flip). Leave-one-group-out (each dev system and each synthetic regime
 * held out in turn) gave ECE ≈ 0.02 before tempering. Other candidates share the remaining
 * probability 1 - P(leader) in proportion to exp((s_i / s1 - 1) / CAL.temperature).
 *
 * Bootstrap stability of the leader (resampling metric series) was tried and dropped: on the same
 * data it did not separate right from wrong answers (see docs/diagnosis.md).
 */
export const CAL = {
  a: -0.05,
  b: 3.57,
  temper: 0.85,
  ceiling: 0.95,
  thinBase: 0.3,
  temperature: 0.1,
} as const;

/** Leaders closer than this ratio make the verdict "unsure: two candidates". */
export const CLOSE_RATIO = 0.85;

export interface ConfidenceInputs {
  /** Scores, best first. */
  scores: number[];
  /** Own-evidence strength in [0, 1], aligned with `scores`. */
  strength: number[];
}

export function leaderConfidence(margin: number, strength: number): number {
  const m = clamp(margin, 0, 1);
  const p = 1 / (1 + Math.exp(-CAL.temper * (CAL.a + CAL.b * Math.sqrt(m))));
  return clamp(Math.min(p, CAL.ceiling, CAL.thinBase + clamp(strength, 0, 1)), 0, 1);
}

export function confidences(inp: ConfidenceInputs): number[] {
  const n = inp.scores.length;
  if (n === 0) return [];
  const s1 = inp.scores[0];
  if (!(s1 > 0)) return inp.scores.map(() => 0);
  const margin = n > 1 ? (s1 - inp.scores[1]) / s1 : 1;
  const p1 = leaderConfidence(margin, inp.strength[0] ?? 0);
  const rest = inp.scores.slice(1).map((s) => Math.exp((s / s1 - 1) / CAL.temperature));
  const z = rest.reduce((a, b) => a + b, 0);
  return [p1, ...rest.map((w) => (z > 0 ? ((1 - p1) * w) / z : 0))];
}
