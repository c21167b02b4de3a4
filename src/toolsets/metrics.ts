import { z } from "zod";
import type { MetricSeries, ServiceMetrics } from "../domain/metrics.ts";
import type { CloudWatchMetricRef } from "../integrations/cloudwatch/port.ts";
import type { CloudWatchReadPort, PrometheusReadPort, PromRangeSeries, ToolsetPorts } from "./ports.ts";
import { defineTool, errorText, noData, ok, timeArg, type Availability, type Tool, type Toolset } from "./types.ts";
import { plural } from "../text/words.ts";
import { utcTimeOfDay } from "../text/slack-markup.ts";
import { systemClock } from "../domain/clock.ts";

/**
 * One per-service metric from Prometheus. `query` is PromQL where `SEL` stands for the label
 * matcher of the services asked for (`service=~"a|b"`) and `LABEL` for the service label; it must
 * keep that label in its result (`sum by (LABEL) (…)`).
 */
export interface PromMetricQuery {
  /** The series name the diagnosis sees; its words say what it is (latency, error, cpu, …). */
  metric: string;
  query: string;
}

/**
 * The default queries: the conventions of the common exporters (Prometheus client HTTP histograms
 * and precomputed quantiles, cAdvisor, kube-state-metrics, postgres_exporter, redis_exporter,
 * RabbitMQ, HikariCP/Micrometer pools). A query whose metrics do not exist returns nothing.
 */
export const DEFAULT_PROM_QUERIES: PromMetricQuery[] = [
  { metric: "error_ratio", query: 'sum by (LABEL) (rate(http_requests_total{SEL,code=~"5.."}[2m])) / sum by (LABEL) (rate(http_requests_total{SEL}[2m]))' },
  {
    metric: "latency_p99",
    query: 'histogram_quantile(0.99, sum by (LABEL, le) (rate(http_request_duration_seconds_bucket{SEL}[2m]))) or max by (LABEL) (http_request_latency_seconds{SEL,quantile="0.99"})',
  },
  { metric: "request_rate", query: "sum by (LABEL) (rate(http_requests_total{SEL}[2m]))" },
  { metric: "cpu_utilization", query: 'sum by (LABEL) (rate(container_cpu_usage_seconds_total{SEL}[2m])) / sum by (LABEL) (kube_pod_container_resource_limits{SEL,resource="cpu"})' },
  { metric: "memory_utilization", query: "max by (LABEL) (container_memory_working_set_bytes{SEL} / container_spec_memory_limit_bytes{SEL})" },
  { metric: "disk_utilization", query: "max by (LABEL) (container_fs_usage_bytes{SEL} / container_fs_limit_bytes{SEL}) or max by (LABEL) (kubelet_volume_stats_used_bytes{SEL} / kubelet_volume_stats_capacity_bytes{SEL})" },
  { metric: "container_restarts", query: "sum by (LABEL) (increase(kube_pod_container_status_restarts_total{SEL}[5m]))" },
  { metric: "db_pool_utilization", query: "max by (LABEL) (db_pool_connections_active{SEL} / db_pool_connections_max{SEL}) or max by (LABEL) (hikaricp_connections_active{SEL} / hikaricp_connections_max{SEL})" },
  { metric: "db_pool_pending", query: "sum by (LABEL) (db_pool_pending_requests{SEL}) or sum by (LABEL) (hikaricp_connections_pending{SEL})" },
  { metric: "job_failure_ratio", query: 'sum by (LABEL) (rate(jobs_processed_total{SEL,status="failed"}[2m])) / sum by (LABEL) (rate(jobs_processed_total{SEL}[2m]))' },
  { metric: "job_duration_p99", query: 'max by (LABEL) (job_duration_seconds{SEL,quantile="0.99"})' },
  { metric: "queue_backlog", query: "sum by (LABEL) (rabbitmq_queue_messages_ready{SEL})" },
  { metric: "db_query_latency_p99", query: 'max by (LABEL) (db_query_duration_seconds{SEL,quantile="0.99"})' },
  { metric: "db_longest_transaction_seconds", query: "max by (LABEL) (pg_stat_activity_max_tx_duration{SEL})" },
  { metric: "cache_evictions_rate", query: "sum by (LABEL) (rate(redis_evicted_keys_total{SEL}[2m]))" },
  { metric: "up", query: "min by (LABEL) (up{SEL})" },
];

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/`/g, "");

/** Fills a query template for a set of services (the regex in a raw string: no escaping of escapes). */
export function promQueryFor(q: PromMetricQuery, label: string, services: readonly string[]): string {
  const sel = `${label}=~\`${services.map(escapeRegex).join("|")}\``;
  return q.query.replaceAll("SEL", sel).replaceAll("LABEL", label);
}

