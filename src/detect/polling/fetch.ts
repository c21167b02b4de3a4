import type { CloudWatchPort, CloudWatchQuery } from "../../integrations/cloudwatch/port.ts";
import type { MetricsPort } from "../../integrations/prometheus/port.ts";
import { planMetricDataBatches, type CloudWatchTarget } from "../cloudwatch-batches.ts";
import type { SeriesPoint } from "../detection-service.ts";
import type { CloudWatchSli } from "../sli-config.ts";

/**
 * Fetching SLI points through the metric ports (effects only; the poller decides the windows).
 * Times are epoch ms here; the ports speak Dates and unix seconds.
 */

/** One series a query returned: its labels (Prometheus) and points, oldest first. */
export interface FetchedSeries {
  labels: Record<string, string>;
  points: SeriesPoint[];
}

/** Prometheus refuses more than 11,000 points per series in one query_range. */
export const PROMETHEUS_MAX_POINTS = 11_000;

/** Prometheus `query_range` over [startMs, endMs] at `stepSeconds`, split into chunks under the point limit. */
export async function fetchPrometheus(metrics: MetricsPort, query: string, startMs: number, endMs: number, stepSeconds: number): Promise<FetchedSeries[]> {
  const stepMs = stepSeconds * 1000;
  const chunkMs = (PROMETHEUS_MAX_POINTS - 1) * stepMs;
  const bySig = new Map<string, FetchedSeries>();
  for (let from = startMs; from <= endMs; from += chunkMs + stepMs) {
    const to = Math.min(endMs, from + chunkMs);
    const result = await metrics.queryRange(query, { start: new Date(from), end: new Date(to), stepSeconds });
    for (const s of result) {
      const sig = labelSignature(s.labels);
      let out = bySig.get(sig);
      if (!out) {
        out = { labels: s.labels, points: [] };
        bySig.set(sig, out);
      }
      for (const [i, t] of s.timestamps.entries()) out.points.push({ t: Math.round(t * 1000), value: s.values[i] ?? Number.NaN });
    }
  }
  return [...bySig.values()];
}

export function labelSignature(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(",");
}

export interface CloudWatchFetchTarget {
  key: string;
  metric: CloudWatchSli;
}

export interface CloudWatchFetchResult {
  points: Map<string, SeriesPoint[]>;
  /** GetMetricData calls planned (each of at most 500 queries; the port pages each with NextToken). */
  batches: number;
  /** Targets skipped because their region is not the port's. */
  skipped: string[];
}

/**
 * GetMetricData for many SLIs over one window: packed into batches of at most 500 queries and at
 * most 100,800 data points (so that most need no second page), each sent through the port, which
 * merges the NextToken pages. The port talks to one region: targets in another are skipped.
 */
export async function fetchCloudWatch(cloudwatch: CloudWatchPort, targets: readonly CloudWatchFetchTarget[], startMs: number, endMs: number, options: { region?: string } = {}): Promise<CloudWatchFetchResult> {
  const points = new Map<string, SeriesPoint[]>();
  const skipped: string[] = [];
  const usable: CloudWatchTarget[] = [];
  for (const t of targets) {
    if (t.metric.region && options.region && t.metric.region !== options.region) skipped.push(t.key);
    else usable.push({ key: t.key, metric: { ...t.metric, region: undefined } });
  }
  const byKey = new Map(usable.map((t) => [t.key, t.metric]));
  const batches = planMetricDataBatches(usable, { startMs, endMs });
  for (const batch of batches) {
    const queries: CloudWatchQuery[] = Object.entries(batch.keys).map(([id, key]) => {
      const m = byKey.get(key)!;
      return {
        id,
        namespace: m.namespace,
        metricName: m.metricName,
        dimensions: Object.fromEntries(m.dimensions.map((d) => [d.name, d.value])),
        stat: m.stat,
        periodSeconds: m.period,
        label: key,
        returnData: true,
      };
    });
    const series = await cloudwatch.getMetricData(queries, { start: new Date(startMs), end: new Date(endMs) });
    for (const s of series) {
      const key = batch.keys[s.id];
      if (!key) continue;
      const list = points.get(key) ?? [];
      for (const [i, t] of s.timestamps.entries()) list.push({ t: Math.round(t * 1000), value: s.values[i] ?? Number.NaN });
      points.set(key, list);
    }
  }
  return { points, batches: batches.length, skipped };
}
