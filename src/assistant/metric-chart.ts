import { renderChartPng } from "../charts/render.ts";
import { type TimeSeriesChartSpec, utcClock } from "../charts/time-series.ts";
import { axisUnitFor } from "../charts/units.ts";
import { changeLabel } from "../detect/polling/chart.ts";
import type { ChangeRecord } from "../toolsets/changes.ts";
import type { MetricSeries } from "../diagnose/types.ts";
import type { Toolsets } from "../toolsets/index.ts";
import { DEFAULT_PROM_QUERIES, promQueryFor } from "../toolsets/metrics.ts";
import type { MetricKind } from "./intents.ts";
import { p95Query, reading, type MetricReading } from "./service-health.ts";

/** A PNG to upload next to an answer. */
export interface ChartImage {
  png: Buffer;
  filename: string;
  title: string;
  altText: string;
}

type Unit = "percent" | "seconds" | "per_second" | "count";

interface MetricSpec {
  label: string;
  unit: Unit;
  /** The series name in the metrics toolset (DEFAULT_PROM_QUERIES / service_metrics). */
  metric: string;
  /** CloudWatch metric names that mean the same (when only CloudWatch is connected). */
  cloudwatch: RegExp;
  /** A Prometheus query of one service (its own, instead of a default query). */
  query?: (service: string, label: string) => string;
}

export const METRIC_SPECS: Record<MetricKind, MetricSpec> = {
  errors: { label: "error rate", unit: "percent", metric: "error_ratio", cloudwatch: /ErrorRate|5XX|Errors?$/i },
  latency: { label: "p95 latency", unit: "seconds", metric: "latency_p95", cloudwatch: /Latency.*P9[59]|TargetResponseTime|Duration/i, query: p95Query },
  cpu: { label: "CPU (share of limit)", unit: "percent", metric: "cpu_utilization", cloudwatch: /CPUUtil/i },
  memory: { label: "memory (share of limit)", unit: "percent", metric: "memory_utilization", cloudwatch: /Memory.*Util|FreeableMemory/i },
  traffic: { label: "request rate", unit: "per_second", metric: "request_rate", cloudwatch: /RequestCount/i },
  restarts: { label: "container restarts (per 5 min)", unit: "count", metric: "container_restarts", cloudwatch: /Restart/i },
};

export interface MetricView {
  service: string;
  kind: MetricKind;
  label: string;
  unit: Unit;
  series: MetricSeries;
  reading?: MetricReading;
  peak: { value: number; at: number };
  /** Where it came from (the tool and query). */
  source: string;
}

