/** A Prometheus alerting rule, evaluated by the simulation over its own metrics. */
export interface AlertRule {
  alert: string;
  expr: string;
  /** How long the condition must hold before the alert fires (sim ms). */
  forMs: number;
  labels: Record<string, string>;
  annotations: { summary: string; description: string; runbook_url?: string };
}

const RUNBOOKS = "https://runbooks.acme-shop.io/alerts";
const M = 60_000;

function rule(alert: string, expr: string, forMs: number, severity: string, summary: string, description: string): AlertRule {
  return { alert, expr, forMs, labels: { severity }, annotations: { summary, description, runbook_url: `${RUNBOOKS}/${alert.toLowerCase()}` } };
}

/**
 * The shop's alerting rules. User-facing SLO alerts (frontend, checkout) have short `for`s; internal
 * ones wait longer, as in most real setups; so a fault deep in the graph usually pages first at the
 * edge. Memory alerts fire at 90% of the limit (late: an anomaly detector sees the climb sooner).
 */
export const ALERT_RULES: AlertRule[] = [
  rule(
    "SLOErrorBudgetBurn",
    'sum by (service) (rate(http_requests_total{service=~"frontend|checkout",code=~"5.."}[2m])) / sum by (service) (rate(http_requests_total{service=~"frontend|checkout"}[2m])) > 0.02',
    1 * M,
    "critical",
    "{{ $labels.service }} is burning its error budget: {{ $value | humanizePercentage }} of requests fail",
    "More than 2% of {{ $labels.service }} requests returned 5xx over the last 2 minutes (SLO 99.5%).",
  ),
  rule(
    "HighErrorRate",
    'sum by (service) (rate(http_requests_total{service!~"frontend|checkout",code=~"5.."}[5m])) / sum by (service) (rate(http_requests_total{service!~"frontend|checkout"}[5m])) > 0.05',
    3 * M,
    "critical",
    "High 5xx rate on {{ $labels.service }}: {{ $value | humanizePercentage }}",
    "{{ $labels.service }} has returned more than 5% 5xx responses for 3 minutes.",
  ),
  rule(
    "HighLatencyP99",
    'histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket{service!="payment-provider"}[5m]))) > 2',
    5 * M,
    "warning",
    "p99 latency of {{ $labels.service }} is {{ $value | humanizeDuration }}",
    "The 99th percentile latency of {{ $labels.service }} has been above 2s for 5 minutes.",
  ),
  rule(
    "PostgresHighCPU",
    'sum by (service) (rate(container_cpu_usage_seconds_total{service="orders-db"}[2m])) / sum by (service) (kube_pod_container_resource_limits{service="orders-db",resource="cpu"}) > 0.85',
    3 * M,
    "critical",
    "orders-db CPU at {{ $value | humanizePercentage }} of its limit",
    "PostgreSQL (orders-db) has used more than 85% of its CPU limit for 3 minutes.",
  ),
  rule(
    "PostgresLongRunningQuery",
    'max by (service, datname) (pg_stat_activity_max_tx_duration{service="orders-db"}) > 300',
    1 * M,
    "warning",
    "A statement on orders-db has been running for {{ $value | humanizeDuration }}",
    "A transaction on database {{ $labels.datname }} has been active for more than 5 minutes; check pg_stat_activity.",
  ),
  rule(
    "DBConnectionPoolExhausted",
    "db_pool_connections_active / db_pool_connections_max > 0.95",
    5 * M,
    "critical",
    "{{ $labels.service }} database pool to {{ $labels.pool }} is {{ $value | humanizePercentage }} used",
    "The client-side connection pool of {{ $labels.service }} has had almost no free connections for 5 minutes; requests wait for connections and time out.",
  ),
  rule(
    "ContainerMemoryNearLimit",
    'max by (namespace, service, pod, container) (container_memory_working_set_bytes{container!=""}) / max by (namespace, service, pod, container) (container_spec_memory_limit_bytes{container!=""}) > 0.9',
    5 * M,
    "warning",
    "{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit",
    "Container {{ $labels.container }} in pod {{ $labels.pod }} has used more than 90% of its memory limit for 5 minutes; an OOM kill is likely.",
  ),
  rule(
    "KubePodOOMKilled",
    'increase(kube_pod_container_status_restarts_total[10m]) >= 1 and on (namespace, pod, container) kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} == 1',
    0,
    "critical",
    "{{ $labels.pod }} was OOMKilled",
    "Container {{ $labels.container }} in pod {{ $labels.pod }} was killed for exceeding its memory limit and restarted.",
  ),
  rule("KubePodCrashLooping", 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1', 2 * M, "warning", "{{ $labels.pod }} is crash looping", "Container {{ $labels.container }} in pod {{ $labels.pod }} is in CrashLoopBackOff."),
  rule("KubeDeploymentReplicasMismatch", "kube_deployment_spec_replicas > kube_deployment_status_replicas_available", 5 * M, "warning", "Deployment {{ $labels.deployment }} has unavailable replicas", "Deployment {{ $labels.deployment }} has not matched the expected number of available replicas for 5 minutes."),
  rule(
    "PodDiskAlmostFull",
    'max by (namespace, service, pod, container) (container_fs_usage_bytes{container!=""}) / max by (namespace, service, pod, container) (container_fs_limit_bytes{container!=""}) > 0.9',
    2 * M,
    "warning",
    "{{ $labels.pod }} volume is {{ $value | humanizePercentage }} full",
    "The writable volume of {{ $labels.pod }} is more than 90% full; writes will fail with ENOSPC.",
  ),
  rule("OrdersQueueBacklog", 'rabbitmq_queue_messages_ready{queue="orders"} > 2000', 5 * M, "warning", "{{ $value }} orders waiting in the queue", "The orders queue has had more than 2000 ready messages for 5 minutes; order-processor is not keeping up."),
  rule("RedisEvictionsHigh", 'rate(redis_evicted_keys_total{service="cache"}[2m]) > 25', 1 * M, "warning", "Redis is evicting {{ $value | humanize }} keys/s", "The cache is evicting keys under memory pressure (maxmemory-policy allkeys-lru)."),
  rule("ServiceDown", 'up{job!="payment-provider"} == 0', 1 * M, "critical", "{{ $labels.service }} has no ready endpoints", "No pod of {{ $labels.service }} is ready."),
];
