import { describe, expect, it } from "vitest";
import { type CalibrationCase, crossValidate, fitLogistic, mappedConfidence } from "../../src/diagnose/calibration-fit.ts";
import { rng } from "../../src/domain/random.ts";

const caps = { ceiling: 0.99, thinBase: 1 };

/** Cases whose leader is right with probability σ(a + b·√m), in groups with the given offsets. */
function generated(a: number, b: number, groups: Record<string, number>, perGroup: number, seed = 1): CalibrationCase[] {
  const r = rng(seed);
  const out: CalibrationCase[] = [];
  for (const [group, offset] of Object.entries(groups)) {
    for (let i = 0; i < perGroup; i++) {
      const margin = r();
      const p = 1 / (1 + Math.exp(-(a + offset + b * Math.sqrt(margin))));
      out.push({ id: `${group}/${i}`, group, margin, strength: 1, correct: r() < p });
    }
  }
  return out;
}

describe("calibration fit", () => {
  it("recovers the logistic curve the cases were drawn from", () => {
    const cases = generated(-1, 3, { g: 0 }, 4000);
    const fit = fitLogistic(cases, { ridge: 0 });
    expect(fit.a).toBeCloseTo(-1, 0);
    expect(fit.b).toBeCloseTo(3, 0);
  });

  it("shrinks the slope toward the base rate, not toward 50 %", () => {
    const cases = generated(1, 2, { g: 0 }, 2000);
    const shrunk = fitLogistic(cases, { ridge: 10 });
    expect(Math.abs(shrunk.b)).toBeLessThan(0.1);
    const base = cases.filter((c) => c.correct).length / cases.length;
    expect(mappedConfidence(shrunk, caps, 0.5, 1)).toBeCloseTo(base, 1);
  });

  it("caps a leader with thin evidence and at the ceiling", () => {
    expect(mappedConfidence({ a: 5, b: 5 }, { ceiling: 0.95, thinBase: 0.5 }, 1, 1)).toBe(0.95);
    expect(mappedConfidence({ a: 5, b: 5 }, { ceiling: 0.95, thinBase: 0.5 }, 1, 0.1)).toBeCloseTo(0.6, 10);
  });

  it("scores each group with a curve fitted without it", () => {
    // One group is much less often right than the others: held out, it is over-confident.
    const cases = generated(1, 1, { a: 0, b: 0, c: 0, hard: -2.5 }, 300);
    const cv = crossValidate(cases, caps, { ridge: 0 });
    expect(cv.predictions).toHaveLength(cases.length);
    expect(cv.perGroup.hard?.ece).toBeGreaterThan(0.3);
    expect(cv.perGroup.hard?.ece).toBeGreaterThan(2 * (cv.perGroup.a?.ece ?? 1));
  });
});
