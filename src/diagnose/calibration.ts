import { mappedConfidence } from "./calibration-fit.ts";

/**
 * Confidence = an estimate of P(this service is the root cause).
 *
 * The leader's confidence comes from the relative score margin m = (s1 - s2) / s1:
 *
 *   P(leader right) = σ(CAL.a + CAL.b · √m)
 *
 * capped at CAL.ceiling and bounded by the leader's own evidence (a weak leader in a quiet system
 * is a guess: conf ≤ CAL.thinBase + strength). A tie (m < CAL.closeMargin) gives the leader no more
 * than its share s1 / (s1 + s2): such leaders were right 3 times in 13. When the runner-up scores within CLOSE_RATIO of the
 * leader the verdict is "unsure: two candidates"; the confidence stays what the data says. Other
 * candidates share the remaining probability 1 - P(leader) in proportion to
 * exp((s_i / s1 - 1) / CAL.temperature).
 *
 * Fit (src/diagnose/calibration-fit.ts, printed by `npm run eval:rca`): logistic regression over the
 * 20 PetShop development cases, the 48 Sock Shop-style cases and 180 generated cases of six data
 * regimes (src/diagnose/calibration-set.ts), ties left out, every group weighing the same, and the
 * slope shrunk toward the base rate (ridge 0.02). Held out one group at a time, the margin said
 * little past a tie: the unshrunk fit without the tie rule (a -0.11, b 4.36, ECE 0.045 in sample)
 * gave held-out ECE 0.104 on the evaluation cases and 0.135 on PetShop; this one gives 0.076 and
 * 0.072. Accuracy differs more between data regimes than between margins (only latency and
 * requests: 59 % right at any margin), which is what the remaining error is.
 *
 * Bootstrap stability of the leader (resampling metric series) was tried and dropped: on the same
 * data it did not separate right from wrong answers (see docs/diagnosis.md).
 */
export const CAL = {
  a: 1.86,
  b: 0.54,
  closeMargin: 0.02,
  ceiling: 0.95,
  thinBase: 0.5,
  temperature: 0.1,
  loneCeiling: 0.6,
} as const;

/**
 * A lone candidate — nothing else ranked, so its margin is 1 by construction, not measured — that
 * is the alerting service itself, on its own symptoms alone (no change, pod state or log errors
 * behind it, no other service's anomaly it explains), restates the alert: a first guess, not a
 * finding. The cascading failure's cache read 92 % for eight minutes, from the evictions its alert
 * was about, before payments' signals arrived. It gets at most CAL.loneCeiling ("medium"). No
 * evaluation case is one (a lone leader found among healthy services with no symptom named is a
 * finding, and keeps its confidence): the fit above is not about them, and its figures do not move.
 */
export function loneLeaderConfidence(confidence: number, corroborated: boolean): number {
  return corroborated ? confidence : Math.min(confidence, CAL.loneCeiling);
}

/** Leaders closer than this ratio make the verdict "unsure: two candidates". */
export const CLOSE_RATIO = 0.85;

export interface ConfidenceInputs {
  /** Scores, best first. */
  scores: number[];
  /** Own-evidence strength in [0, 1], aligned with `scores`. */
  strength: number[];
}

export function leaderConfidence(margin: number, strength: number): number {
  return mappedConfidence(CAL, CAL, margin, strength);
}

export function confidences(inp: ConfidenceInputs): number[] {
  const [s1, s2] = inp.scores;
  if (s1 === undefined) return [];
  if (!(s1 > 0)) return inp.scores.map(() => 0);
  const margin = s2 !== undefined ? (s1 - s2) / s1 : 1;
  const p1 = leaderConfidence(margin, inp.strength[0] ?? 0);
  const rest = inp.scores.slice(1).map((s) => Math.exp((s / s1 - 1) / CAL.temperature));
  const z = rest.reduce((a, b) => a + b, 0);
  return [p1, ...rest.map((w) => (z > 0 ? ((1 - p1) * w) / z : 0))];
}
