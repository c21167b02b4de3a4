/** CloudWatch metrics and alarms as the product uses them. Times are unix seconds, ascending. */

export interface CloudWatchQuery {
  /** Lowercase-first id, unique in one call (e.g. `m0`). */
  id: string;
  /** Either a metric… */
  namespace?: string;
  metricName?: string;
  dimensions?: Record<string, string>;
  /** Average, Sum, Minimum, Maximum, SampleCount, p99, … */
  stat?: string;
  periodSeconds?: number;
  /** …or metric math over other ids. */
  expression?: string;
  label?: string;
  returnData?: boolean;
}

export interface CloudWatchSeries {
  id: string;
  label: string;
  timestamps: number[];
  values: number[];
  status: string;
}

export interface CloudWatchMetricRef {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

export interface CloudWatchAlarm {
  name: string;
  arn?: string;
  description?: string;
  state: "OK" | "ALARM" | "INSUFFICIENT_DATA" | string;
  reason?: string;
  /** unix seconds */
  updatedAt?: number;
  namespace?: string;
  metricName?: string;
  dimensions: Record<string, string>;
  statistic?: string;
  periodSeconds?: number;
  threshold?: number;
  comparison?: string;
}

export interface CloudWatchPort {
  /** Any number of queries: batched 500 per call, NextToken pages merged per id. */
  getMetricData(queries: CloudWatchQuery[], options: { start: Date; end: Date; maxDatapoints?: number }): Promise<CloudWatchSeries[]>;
  listMetrics(filter?: { namespace?: string; metricName?: string; dimensions?: Record<string, string | undefined> }): Promise<CloudWatchMetricRef[]>;
  describeAlarms(filter?: { names?: string[]; namePrefix?: string; state?: "OK" | "ALARM" | "INSUFFICIENT_DATA" }): Promise<CloudWatchAlarm[]>;
}
