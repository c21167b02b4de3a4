import { renderLineChart } from "../../charts/line-chart.ts";
import type { AnomalyFinding } from "../detection-service.ts";

/**
 * The chart of a finding's series as PNG: the recent points, the expected band (baseline ± 3
 * spreads, where the detector had one), the baseline dashed, and the anomaly (since → at) in red.
 */
export function findingChart(f: AnomalyFinding, options: { title?: string; width?: number; height?: number } = {}): Buffer {
  const pts = f.points;
  const timestamps = pts.map((p) => p.t);
  const values = pts.map((p) => p.value);
  const lower = pts.map((p) => (Number.isFinite(p.baseline) && Number.isFinite(p.spread) ? p.baseline - 3 * p.spread : Number.NaN));
  const upper = pts.map((p) => (Number.isFinite(p.baseline) && Number.isFinite(p.spread) ? p.baseline + 3 * p.spread : Number.NaN));
  return renderLineChart({
    timestamps,
    values,
    title: options.title ?? `${f.service} ${f.sli}`,
    width: options.width ?? 800,
    height: options.height ?? 320,
    band: { lower, upper },
    baseline: pts.map((p) => p.baseline),
    highlight: { from: f.explanation.since ?? f.at, to: f.at },
  });
}
