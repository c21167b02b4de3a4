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

  it("reproduces NAB's own scorer test (all metrics non-zero): -0.9540", () => {
    // nab tests/integration/scorer_test.py testScoringAllMetrics: 100 rows, windows of 5 rows at
    // 30..34 and 65..69, detections at 30, 31 (first window) and 37 (a false positive), profile
    // tp = fn = fp = 1. The first window's earliest detection is worth 1, the second window is
    // missed (-1), the false positive 3 rows past a 5-row window costs S(3 / 4) = -0.9540.
    const n = 100;
    const t = Array.from({ length: n }, (_, i) => i * 5 * MIN);
    const scores = t.map((_, i) => (i === 30 || i === 31 || i === 37 ? 1 : 0));
    const windows: Array<[number, number]> = [
      [30 * 5 * MIN, 34 * 5 * MIN],
      [65 * 5 * MIN, 69 * 5 * MIN],
    ];
    const unit = { tpWeight: 1, fpWeight: 1, fnWeight: 1 };
    const [r] = scoreAtThreshold([{ name: "test/data.csv", timestamps: t, scores, windows }], 0.5, unit);
    expect(r?.score).toBeCloseTo(-0.954, 4);
    expect(r?.tp).toBe(2);
    expect(r?.fp).toBe(1);
    // NAB counts fn = 8 with no probation; 15 rows of probation here hold no window row.
    expect(r?.fn).toBe(8);
    expect(r?.detected).toBe(1);
  });

  it("sweeps thresholds as NAB's calcScoreByThreshold: a later, earlier detection replaces a window's best", () => {
    // Window rows 400..499. Score 0.5 at row 480 (late), 0.2 at row 410 (early), a false
    // positive at 0.5 before the window. At threshold 0.5: late TP minus the FP; at 0.2 the
    // early detection replaces the late one.
    const late = scaledSigmoid(-(499 - 480 + 1) / 100) / scaledSigmoid(-1);
    const early = scaledSigmoid(-(499 - 410 + 1) / 100) / scaledSigmoid(-1);
    const s = series({ 480: 0.5, 410: 0.2, 300: 0.5 });
    expect(itemAt(scoreAtThreshold([s], 0.5), 0).score).toBeCloseTo(late - 0.11, 10);
    const best = nabScore([s]);
    expect(best.threshold).toBe(0.2);
    expect(best.raw).toBeCloseTo(early - 0.11, 10);
  });

  it("uses the standard profile by default", () => {
    expect(STANDARD_PROFILE).toEqual({ tpWeight: 1, fpWeight: 0.11, fnWeight: 1 });
  });
});
