import { classifyMetric } from "./metric-kind.ts";
import type { MetricClass } from "./metric-kind.ts";
import { clamp, mad, quantileSorted, sortedFinite } from "./stats.ts";
import type { MetricSeries } from "./types.ts";
import { itemAt } from "../domain/indexed.ts";

/**
 * Per-series anomaly around the incident onset: robust z of the post-onset values against a
 * reference (the baseline period and/or the samples before onset; the window itself when neither
 * exists), in the metric's bad direction.
 */
export type ReferenceKind = "baseline" | "pre-onset" | "baseline+pre-onset" | "window";

export interface SeriesAnomaly {
  service: string;
  metric: string;
  cls: MetricClass;
  referenceKind: ReferenceKind;
  /** Reference level (median) and robust scale. */
  level: number;
  scale: number;
  /** Robust z of the anomaly in the bad direction (>= 0): the sustained peak. */
  z: number;
  /** Which way it moved. */
  moved: "up" | "down";
  peakValue: number;
  peakAt: number;
  /** First post-onset sample beyond the threshold and a tenth of the sustained peak (start of the main excursion). */
  firstAt?: number;
  /**
   * Anomaly strength in [0, 1] (squashed z; class weight not applied). Discounted by
   * WINDOW_REFERENCE_DISCOUNT when there was no normal period to compare with.
   */
  strength: number;
  /**
   * Post-onset samples (sign-adjusted deviation in z units) for co-movement checks; `slot` is the
   * time bucket on the common grid so series sampled at slightly different instants line up.
   */
  window: { t: number[]; z: number[]; slot: number[] };
}

export const Z_THRESHOLD = 3;
/** Without a normal period the "normal" level is a guess from the window itself: weigh it less. */
export const WINDOW_REFERENCE_DISCOUNT = 0.6;
const Z_SATURATE = 200;

/** Squash a robust z into [0, 1]: 0 below the threshold, logarithmic above, 1 at Z_SATURATE. */
/** How long a deviation must last to count fully (s). */
const SUSTAIN_S = 60;

export function medianStep(t: readonly number[]): number {
  if (t.length < 2) return 60;
  const d: number[] = [];
  for (let i = 1; i < t.length; i++) d.push(itemAt(t, i) - itemAt(t, i - 1));
  d.sort((a, b) => a - b);
  return Math.max(1e-3, itemAt(d, Math.floor(d.length / 2)));
}

export function strengthOfZ(z: number): number {
  if (!(z > Z_THRESHOLD)) return 0;
  return clamp(Math.log1p(z - Z_THRESHOLD) / Math.log1p(Z_SATURATE - Z_THRESHOLD), 0, 1);
}

/** Noise floor for the scale: what a change smaller than this cannot mean, whatever the data says. */
function scaleFloor(cls: MetricClass, level: number, refKind: ReferenceKind): number {
  const abs = Math.abs(level);
  let floor = (refKind === "window" ? 0.1 : 0.02) * abs;
  if (cls.kind === "availability" || (cls.percentLike && cls.kind === "errors")) {
    // Percent-like: 0.5 percentage point of the full scale (100 or 1).
    floor = (abs > 1.5 ? 100 : 1) * 0.005;
  }
  if (cls.countLike) floor = Math.max(floor, Math.sqrt(Math.max(abs, 1)));
  return Math.max(floor, 1e-9);
}

export interface AnalyzeOptions {
  anomalyStart: number;
  /** Post-onset samples beyond this are ignored (s). Default 2 h. */
  horizon?: number;
  /** Common sampling step (s) to align series on; default 60. */
  grid?: number;
}

