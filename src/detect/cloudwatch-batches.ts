import type { MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import type { CloudWatchSli } from "./sli-config.ts";

/**
 * Plan CloudWatch GetMetricData calls for many SLIs (pure). One request takes at most 500
 * MetricDataQuery entries, and returns at most 100,800 data points before it paginates
 * (NextToken): requests are packed to stay under both, so that one poll is as few calls as
 * possible and most need no second page. Query ids are unique per request, start with a lower
 * case letter and use only [a-z0-9_], as the API requires; `keys` maps them back to SLIs.
 */
export const MAX_QUERIES_PER_REQUEST = 500;
export const MAX_DATAPOINTS_PER_REQUEST = 100_800;

export interface CloudWatchTarget {
  /** Series key (e.g. "checkout/cpu"). */
  key: string;
  metric: CloudWatchSli;
}

export interface MetricDataBatch {
  /** Region of every query in the batch (undefined: the client's default). */
  region: string | undefined;
  queries: MetricDataQuery[];
  /** Query id -> series key. */
  keys: Record<string, string>;
  /** Data points the batch can return over the window (sum over queries). */
  datapoints: number;
}

export interface BatchOptions {
  startMs: number;
  endMs: number;
  maxQueries?: number;
  maxDatapoints?: number;
}

/** MetricDataQuery for one metric, as @aws-sdk/client-cloudwatch expects it. */
export function toMetricDataQuery(id: string, m: CloudWatchSli, label?: string): MetricDataQuery {
  return {
    Id: id,
    Label: label,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: m.namespace,
        MetricName: m.metricName,
        Dimensions: m.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
      },
      Period: m.period,
      Stat: m.stat,
      ...(m.unit ? { Unit: m.unit as NonNullable<MetricDataQuery["MetricStat"]>["Unit"] } : {}),
    },
  };
}

/** Data points one metric yields over [start, end). */
export function datapointsFor(m: CloudWatchSli, startMs: number, endMs: number): number {
  return Math.max(1, Math.ceil((endMs - startMs) / 1000 / m.period));
}

/** Split targets into GetMetricData request batches (grouped by region, order kept within a region). */
export function planMetricDataBatches(targets: readonly CloudWatchTarget[], opts: BatchOptions): MetricDataBatch[] {
  const maxQ = Math.min(opts.maxQueries ?? MAX_QUERIES_PER_REQUEST, MAX_QUERIES_PER_REQUEST);
  const maxDp = opts.maxDatapoints ?? MAX_DATAPOINTS_PER_REQUEST;
  if (!(maxQ >= 1)) throw new RangeError("maxQueries must be >= 1");
  const byRegion = new Map<string | undefined, CloudWatchTarget[]>();
  for (const t of targets) {
    const list = byRegion.get(t.metric.region) ?? [];
    list.push(t);
    byRegion.set(t.metric.region, list);
  }
  const batches: MetricDataBatch[] = [];
  for (const [region, list] of byRegion) {
    let cur: MetricDataBatch | undefined;
    for (const t of list) {
      const dp = datapointsFor(t.metric, opts.startMs, opts.endMs);
      // A single metric over the data point limit still gets its own batch (it will paginate).
      if (!cur || cur.queries.length >= maxQ || (cur.queries.length > 0 && cur.datapoints + dp > maxDp)) {
        cur = { region, queries: [], keys: {}, datapoints: 0 };
        batches.push(cur);
      }
      const id = `q${cur.queries.length}`;
      cur.queries.push(toMetricDataQuery(id, t.metric, t.key));
      cur.keys[id] = t.key;
      cur.datapoints += dp;
    }
  }
  return batches;
}
