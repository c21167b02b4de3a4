import type { MetricsPort } from "../integrations/prometheus/port.ts";
import type { SymptomReading, Verifier } from "./ports.ts";
import type { SymptomCheck } from "./types.ts";

interface CheckSpec {
  what: string;
  query(service: string): string;
  threshold: number;
  /** below: healthy under the threshold; atLeast: healthy at or above it. */
  healthyWhen: "below" | "atLeast";
  format(v: number): string;
}

const pct = (v: number) => `${(v * 100).toFixed(v < 0.01 ? 2 : 1)}%`;
const secs = (v: number) => (v < 1 ? `${Math.round(v * 1000)} ms` : `${v.toFixed(1)} s`);
const sel = (service: string, extra = "") => `{service="${service.replace(/["\\]/g, "")}"${extra}}`;

/**
 * The symptom checks the verifier knows, as PromQL over the usual exporters (HTTP RED metrics,
 * cAdvisor, kube-state-metrics, postgres_exporter). The thresholds match the alert rules' spirit:
 * a check is healthy when the alert that motivated the action would be quiet.
 */
export const SYMPTOM_CHECKS: Record<string, CheckSpec> = {
  error_ratio: {
    what: "5xx ratio",
    query: (s) => `sum(rate(http_requests_total${sel(s, ',code=~"5.."')}[2m])) / sum(rate(http_requests_total${sel(s)}[2m]))`,
    threshold: 0.02,
    healthyWhen: "below",
    format: pct,
  },
  latency_p99: { what: "p99 latency", query: (s) => `max(http_request_latency_seconds${sel(s, ',quantile="0.99"')})`, threshold: 2, healthyWhen: "below", format: secs },
  memory: {
    what: "memory of limit",
    query: (s) => `max(container_memory_working_set_bytes${sel(s, ',container!=""')} / container_spec_memory_limit_bytes${sel(s, ',container!=""')})`,
    threshold: 0.8,
    healthyWhen: "below",
    format: pct,
  },
  cpu: {
    what: "CPU of limit",
    query: (s) => `sum(rate(container_cpu_usage_seconds_total${sel(s)}[2m])) / sum(kube_pod_container_resource_limits${sel(s, ',resource="cpu"')})`,
    threshold: 0.85,
    healthyWhen: "below",
    format: pct,
  },
  restarts: { what: "restarts in 5 min", query: (s) => `sum(increase(kube_pod_container_status_restarts_total${sel(s)}[5m]))`, threshold: 1, healthyWhen: "below", format: (v) => v.toFixed(0) },
  ready: { what: "ready pods (share)", query: (s) => `avg(kube_pod_container_status_ready${sel(s)})`, threshold: 1, healthyWhen: "atLeast", format: pct },
  db_long_query: { what: "longest statement", query: (s) => `max(pg_stat_activity_max_tx_duration${sel(s)})`, threshold: 300, healthyWhen: "below", format: secs },
  db_query_latency: { what: "query p99", query: (s) => `max(db_query_duration_seconds${sel(s, ',quantile="0.99"')})`, threshold: 0.25, healthyWhen: "below", format: secs },
  queue_backlog: { what: "messages waiting", query: (s) => `sum(rabbitmq_queue_messages_ready${sel(s)})`, threshold: 2000, healthyWhen: "below", format: (v) => v.toFixed(0) },
};

/** Reads symptoms from a Prometheus-compatible metrics port (the sandbox's simulated Prometheus included). */
export class MetricsVerifier implements Verifier {
  private readonly metrics: MetricsPort;
  constructor(metrics: MetricsPort) {
    this.metrics = metrics;
  }

  async read(symptoms: SymptomCheck[]): Promise<SymptomReading[]> {
    return Promise.all(symptoms.map((c) => this.readOne(c)));
  }

  private async readOne(check: SymptomCheck): Promise<SymptomReading> {
    const spec: CheckSpec | undefined = check.query ? { what: check.check, query: (s) => check.query!.replaceAll("$service", s), threshold: check.below ?? 1, healthyWhen: "below", format: (v) => String(Math.round(v * 1000) / 1000) } : SYMPTOM_CHECKS[check.check];
    const label = `${check.service} ${spec?.what ?? check.check}`;
    if (!spec) return { check, healthy: undefined, summary: `${label}: unknown check (known: ${Object.keys(SYMPTOM_CHECKS).join(", ")})` };
    const threshold = check.below ?? spec.threshold;
    let values: number[];
    try {
      values = (await this.metrics.query(spec.query(check.service))).map((s) => s.value).filter((v) => Number.isFinite(v));
    } catch (e) {
      return { check, healthy: undefined, summary: `${label}: query failed (${e instanceof Error ? e.message : String(e)})` };
    }
    if (values.length === 0) return { check, healthy: undefined, summary: `${label}: no data` };
    const value = spec.healthyWhen === "below" ? Math.max(...values) : Math.min(...values);
    const healthy = spec.healthyWhen === "below" ? value < threshold : value >= threshold;
    return { check, healthy, value, summary: `${label} ${spec.format(value)} (${spec.healthyWhen === "below" ? "<" : "≥"} ${spec.format(threshold)} ${healthy ? "ok" : "not ok"})` };
  }
}
