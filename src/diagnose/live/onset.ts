import { classifyMetric } from "../metric-kind.ts";
import type { MetricSeries, ServiceMetrics } from "../types.ts";
import { itemAt } from "../../domain/indexed.ts";

/**
 * When did it really start? An alert fires after its threshold and its `for` duration: a memory
 * leak or a filling disk has been visible in the data for many minutes by then. The onset is moved
 * back to where the alert's own metric left its normal range and stayed out of it (pure).
 *
 * Reference: the first 40 % of the samples before the alert (at least 8); a sample is out of range
 * when its robust z in the metric's bad direction exceeds `z` (default 3). The onset is the start of
 * the run of out-of-range samples that reaches the alert (one in ten may be back in range), never
 * more than `maxShiftS` earlier than the alert.
 */
export function estimateOnset(series: MetricSeries, alertOnsetS: number, o: { z?: number; maxShiftS?: number } = {}): number {
  const zMin = o.z ?? 3;
  const maxShift = o.maxShiftS ?? 3600;
  const pts: Array<[number, number]> = [];
  for (let i = 0; i < series.timestamps.length; i++) {
    const t = series.timestamps[i];
    const v = series.values[i];
    if (t !== undefined && v !== undefined && Number.isFinite(v) && t <= alertOnsetS) pts.push([t, v]);
  }
  pts.sort((a, b) => a[0] - b[0]);
  if (pts.length < 12) return alertOnsetS;
  const refN = Math.max(8, Math.floor(pts.length * 0.4));
  const ref = pts
    .slice(0, refN)
    .map((p) => p[1])
    .sort((a, b) => a - b);
  const mid = Math.floor(ref.length / 2);
  const med = itemAt(ref, mid);
  const mad = itemAt(
    ref.map((v) => Math.abs(v - med)).sort((a, b) => a - b),
    mid,
  );
  const scale = Math.max(1.4826 * mad, Math.abs(med) * 0.02, 1e-9);
  const bad = classifyMetric(series.metric).bad;
  const z = (v: number): number => (bad === "up" ? (v - med) / scale : bad === "down" ? (med - v) / scale : Math.abs(v - med) / scale);
  let start = alertOnsetS;
  let misses = 0;
  let run = 0;
  for (let i = pts.length - 1; i >= refN; i--) {
    const [t, v] = itemAt(pts, i);
    if (z(v) > zMin) {
      run++;
      start = t;
    } else {
      misses++;
      if (misses > Math.max(1, Math.floor((run + misses) / 10))) break;
    }
  }
  // A run of one or two samples is noise, not an onset.
  if (run < 3) return alertOnsetS;
  return Math.max(start, alertOnsetS - maxShift);
}

/** The symptom's series: the named metric of the alerting service, else its same-kind series. */
export function symptomSeries(services: readonly ServiceMetrics[], service: string, metric: string | undefined): MetricSeries | undefined {
  const sm = services.find((s) => s.service === service);
  if (!sm || !metric) return undefined;
  const exact = sm.series.find((s) => s.metric === metric);
  if (exact) return exact;
  const kind = classifyMetric(metric).kind;
  return sm.series.find((s) => classifyMetric(s.metric).kind === kind);
}
