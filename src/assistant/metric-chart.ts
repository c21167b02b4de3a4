import { renderLineChart } from "../charts/line-chart.ts";
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

/** The chart of a metric view: the series, its baseline, and the incident's span highlighted. */
export function chartOf(v: MetricView, o: { incidentStart?: number; windowMinutes: number }): ChartImage {
  const scale = v.unit === "percent" ? 100 : v.unit === "seconds" && v.peak.value < 1 ? 1000 : 1;
  const unitText = v.unit === "percent" ? "%" : v.unit === "seconds" ? (scale === 1000 ? "ms" : "s") : v.unit === "per_second" ? "req/s" : "count";
  const ts = v.series.timestamps.map((t) => t * 1000);
  const end = ts.at(-1) ?? 0;
  const title = `${v.service} ${v.label} (${unitText}), last ${o.windowMinutes >= 120 ? `${Math.round(o.windowMinutes / 60)} h` : `${o.windowMinutes} min`}, UTC`;
  const png = renderLineChart({
    timestamps: ts,
    values: v.series.values.map((x) => x * scale),
    title,
    width: 800,
    height: 320,
    ...(v.reading ? { threshold: { value: v.reading.baseline * scale, label: "baseline" } } : {}),
    ...(o.incidentStart !== undefined && o.incidentStart < end ? { highlight: { from: Math.max(o.incidentStart, ts[0] ?? o.incidentStart), to: end } } : {}),
  });
  const alt = `${v.label} of ${v.service}: ${v.reading ? `now ${formatMetric(v.reading.now, v.unit)}, baseline ${formatMetric(v.reading.baseline, v.unit)}, ` : ""}peak ${formatMetric(v.peak.value, v.unit)}`;
  return { png, filename: `${v.service}-${v.kind}.png`, title, altText: alt };
}
