import { AnomalyDetector } from "./detector.ts";
import type { LabelledSeries } from "./corpus.ts";
import { groupScores, nabScore, STANDARD_PROFILE } from "./nab-score.ts";
import type { CostProfile, NabResult, ScoredSeries } from "./nab-score.ts";
import type { SeriesRow } from "./series-csv.ts";
import type { DetectorOutput, OnlineDetector } from "./types.ts";
import { WindowedGaussianDetector } from "./windowed-gaussian.ts";

export type DetectorName = "aisre" | "windowed-gaussian";

export const DETECTORS: Record<DetectorName, { describe: string; create: () => OnlineDetector }> = {
  aisre: { describe: "aisre online detector", create: () => new AnomalyDetector() },
  "windowed-gaussian": { describe: "windowed Gaussian (NAB baseline)", create: () => new WindowedGaussianDetector() },
};

/** Run a fresh detector over a series, one output per row, in order. */
export function scoreRows(rows: readonly SeriesRow[], detector: OnlineDetector): DetectorOutput[] {
  return rows.map((r) => detector.update(r.t, r.value));
}

export interface CategoryScore {
  category: string;
  series: number;
  windows: number;
  detected: number;
  falsePositives: number;
  raw: number;
  /** NAB-normalised score at the corpus threshold; undefined for a category with no window. */
  score: number | undefined;
}

export interface DetectorEvaluation {
  detector: string;
  description: string;
  /** NAB standard-profile score, normalised (null detector 0, perfect 100). */
  score: number;
  threshold: number;
  raw: number;
  windows: number;
  detected: number;
  falsePositives: number;
  points: number;
  millis: number;
  categories: CategoryScore[];
  nab: NabResult;
}

export function evaluateDetector(corpus: readonly LabelledSeries[], name: string, describe: string, create: () => OnlineDetector, profile: CostProfile = STANDARD_PROFILE): DetectorEvaluation {
  const started = performance.now();
  let points = 0;
  const scored: ScoredSeries[] = corpus.map((s) => {
    const out = scoreRows(s.rows, create());
    points += out.length;
    return { name: s.name, timestamps: s.rows.map((r) => r.t), scores: out.map((o) => o.score), windows: s.windows };
  });
  const millis = performance.now() - started;
  const nab = nabScore(scored, profile);
  const categoryOf = new Map(corpus.map((s) => [s.name, s.category]));
  const categories = groupScores(nab, (n) => categoryOf.get(n) ?? ".", profile).map((g) => ({
    category: g.group,
    series: g.series,
    windows: g.windows,
    detected: g.detected,
    falsePositives: g.fp,
    raw: g.raw,
    score: g.normalized,
  }));
  return {
    detector: name,
    description: describe,
    score: nab.normalized,
    threshold: nab.threshold,
    raw: nab.raw,
    windows: nab.windows,
    detected: nab.perSeries.reduce((a, r) => a + r.detected, 0),
    falsePositives: nab.perSeries.reduce((a, r) => a + r.fp, 0),
    points,
    millis,
    categories,
    nab,
  };
}
