import { clamp } from "./stats.ts";

/**
 * Confidence = an estimate of P(this service is the root cause). Built from three measurable
 * things, then shrunk through a conservative mapping (see docs/diagnosis.md, "Calibration"):
 *
 * - share: a softmax of the scores relative to the leader (temperature CAL.temperature): how far
 *   ahead of the alternatives a candidate is;
 * - stability: in how many bootstrap replicates (each metric series kept with p = 0.7) it still
 *   comes first;
 * - strength: how strong its own evidence is (a weak leader in a quiet system is a guess).
 *
 * raw = mix · share + (1 - mix) · stability, then conf = floor + span · raw · (lo + (1 - lo) · strength).
 * The constants were chosen on principle (never above CAL.ceiling, a weak leader halved) and
 * checked against the development cases' reliability table, not fitted per case.
 */
export const CAL = {
  temperature: 0.12,
  mix: 0.5,
  floor: 0.02,
  span: 0.86,
  lo: 0.5,
  ceiling: 0.9,
} as const;

export interface ConfidenceInputs {
  scores: number[];
  /** Bootstrap win shares aligned with `scores` (undefined: not computed). */
  stability?: number[];
  /** Own-evidence strength in [0, 1], aligned with `scores`. */
  strength: number[];
}

export function confidences(inp: ConfidenceInputs): number[] {
  const n = inp.scores.length;
  if (n === 0) return [];
  const top = Math.max(...inp.scores, 1e-12);
  const ex = inp.scores.map((s) => Math.exp((s / top - 1) / CAL.temperature));
  const z = ex.reduce((a, b) => a + b, 0);
  return inp.scores.map((_, i) => {
    const share = ex[i] / z;
    const raw = inp.stability ? CAL.mix * share + (1 - CAL.mix) * (inp.stability[i] ?? 0) : share;
    const strength = clamp(inp.strength[i] ?? 0, 0, 1);
    const c = CAL.floor + CAL.span * raw * (CAL.lo + (1 - CAL.lo) * strength);
    return clamp(c, 0, CAL.ceiling);
  });
}
