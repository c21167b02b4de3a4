import { firstOf } from "../domain/indexed.ts";
/**
 * NAB scoring (Numenta Anomaly Benchmark v1.1 rules, as in nab/sweeper.py, nab/optimizer.py and
 * nab/runner.py), re-implemented in TypeScript:
 *
 * - The first 15% of each series (at most 750 rows) is probationary and not scored.
 * - A detection is a row whose anomaly score is >= the threshold.
 * - Inside a labelled window a detection is worth `tpWeight * S(pos) / S(-1)` where
 *   S(x) = 2 / (1 + e^(5x)) - 1 and pos = -(right - i + 1) / width, so the first row of a window is
 *   worth exactly tpWeight and the last row about 0.1; only the best (earliest) detection of a
 *   window counts. A window with no detection costs -fnWeight.
 * - A detection outside every window costs `fpWeight * S(d)` with d the distance past the
 *   previous window's right edge over (that window's width - 1) (S(d) is -1 for d > 3); before
 *   the first window it costs -fpWeight.
 * - The threshold is the one that maximises the summed score over all series (a sweep over every
 *   distinct anomaly score), and the total is normalised so that a detector that never fires
 *   scores 0 and a perfect one (the first row of every window, no false positive) scores 100:
 *   100 * (raw - null) / (perfect - null), null being the raw score with no detection and perfect
 *   being tpWeight times the number of labelled windows.
 */

export interface CostProfile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

/** NAB's "standard" application profile (A_TP = 1, A_FP = -0.11, A_FN = -1). */
export const STANDARD_PROFILE: CostProfile = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };
export const REWARD_LOW_FP_PROFILE: CostProfile = { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 };
export const REWARD_LOW_FN_PROFILE: CostProfile = { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 };

export const PROBATION_PERCENT = 0.15;

/** NAB's scaled sigmoid: 2 * sigmoid(-5x) - 1, and -1 beyond 3. */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition > 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

/** Rows at the start of a series that are never scored: min(floor(15% n), 15% of 5000). */
export function probationaryLength(rows: number, percent = PROBATION_PERCENT): number {
  return Math.min(Math.floor(percent * rows), percent * 5000);
}

/** One labelled series with a detector's scores. Windows are [start, end] in epoch ms, inclusive. */
export interface ScoredSeries {
  name: string;
  timestamps: readonly number[];
  scores: readonly number[];
  windows: ReadonlyArray<readonly [number, number]>;
}

/** A row as the sweep sees it: its anomaly score, its NAB value if it were a detection, and its window. */
interface SweepRow {
  score: number;
  value: number;
  /** Global window id; -1 outside every window. */
  window: number;
}

interface SeriesSweep {
  rows: SweepRow[];
  /** Global ids of the windows that have at least one scorable row. */
  windowIds: number[];
}

/** Row index ranges [left, right] of each window (first row at/after start, last at/before end). */
export function windowIndices(timestamps: readonly number[], windows: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [start, end] of [...windows].sort((a, b) => a[0] - b[0])) {
    let left = -1;
    let right = -1;
    for (const [i, t] of timestamps.entries()) {
      if (t >= start && left < 0) left = i;
      if (t <= end) right = i;
    }
    if (left >= 0 && right >= left) out.push([left, right]);
  }
  return out;
}

function sweepSeries(s: ScoredSeries, profile: CostProfile, firstWindowId: number): SeriesSweep & { windowCount: number } {
  const n = Math.min(s.timestamps.length, s.scores.length);
  const probation = probationaryLength(n);
  const wins = windowIndices(s.timestamps.slice(0, n), s.windows);
  const maxTP = scaledSigmoid(-1);
  const rows: SweepRow[] = [];
  const seen = new Set<number>();
  let w = 0;
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    for (let passed = wins[w]; passed && passed[1] < i; passed = wins[w]) {
      prevRight = passed[1];
      prevWidth = passed[1] - passed[0] + 1;
      w++;
    }
    const current = wins[w];
    let value: number;
    let window = -1;
    if (current && current[0] <= i) {
      const [left, right] = current;
      const width = right - left + 1;
      value = (scaledSigmoid(-(right - i + 1) / width) * profile.tpWeight) / maxTP;
      window = firstWindowId + w;
    } else if (prevRight < 0) {
      value = -1 * profile.fpWeight;
    } else {
      value = scaledSigmoid(Math.abs(prevRight - i) / Math.max(prevWidth - 1, 1)) * profile.fpWeight;
    }
    if (i < probation) continue;
    const raw = s.scores[i];
    const score = raw !== undefined && Number.isFinite(raw) ? raw : 0;
    rows.push({ score, value, window });
    if (window >= 0) seen.add(window);
  }
  return { rows, windowIds: [...seen], windowCount: wins.length };
}

export interface ThresholdScore {
  threshold: number;
  score: number;
  tp: number;
  tn: number;
  fp: number;
  fn: number;
}

/**
 * Score for every distinct threshold, highest first (NAB's calcScoreByThreshold): the first row is
 * threshold 1.1 (no detection), each next row adds every point whose score is >= its threshold.
 */
