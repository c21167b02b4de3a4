import { CW_PREFIX } from "../metrics/emit.ts";
import type { Series, SeriesStore } from "../metrics/series-store.ts";
import { quantile } from "../promql/functions.ts";

export interface Dimension {
  Name: string;
  Value: string;
}

export class CloudWatchError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

export interface CwMetricId {
  Namespace: string;
  MetricName: string;
  Dimensions: Dimension[];
}

export function cwSeriesName(namespace: string, metric: string): string {
  return `${CW_PREFIX}${namespace}:${metric}`;
}

/** All CloudWatch metrics the simulation publishes (live in the store). */
export function listCwMetrics(store: SeriesStore): Array<{ id: CwMetricId; series: Series }> {
  const out: Array<{ id: CwMetricId; series: Series }> = [];
  for (const s of store.all()) {
    const name = s.labels.__name__!;
    if (!name.startsWith(CW_PREFIX)) continue;
    const rest = name.slice(CW_PREFIX.length);
    const i = rest.lastIndexOf(":");
    const dims = Object.entries(s.labels)
      .filter(([k]) => k !== "__name__")
      .map(([Name, Value]) => ({ Name, Value }));
    out.push({ id: { Namespace: rest.slice(0, i), MetricName: rest.slice(i + 1), Dimensions: dims }, series: s });
  }
  return out;
}

/** The series with exactly these dimensions (CloudWatch matches the full set). */
export function findSeries(store: SeriesStore, m: CwMetricId): Series | undefined {
  const want = [...(m.Dimensions ?? [])].sort((a, b) => a.Name.localeCompare(b.Name));
  return store.byName(cwSeriesName(m.Namespace, m.MetricName)).find((s) => {
    const have = Object.keys(s.labels)
      .filter((k) => k !== "__name__")
      .sort();
    return have.length === want.length && want.every((d, i) => have[i] === d.Name && s.labels[d.Name] === d.Value);
  });
}

export function statistic(stat: string, values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  switch (stat) {
    case "Average":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "Sum":
      return values.reduce((a, b) => a + b, 0);
    case "Minimum":
      return Math.min(...values);
    case "Maximum":
      return Math.max(...values);
    case "SampleCount":
      return values.length;
  }
  const p = /^p(\d+(?:\.\d+)?)$/i.exec(stat);
  if (p) return quantile(Number(p[1]) / 100, values);
  const tm = /^tm(\d+(?:\.\d+)?)$/i.exec(stat);
  if (tm) {
    const cut = quantile(Number(tm[1]) / 100, values);
    const kept = values.filter((v) => v <= cut);
    return kept.reduce((a, b) => a + b, 0) / Math.max(1, kept.length);
  }
  throw new CloudWatchError("InvalidParameterValue", `The value ${stat} for parameter Stat is not valid.`);
}

/** Aggregates a series into period buckets [t, t+period) between start and end (ms). Ascending. */
export function aggregate(store: SeriesStore, s: Series | undefined, startMs: number, endMs: number, periodS: number, stat: string): { timestamps: number[]; values: number[] } {
  const periodMs = periodS * 1000;
  const timestamps: number[] = [];
  const values: number[] = [];
  if (!s) return { timestamps, values };
  const first = Math.ceil(startMs / periodMs) * periodMs;
  for (let t = first; t < endMs; t += periodMs) {
    const bucket: number[] = [];
    const a = Math.max(store.stepOf(t), store.tail);
    const b = Math.min(store.stepOf(t + periodMs - 1), store.head);
    for (let i = a; i <= b; i++) {
      const ts = store.timeOf(i);
      if (ts < t || ts >= t + periodMs) continue;
      const v = store.at(s, i);
      if (!Number.isNaN(v)) bucket.push(v);
    }
    const v = statistic(stat, bucket);
    if (v !== undefined) {
      timestamps.push(t);
      values.push(v);
    }
  }
  return { timestamps, values };
}