/** "30.4%", "964 ms", "12.5/s", "3". */
export function formatMetric(v: number, unit: Unit): string {
  if (!Number.isFinite(v)) return "n/a";
  if (unit === "percent") return `${(v * 100).toFixed(v * 100 >= 10 ? 0 : 1)}%`;
  if (unit === "seconds") return v >= 1 ? `${v.toFixed(2)} s` : `${Math.round(v * 1000)} ms`;
  if (unit === "per_second") return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}/s`;
  return v >= 10 ? v.toFixed(0) : String(Math.round(v * 10) / 10);
}

/**
 * One metric of one service over a window: a dedicated Prometheus query when Prometheus is
 * connected, else the metrics toolset's series (CloudWatch by name). Never throws: a missing
 * source is a reason.
 */
export async function fetchMetric(toolsets: Toolsets, service: string, kind: MetricKind, window: { start: number; end: number }, serviceLabel = "service"): Promise<{ view: MetricView } | { reason: string }> {
  const spec = METRIC_SPECS[kind];
  const stepSeconds = Math.max(15, Math.round((window.end - window.start) / 1000 / 240 / 15) * 15);
  let series: MetricSeries | undefined;
  let source = "";
  if (toolsets.ports.metrics) {
    const def = DEFAULT_PROM_QUERIES.find((q) => q.metric === spec.metric);
    const query = spec.query ? spec.query(service, serviceLabel) : def ? promQueryFor(def, serviceLabel, [service]) : undefined;
    if (query) {
      const r = await toolsets.metrics.t.promqlRange.run({ query, start: window.start, end: window.end, stepSeconds });
      source = `promql_range: ${r.status === "ok" ? r.summary : r.status === "no_data" ? r.reason : r.status === "error" ? r.error : r.reason}`;
      if (r.status === "ok" && r.data[0]) series = { metric: spec.metric, timestamps: [...r.data[0].timestamps], values: r.data[0].values.map((v) => (Number.isFinite(v) ? v : Number.NaN)) };
    }
  }
  if (!series && toolsets.ports.cloudwatch) {
    const r = await toolsets.metrics.t.serviceMetrics.run({ services: [service], start: window.start, end: window.end, stepSeconds: Math.max(60, stepSeconds) });
    source = `service_metrics: ${r.status === "ok" ? r.summary : r.status === "no_data" ? r.reason : r.status === "error" ? r.error : r.reason}`;
    if (r.status === "ok") {
      const all = r.data.services.find((s) => s.service === service)?.series ?? [];
      series = all.find((s) => s.metric === spec.metric) ?? all.find((s) => spec.cloudwatch.test(s.metric));
      // CloudWatch error rates and latencies come in percent and milliseconds.
      if (series && series.metric !== spec.metric) {
        const f = spec.unit === "percent" && /Rate|Util/i.test(series.metric) ? 0.01 : spec.unit === "seconds" && /Latency|Duration/i.test(series.metric) && !/TargetResponseTime/.test(series.metric) ? 0.001 : 1;
        if (f !== 1) series = { ...series, values: series.values.map((v) => v * f) };
      }
    }
  }
  if (!source) return { reason: toolsets.metrics.availability().enabled ? `no ${spec.label} series for ${service}` : (toolsets.disabled().find((d) => d.toolset === "metrics")?.reason ?? "no metrics backend is connected") };
  if (!series || series.values.every((v) => !Number.isFinite(v))) return { reason: `no ${spec.label} series for ${service} (${source})` };
  let peak = { value: -Infinity, at: 0 };
  const times = series.timestamps;
  series.values.forEach((v, i) => {
    const t = times[i];
    if (t !== undefined && Number.isFinite(v) && v > peak.value) peak = { value: v, at: t * (t < 1e11 ? 1000 : 1) };
  });
  const secs = series.timestamps[0] !== undefined && series.timestamps[0] < 1e11;
  const inSeconds: MetricSeries = secs ? series : { ...series, timestamps: series.timestamps.map((t) => t / 1000) };
  const r = reading(inSeconds, spec.unit === "percent" ? "ratio" : spec.unit === "seconds" ? "seconds" : "per_second");
  return { view: { service, kind, label: spec.label, unit: spec.unit, series: inSeconds, ...(r ? { reading: r } : {}), peak, source } };
}

/** The usual range of a series: median ± 3 robust spreads (MAD) of its points before `until`. */
export function usualRange(values: readonly number[], times: readonly number[], until: number): { lower: number; upper: number; median: number } | undefined {
  const xs = values.filter((v, i) => Number.isFinite(v) && (times[i] ?? Infinity) < until).sort((a, b) => a - b);
  if (xs.length < 5) return undefined;
  const mid = (s: readonly number[]) => (s.length % 2 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2);
  const median = mid(xs);
  const mad = mid(xs.map((v) => Math.abs(v - median)).sort((a, b) => a - b));
  // A flat history still has a visible range: at least 5% of the median.
  const spread = Math.max(1.4826 * mad, (Math.abs(median) * 0.05) / 3, 1e-9);
  return { lower: median - 3 * spread, upper: median + 3 * spread, median };
}

/** The chart spec of a metric view: the series, its usual range before the incident, the incident's span and the changes of the window. */
export function metricChartSpec(v: MetricView, o: { incidentStart?: number; windowMinutes: number; changes?: ReadonlyArray<Pick<ChangeRecord, "at" | "kind" | "service" | "version">> }): TimeSeriesChartSpec {
  const ts = v.series.timestamps.map((t) => t * 1000);
  const end = ts.at(-1) ?? 0;
  const start = ts[0] ?? end;
  const incident = o.incidentStart !== undefined && o.incidentStart < end ? { from: Math.max(o.incidentStart, start), to: end, label: "incident" } : undefined;
  // Normal is what came before the incident, or the first two thirds of the window without one.
  const usual = usualRange(v.series.values, ts, incident ? incident.from : start + (end - start) * (2 / 3));
  const finite = v.series.values.filter(Number.isFinite);
  const unit = axisUnitFor(UNIT_NAMES[v.unit], Math.max(0, ...finite.map(Math.abs), usual ? Math.abs(usual.upper) : 0));
  const window = `last ${o.windowMinutes >= 120 ? `${Math.round(o.windowMinutes / 60)} h` : `${o.windowMinutes} min`}`;
  return {
    title: `${v.service} · ${v.label}`,
    subtitle: `${window} to ${utcClock(end)} UTC${incident ? ` · incident since ${utcClock(incident.from)}` : ""}${v.reading ? ` · now ${formatMetric(v.reading.now, v.unit)}, baseline ${formatMetric(v.reading.baseline, v.unit)}` : ""}`,
    seriesName: v.label,
    unit,
    timestamps: ts,
    values: v.series.values,
    ...(usual ? { band: { lower: ts.map(() => usual.lower), upper: ts.map(() => usual.upper) } } : {}),
    ...(v.reading ? { expected: v.reading.baseline } : usual ? { expected: usual.median } : {}),
    ...(incident ? { incident } : {}),
    markers: (o.changes ?? []).map((c) => ({ at: Date.parse(c.at), label: changeLabel(c) })).filter((m) => Number.isFinite(m.at)),
    window: { from: start, to: end },
  };
}

const UNIT_NAMES: Record<Unit, string> = { percent: "ratio", seconds: "seconds", per_second: "req/s", count: "count" };

/** The chart of a metric view: the series, its usual range, the incident's span highlighted, deploys marked. */
export async function chartOf(v: MetricView, o: { incidentStart?: number; windowMinutes: number; changes?: ReadonlyArray<Pick<ChangeRecord, "at" | "kind" | "service" | "version">> }): Promise<ChartImage> {
  const spec = metricChartSpec(v, o);
  const { png } = await renderChartPng(spec);
  const alt = `${v.label} of ${v.service}: ${v.reading ? `now ${formatMetric(v.reading.now, v.unit)}, baseline ${formatMetric(v.reading.baseline, v.unit)}, ` : ""}peak ${formatMetric(v.peak.value, v.unit)}`;
  return { png, filename: `${v.service}-${v.kind}.png`, title: `${spec.title} (${spec.unit.suffix || "count"})`, altText: alt };
}
