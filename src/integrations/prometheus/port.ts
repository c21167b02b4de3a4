/** Metrics from a Prometheus-compatible HTTP API (PromQL). Times are unix seconds. */

export interface InstantSample {
  labels: Record<string, string>;
  /** unix seconds */
  timestamp: number;
  value: number;
}

export interface RangeSeries {
  labels: Record<string, string>;
  timestamps: number[];
  values: number[];
}

export interface MetricsPort {
  /** Instant query; a scalar result comes back as one sample with no labels. */
  query(promql: string, options?: { at?: Date }): Promise<InstantSample[]>;
  queryRange(promql: string, options: { start: Date; end: Date; stepSeconds: number }): Promise<RangeSeries[]>;
  /** Label sets of the series matching any selector. */
  series(matchers: string[], options?: { start?: Date; end?: Date }): Promise<Array<Record<string, string>>>;
  labelValues(label: string, options?: { match?: string[] }): Promise<string[]>;
  /** The `for` (ms) of each alerting rule, by alert name (the rules API); absent where the backend has no rules. */
  alertRuleDurations?(): Promise<Record<string, number>>;
}