/** Range-query results → per-service series (pure). Non-finite values become NaN gaps. */
export function seriesFromProm(metric: string, label: string, results: readonly PromRangeSeries[], into: Map<string, MetricSeries[]>): void {
  for (const r of results) {
    const service = r.labels[label];
    if (!service || r.values.length === 0) continue;
    const timestamps = [...r.timestamps];
    const values = r.values.map((v) => (Number.isFinite(v) ? v : Number.NaN));
    let list = into.get(service);
    if (!list) into.set(service, (list = []));
    // `A or B` can return both for one service in theory; keep the first.
    if (!list.some((s) => s.metric === metric)) list.push({ metric, timestamps, values });
  }
}

export interface MetricsToolsetOptions {
  /** The label that names the service in Prometheus (default `service`). */
  serviceLabel?: string;
  queries?: PromMetricQuery[];
  /** The CloudWatch dimension that names the service (default `Service`). */
  cloudwatchDimension?: string;
  /** CloudWatch namespaces to look in (default: any). */
  cloudwatchNamespaces?: string[];
  /** Queries run at once. */
  concurrency?: number;
  /** The observed system's clock when Prometheus cannot tell it. */
  now?: () => number;
  disabledReason?: string;
}

export interface ServiceMetricsData {
  services: ServiceMetrics[];
  /** Metric names asked for, per backend. */
  queried: string[];
  sources: Array<"prometheus" | "cloudwatch">;
}

async function pool<T>(items: readonly T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      for (let item = items[i++]; item !== undefined; item = items[i++]) await fn(item);
    }),
  );
}

export interface MetricsTools {
  serviceMetrics: Tool<{ services: string[]; start: string | number; end?: string | number; stepSeconds?: number }, ServiceMetricsData>;
  promqlRange: Tool<{ query: string; start: string | number; end?: string | number; stepSeconds?: number }, PromRangeSeries[]>;
}

/**
 * Metrics of services around an incident window, from Prometheus and/or CloudWatch, in the shape
 * the diagnosis engine reads; plus a raw PromQL range query for the assistant.
 */