function scoresByThreshold(sweeps: SeriesSweep[], profile: CostProfile): ThresholdScore[] {
  const rows = sweeps.flatMap((s) => s.rows);
  // Stable sort, descending by score (ties keep series/row order, as Python's sorted does).
  const order = rows.map((r, i) => ({ r, i })).sort((a, b) => b.r.score - a.r.score || a.i - b.i);
  const best = new Map<number, number>();
  for (const s of sweeps) for (const id of s.windowIds) best.set(id, -profile.fnWeight);
  let windowSum = -profile.fnWeight * best.size;
  let fpSum = 0;
  let tn = 0;
  let fn = 0;
  for (const r of rows) {
    if (r.window < 0) tn++;
    else fn++;
  }
  let tp = 0;
  let fp = 0;
  const out: ThresholdScore[] = [];
  let cur = 1.1;
  for (const { r } of order) {
    if (r.score !== cur) {
      out.push({ threshold: cur, score: windowSum + fpSum, tp, tn, fp, fn });
      cur = r.score;
    }
    if (r.window < 0) {
      fp++;
      tn--;
      fpSum += r.value;
    } else {
      tp++;
      fn--;
      const prev = best.get(r.window) ?? -profile.fnWeight;
      if (r.value > prev) {
        best.set(r.window, r.value);
        windowSum += r.value - prev;
      }
    }
  }
  out.push({ threshold: cur, score: windowSum + fpSum, tp, tn, fp, fn });
  return out;
}

export interface SeriesResult {
  name: string;
  windows: number;
  score: number;
  tp: number;
  fp: number;
  fn: number;
  /** Windows detected (at least one detection inside). */
  detected: number;
  /** Raw score of this series with no detection at all. */
  nullScore: number;
}

export interface NabResult {
  threshold: number;
  raw: number;
  nullScore: number;
  perfect: number;
  /** 100 * (raw - null) / (perfect - null). */
  normalized: number;
  windows: number;
  perSeries: SeriesResult[];
}

/** Score of each series (and counts) at a fixed threshold. */
export function scoreAtThreshold(series: readonly ScoredSeries[], threshold: number, profile: CostProfile = STANDARD_PROFILE): SeriesResult[] {
  let id = 0;
  return series.map((s) => {
    const sw = sweepSeries(s, profile, id);
    id += sw.windowCount;
    const best = new Map<number, number>();
    let fpSum = 0;
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const r of sw.rows) {
      const hit = r.score >= threshold;
      if (r.window < 0) {
        if (hit) {
          fp++;
          fpSum += r.value;
        }
        continue;
      }
      if (!hit) {
        fn++;
        continue;
      }
      tp++;
      best.set(r.window, Math.max(best.get(r.window) ?? -Infinity, r.value));
    }
    let windowSum = 0;
    for (const wid of sw.windowIds) windowSum += best.get(wid) ?? -profile.fnWeight;
    return {
      name: s.name,
      windows: s.windows.length,
      score: windowSum + fpSum,
      tp,
      fp,
      fn,
      detected: best.size,
      nullScore: -profile.fnWeight * sw.windowIds.length,
    };
  });
}

/** Optimise the threshold over the whole corpus, score it and normalise (NAB's optimize + score + normalize). */
export function nabScore(series: readonly ScoredSeries[], profile: CostProfile = STANDARD_PROFILE): NabResult {
  let id = 0;
  const sweeps: SeriesSweep[] = [];
  let windows = 0;
  for (const s of series) {
    const sw = sweepSeries(s, profile, id);
    id += sw.windowCount;
    windows += s.windows.length;
    sweeps.push(sw);
  }
  const table = scoresByThreshold(sweeps, profile);
  // The first row (threshold 1.1, nothing detected) is always there.
  const nullRow = firstOf(table, "threshold table");
  let bestRow = nullRow;
  for (const row of table) if (row.score > bestRow.score) bestRow = row;
  const perSeries = scoreAtThreshold(series, bestRow.threshold, profile);
  const raw = perSeries.reduce((a, r) => a + r.score, 0);
  const nullScore = nullRow.score;
  const perfect = windows * profile.tpWeight;
  return {
    threshold: bestRow.threshold,
    raw,
    nullScore,
    perfect,
    normalized: normalize(raw, nullScore, perfect),
    windows,
    perSeries,
  };
}

export function normalize(raw: number, nullScore: number, perfect: number): number {
  if (perfect === nullScore) return 0;
  return (100 * (raw - nullScore)) / (perfect - nullScore);
}

/** Group per-series results (e.g. by directory) and normalise each group at the corpus threshold. */
export function groupScores(
  result: NabResult,
  groupOf: (name: string) => string,
  profile: CostProfile = STANDARD_PROFILE,
): Array<{
  group: string;
  series: number;
  windows: number;
  detected: number;
  fp: number;
  raw: number;
  /** Undefined when the group has no window (nothing to normalise against). */
  normalized: number | undefined;
}> {
  const groups = new Map<string, SeriesResult[]>();
  for (const r of result.perSeries) {
    const g = groupOf(r.name);
    const list = groups.get(g) ?? [];
    list.push(r);
    groups.set(g, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, list]) => {
      const windows = list.reduce((a, r) => a + r.windows, 0);
      const raw = list.reduce((a, r) => a + r.score, 0);
      const nullScore = list.reduce((a, r) => a + r.nullScore, 0);
      return {
        group,
        series: list.length,
        windows,
        detected: list.reduce((a, r) => a + r.detected, 0),
        fp: list.reduce((a, r) => a + r.fp, 0),
        raw,
        normalized: windows > 0 ? normalize(raw, nullScore, windows * profile.tpWeight) : undefined,
      };
    });
}
