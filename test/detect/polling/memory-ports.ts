import type { CloudWatchAlarm, CloudWatchMetricRef, CloudWatchPort, CloudWatchQuery, CloudWatchSeries } from "../../../src/integrations/cloudwatch/port.ts";
import type { InstantSample, MetricsPort, RangeSeries } from "../../../src/integrations/prometheus/port.ts";
export { rng } from "../../../src/domain/random.ts";

/** A value (one series) or several labelled values (a query returning many series) at time t (ms); undefined: no sample. */
export type Sample = number | undefined | Array<{ labels: Record<string, string>; value: number }>;

/**
 * In-memory Prometheus for the poller: answers query_range on the step grid from a function of
 * (query, time). Records every call. For tests and the polling bench.
 */
export class MemoryMetrics implements MetricsPort {
  readonly ranges: Array<{ query: string; start: number; end: number; step: number }> = [];
  fail?: string;
  private readonly gen: (query: string, tMs: number) => Sample;
  constructor(gen: (query: string, tMs: number) => Sample) {
    this.gen = gen;
  }

  async queryRange(query: string, o: { start: Date; end: Date; stepSeconds: number }): Promise<RangeSeries[]> {
    const start = o.start.getTime();
    const end = o.end.getTime();
    const stepMs = o.stepSeconds * 1000;
    this.ranges.push({ query, start, end, step: o.stepSeconds });
    if (this.fail) throw new Error(this.fail);
    if ((end - start) / stepMs + 1 > 11_000) throw new Error("exceeded maximum resolution of 11,000 points per timeseries");
    const out = new Map<string, RangeSeries>();
    for (let t = start; t <= end; t += stepMs) {
      const v = this.gen(query, t);
      if (v === undefined) continue;
      const list = typeof v === "number" ? [{ labels: {}, value: v }] : v;
      for (const s of list) {
        const sig = JSON.stringify(s.labels);
        let r = out.get(sig);
        if (!r) {
          r = { labels: s.labels, timestamps: [], values: [] };
          out.set(sig, r);
        }
        r.timestamps.push(t / 1000);
        r.values.push(s.value);
      }
    }
    return [...out.values()];
  }

  async query(): Promise<InstantSample[]> {
    return [];
  }
  async series(): Promise<Array<Record<string, string>>> {
    return [];
  }
  async labelValues(): Promise<string[]> {
    return [];
  }
}

/** In-memory CloudWatch: GetMetricData answers each query from a function of (metric name, dimensions, time); records the calls. */
export class MemoryCloudWatch implements CloudWatchPort {
  readonly calls: Array<{ queries: CloudWatchQuery[]; start: number; end: number }> = [];
  private readonly gen: (q: CloudWatchQuery, tMs: number) => number | undefined;
  constructor(gen: (q: CloudWatchQuery, tMs: number) => number | undefined) {
    this.gen = gen;
  }

  async getMetricData(queries: CloudWatchQuery[], o: { start: Date; end: Date }): Promise<CloudWatchSeries[]> {
    this.calls.push({ queries, start: o.start.getTime(), end: o.end.getTime() });
    const ids = new Set<string>();
    for (const q of queries) {
      if (ids.has(q.id)) throw new Error(`duplicate id ${q.id}`);
      ids.add(q.id);
    }
    return queries.map((q) => {
      const p = (q.periodSeconds ?? 60) * 1000;
      const s: CloudWatchSeries = { id: q.id, label: q.label ?? q.id, timestamps: [], values: [], status: "Complete" };
      // Periods starting in [start, end), as CloudWatch returns them.
      for (let t = Math.ceil(o.start.getTime() / p) * p; t < o.end.getTime(); t += p) {
        const v = this.gen(q, t);
        if (v === undefined) continue;
        s.timestamps.push(t / 1000);
        s.values.push(v);
      }
      return s;
    });
  }
  async listMetrics(): Promise<CloudWatchMetricRef[]> {
    return [];
  }
  async describeAlarms(): Promise<CloudWatchAlarm[]> {
    return [];
  }
}

/** Noise that depends only on (seed, t): the same point gets the same value whichever window asks. */
export function noiseAt(seed: number, tMs: number): number {
  let h = (seed * 0x9e3779b1) ^ Math.floor(tMs / 1000);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296 - 0.5;
}
