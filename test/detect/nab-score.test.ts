import { describe, expect, it } from "vitest";
import { groupScores, nabScore, normalize, probationaryLength, scaledSigmoid, scoreAtThreshold, STANDARD_PROFILE } from "../../src/detect/nab-score.ts";
import type { ScoredSeries } from "../../src/detect/nab-score.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const MIN = 60_000;
const N = 1000;
const ts = Array.from({ length: N }, (_, i) => i * MIN);
// One window over rows 400..499 (100 rows); probation is the first 150 rows.
const window: [number, number] = [400 * MIN, 499 * MIN];

function series(hits: Record<number, number>, windows: Array<[number, number]> = [window], name = "cat/a.csv"): ScoredSeries {
  const scores = ts.map((_, i) => hits[i] ?? 0);
  return { name, timestamps: ts, scores, windows };
}

describe("NAB scaled sigmoid and probation", () => {
  it("matches the values documented in NAB's sweeper", () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
    expect(scaledSigmoid(3.5)).toBe(-1);
  });

  it("probation is 15% of the rows, at most 750", () => {
    expect(probationaryLength(4032)).toBe(604);
    expect(probationaryLength(1000)).toBe(150);
    expect(probationaryLength(20000)).toBe(750);
  });
});

describe("NAB scoring on hand-made windows", () => {
  it("a detection on the first row of the window is perfect (100); none is 0", () => {
    const r = nabScore([series({ 400: 1 })]);
    expect(r.raw).toBeCloseTo(1, 10);
    expect(r.nullScore).toBe(-1);
    expect(r.perfect).toBe(1);
    expect(r.normalized).toBeCloseTo(100, 10);
    expect(nabScore([series({})]).normalized).toBe(0);
  });

  it("a detection halfway through the window earns S(-0.5)/S(-1)", () => {
    const r = nabScore([series({ 450: 1 })]);
    // position = -(499 - 450 + 1) / 100 = -0.5
    const tp = 0.8482836399575129 / 0.9866142981514303;
    expect(r.raw).toBeCloseTo(tp, 10);
    expect(r.normalized).toBeCloseTo((100 * (tp + 1)) / 2, 8);
  });

  it("only the earliest detection of a window counts, later ones inside are free", () => {
    const one = nabScore([series({ 450: 1 })]).raw;
    expect(nabScore([series({ 450: 1, 460: 1, 498: 1 })]).raw).toBeCloseTo(one, 12);
  });

  it("a false positive before any window costs A_FP = 0.11", () => {
    // Same score on both points, so the threshold cannot separate them.
    const r = scoreAtThreshold([series({ 200: 1, 400: 1 })], 1);
    expect(itemAt(r, 0).score).toBeCloseTo(1 - 0.11, 10);
    expect(itemAt(r, 0).fp).toBe(1);
  });

  it("a false positive just after a window costs less, scaled by its distance", () => {
    // distance = |499 - 520| / (100 - 1)
    const d = 21 / 99;
    const fp = (2 / (1 + Math.exp(5 * d)) - 1) * 0.11;
    const r = scoreAtThreshold([series({ 400: 1, 520: 1 })], 1);
    expect(fp).toBeCloseTo(-0.05341, 4);
    expect(itemAt(r, 0).score).toBeCloseTo(1 + fp, 10);
    // Far past the window (> 3 widths) it costs the full 0.11.
    expect(itemAt(scoreAtThreshold([series({ 400: 1, 900: 1 })], 1), 0).score).toBeCloseTo(1 - 0.11, 10);
  });

  it("detections in the probationary period are ignored", () => {
    expect(itemAt(scoreAtThreshold([series({ 10: 1, 400: 1 })], 1), 0).score).toBeCloseTo(1, 10);
  });

  it("optimises one threshold over all series", () => {
    // Series a: the window point scores 0.9, a false positive scores 0.8.
    // Series b: a false positive at 0.95, no window.
    const a = series({ 400: 0.9, 300: 0.8 });
    const b = { ...series({ 300: 0.95 }, []), name: "cat/b.csv" };
    const r = nabScore([a, b]);
    // Thresholds: 1.1 -> -1; 0.95 -> -1 - 0.11; 0.9 -> 1 - 0.11 = 0.89; 0.8 -> 0.78.
    expect(r.threshold).toBe(0.9);
    expect(r.raw).toBeCloseTo(0.89, 10);
    expect(r.normalized).toBeCloseTo(normalize(0.89, -1, 1), 10);
    const groups = groupScores(r, () => "cat");
    expect(groups).toHaveLength(1);
    expect(itemAt(groups, 0).fp).toBe(1);
  });

  it("a constant score everywhere (NAB's null detector) scores 0", () => {
    const flat = { ...series({}), scores: ts.map(() => 0.5) };
    expect(nabScore([flat]).normalized).toBe(0);
  });

  it("uses the standard profile by default", () => {
    expect(STANDARD_PROFILE).toEqual({ tpWeight: 1, fpWeight: 0.11, fnWeight: 1 });
  });
});