export function analyzeSeries(service: string, s: MetricSeries, baseline: MetricSeries | undefined, opts: AnalyzeOptions): SeriesAnomaly | undefined {
  const cls = classifyMetric(s.metric);
  const horizon = opts.horizon ?? 7200;
  const preVals: number[] = [];
  const postT: number[] = [];
  const postV: number[] = [];
  for (let i = 0; i < s.timestamps.length; i++) {
    const t = s.timestamps[i];
    const v = s.values[i];
    if (t === undefined || v === undefined || !Number.isFinite(v)) continue;
    if (t < opts.anomalyStart) preVals.push(v);
    else if (t <= opts.anomalyStart + horizon) {
      postT.push(t);
      postV.push(v);
    }
  }
  if (postV.length === 0) return undefined;
  // Order post samples by time (inputs are usually sorted already).
  const order = postT.map((_, i) => i).sort((a, b) => itemAt(postT, a) - itemAt(postT, b));
  const tt = order.map((i) => itemAt(postT, i));
  const vv = order.map((i) => itemAt(postV, i));

  const baseVals = baseline ? baseline.values.filter((v) => Number.isFinite(v)) : [];
  let refKind: ReferenceKind;
  let ref: number[];
  if (preVals.length >= 3 && baseVals.length >= 3) {
    refKind = "baseline+pre-onset";
    ref = sortedFinite([...preVals, ...baseVals]);
  } else if (preVals.length >= 3) {
    refKind = "pre-onset";
    ref = sortedFinite(preVals);
  } else if (baseVals.length >= 3) {
    refKind = "baseline";
    ref = sortedFinite([...baseVals, ...preVals]);
  } else {
    refKind = "window";
    ref = sortedFinite([...vv, ...preVals]);
  }

  let level: number;
  let spread: number;
  if (refKind === "window") {
    // No normal period: the quiet end of the window is the reference (the low end for metrics where
    // up is bad, the high end where down is bad).
    const q = cls.bad === "up" ? 0.2 : cls.bad === "down" ? 0.8 : 0.5;
    level = quantileSorted(ref, q);
    spread = 0;
  } else {
    level = quantileSorted(ref, 0.5);
    const m = 1.4826 * mad(ref, level);
    const iqr = (quantileSorted(ref, 0.75) - quantileSorted(ref, 0.25)) / 1.349;
    spread = Math.max(m, iqr);
  }
  const scale = Math.max(spread, scaleFloor(cls, level, refKind));

  const zs: number[] = new Array(vv.length);
  let upPeak = 0;
  let downPeak = 0;
  for (let i = 0; i < vv.length; i++) {
    const d = (itemAt(vv, i) - level) / scale;
    zs[i] = d;
    if (d > upPeak) upPeak = d;
    if (-d > downPeak) downPeak = -d;
  }
  const moved: "up" | "down" = cls.bad === "up" ? "up" : cls.bad === "down" ? "down" : upPeak >= downPeak ? "up" : "down";
  const sign = moved === "up" ? 1 : -1;
  const dz = zs.map((d) => sign * d);
  // Sustained peak: the best run of consecutive samples spanning at least a minute (two samples at
  // least), i.e. the maximum over time of the running minimum; one stray sample counts half.
  let peak = 0;
  let peakIdx = 0;
  for (let i = 0; i < dz.length; i++) {
    if (itemAt(dz, i) > peak) {
      peak = itemAt(dz, i);
      peakIdx = i;
    }
  }
  const run = Math.min(dz.length, Math.max(2, Math.round(SUSTAIN_S / medianStep(tt))));
  let sustained = 0;
  for (let i = 0; i + run <= dz.length; i++) {
    let m = Infinity;
    for (let j = i; j < i + run; j++) if (itemAt(dz, j) < m) m = itemAt(dz, j);
    if (m > sustained) sustained = m;
  }
  const z = Math.max(0, sustained, peak / 2);
  // Start of the main excursion: the first sample beyond a tenth of the sustained peak (and the
  // threshold), so a queue that wobbles by a few messages early and backs up by thousands later
  // starts when it backs up.
  const startZ = Math.max(Z_THRESHOLD, 0.1 * z);
  let firstAt: number | undefined;
  for (let i = 0; i < dz.length; i++) {
    if (itemAt(dz, i) > startZ) {
      firstAt = tt[i];
      break;
    }
  }
  return {
    service,
    metric: s.metric,
    cls,
    referenceKind: refKind,
    level,
    scale,
    z,
    moved,
    peakValue: itemAt(vv, peakIdx),
    peakAt: itemAt(tt, peakIdx),
    firstAt,
    strength: strengthOfZ(z) * (refKind === "window" ? WINDOW_REFERENCE_DISCOUNT : 1),
    window: { t: tt, z: dz, slot: tt.map((t) => Math.round((t - opts.anomalyStart) / (opts.grid ?? 60))) },
  };
}