export function metricsToolset(ports: ToolsetPorts, o: MetricsToolsetOptions = {}): Toolset & { t: MetricsTools; systemNow(): Promise<number> } {
  const label = o.serviceLabel ?? "service";
  const queries = o.queries ?? DEFAULT_PROM_QUERIES;
  const dimension = o.cloudwatchDimension ?? "Service";
  const availability = (): Availability => (ports.metrics || ports.cloudwatch ? { enabled: true } : { enabled: false, reason: o.disabledReason ?? "no metrics backend is connected (set PROMETHEUS_URL or AWS_REGION, or run the sandbox)" });

  async function fromPrometheus(p: PrometheusReadPort, services: string[], start: Date, end: Date, step: number, into: Map<string, MetricSeries[]>, notes: string[]): Promise<void> {
    const failures: string[] = [];
    await pool(queries, o.concurrency ?? 4, async (q) => {
      try {
        seriesFromProm(q.metric, label, await p.queryRange(promQueryFor(q, label, services), { start, end, stepSeconds: step }), into);
      } catch (e) {
        failures.push(`${q.metric}: ${errorText(e)}`);
      }
    });
    if (failures.length === queries.length) throw new Error(`every Prometheus query failed (${failures[0]})`);
    if (failures.length) notes.push(`Prometheus: ${failures.length} of ${queries.length} queries failed (${failures.slice(0, 2).join("; ")})`);
  }

  async function fromCloudWatch(cw: CloudWatchReadPort, services: string[], start: Date, end: Date, step: number, into: Map<string, MetricSeries[]>): Promise<void> {
    const refs: Array<{ service: string; ref: CloudWatchMetricRef }> = [];
    await pool(services, o.concurrency ?? 4, async (s) => {
      const namespaces = o.cloudwatchNamespaces?.length ? o.cloudwatchNamespaces : [undefined];
      for (const ns of namespaces) {
        for (const ref of await cw.listMetrics({ ...(ns ? { namespace: ns } : {}), dimensions: { [dimension]: s } })) refs.push({ service: s, ref });
      }
    });
    const period = Math.max(60, Math.round(step / 60) * 60);
    for (let i = 0; i < refs.length; i += 500) {
      const batch = refs.slice(i, i + 500);
      const res = await cw.getMetricData(
        batch.map((r, j) => ({ id: `m${i + j}`, namespace: r.ref.namespace, metricName: r.ref.metricName, dimensions: r.ref.dimensions, stat: "Average", periodSeconds: period })),
        { start, end },
      );
      const byId = new Map(res.map((x) => [x.id, x]));
      batch.forEach((r, j) => {
        const d = byId.get(`m${i + j}`);
        if (!d || d.timestamps.length === 0) return;
        const order = d.timestamps.map((t, k) => [t, d.values[k] ?? Number.NaN] as const).sort((x, y) => x[0] - y[0]);
        const extra = Object.entries(r.ref.dimensions)
          .filter(([k]) => k !== dimension)
          .map(([, v]) => v);
        const metric = `${r.ref.namespace}/${r.ref.metricName}${extra.length && !/ContainerInsights/.test(r.ref.namespace) ? `{${extra.join(",")}}` : ""}`;
        let list = into.get(r.service);
        if (!list) into.set(r.service, (list = []));
        if (!list.some((s) => s.metric === metric)) list.push({ metric, timestamps: order.map((x) => x[0]), values: order.map((x) => x[1]) });
      });
    }
  }

  const serviceMetrics = defineTool({
    name: "service_metrics",
    description: "Time series of the given services over a window: error ratio, p99 latency, request rate, CPU, memory, disk, restarts, DB pool, queue backlog… from Prometheus, and from CloudWatch for the services Prometheus has nothing for.",
    parameters: z.object({
      services: z.array(z.string().min(1)).min(1).max(200),
      start: timeArg,
      end: timeArg.optional(),
      stepSeconds: z.number().int().min(5).max(3600).default(60),
    }),
    availability,
    timeoutMs: 25_000,
    run: async (a) => {
      const start = new Date(a.start);
      const end = new Date(a.end ?? (o.now ?? systemClock.now)());
      const into = new Map<string, MetricSeries[]>();
      const notes: string[] = [];
      const sources: ServiceMetricsData["sources"] = [];
      const queried: string[] = [];
      const errors: string[] = [];
      if (ports.metrics) {
        queried.push(...queries.map((q) => q.metric));
        try {
          await fromPrometheus(ports.metrics, a.services, start, end, a.stepSeconds, into, notes);
          sources.push("prometheus");
        } catch (e) {
          errors.push(`Prometheus: ${errorText(e)}`);
        }
      }
      // CloudWatch fills in the services Prometheus has nothing for (the same signal twice would
      // count as two pieces of evidence).
      const rest = a.services.filter((s) => !into.has(s));
      if (ports.cloudwatch && rest.length > 0) {
        try {
          await fromCloudWatch(ports.cloudwatch, rest, start, end, a.stepSeconds, into);
          sources.push("cloudwatch");
        } catch (e) {
          errors.push(`CloudWatch: ${errorText(e)}`);
        }
      }
      if (sources.length === 0 && errors.length) throw new Error(errors.join("; "));
      notes.push(...errors);
      const services = [...into.entries()].map(([service, series]) => ({ service, series })).sort((x, y) => x.service.localeCompare(y.service));
      if (services.length === 0) return noData(`no metrics for ${a.services.join(", ")} between ${utcTimeOfDay(start.getTime())} and ${utcTimeOfDay(end.getTime())}`);
      const missing = a.services.filter((s) => !into.has(s));
      if (missing.length) notes.push(`no metrics for ${missing.join(", ")}`);
      const n = services.reduce((k, s) => k + s.series.length, 0);
      return ok({ services, queried, sources }, `${n} series for ${plural(services.length, "service")} from ${sources.join(" and ")}`, notes);
    },
  });

  const promqlRange = defineTool({
    name: "promql_range",
    description: "A raw PromQL range query (Prometheus only).",
    parameters: z.object({ query: z.string().min(1).max(2000), start: timeArg, end: timeArg.optional(), stepSeconds: z.number().int().min(5).max(3600).default(60) }),
    availability: (): Availability => (ports.metrics ? { enabled: true } : { enabled: false, reason: "Prometheus is not connected (set PROMETHEUS_URL, or run the sandbox)" }),
    run: async (a) => {
      const res = await ports.metrics!.queryRange(a.query, { start: new Date(a.start), end: new Date(a.end ?? (o.now ?? systemClock.now)()), stepSeconds: a.stepSeconds });
      if (res.length === 0) return noData("the query returned no series");
      return ok(res.slice(0, 50), `${res.length} series${res.length > 50 ? " (first 50)" : ""}`);
    },
  });

  const t: MetricsTools = { serviceMetrics, promqlRange };
  return {
    name: "metrics",
    description: "Service metrics from Prometheus and/or CloudWatch.",
    availability,
    tools: Object.values(t),
    t,
    /**
     * The observed system's clock (unix ms): Prometheus' `time()` when it answers (a simulation runs
     * its own clock), else this host's.
     */
    async systemNow(): Promise<number> {
      try {
        const [s] = (await ports.metrics?.query("time()")) ?? [];
        if (s && Number.isFinite(s.value) && s.value > 0) return s.value * 1000;
      } catch {
        // fall back to the configured clock
      }
      return (o.now ?? systemClock.now)();
    },
  };
}
