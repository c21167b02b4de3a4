/** One metric of one service: parallel arrays of timestamps (unix s) and values (NaN = missing). */
export interface MetricSeries {
  /** Free-form metric name (`latency_p99`, `http_5xx_rate`, `container_memory_working_set`, …). */
  metric: string;
  timestamps: number[];
  values: number[];
}

export interface ServiceMetrics {
  service: string;
  series: MetricSeries[];
}
