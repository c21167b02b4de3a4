import { CLUSTER, isHttp, NAMESPACE, SERVICES, type ServiceSpec } from "../catalog.ts";
import { isPodReady } from "../world/rollout.ts";
import { latencyCdf, type Signals } from "../world/signals.ts";
import { STEP_MS, type World } from "../world/world.ts";
import type { Labels, SeriesStore } from "./series-store.ts";

export const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const QUANTILES = ["0.5", "0.95", "0.99"];
const MiB = 1024 * 1024;
/** Hidden series for CloudWatch (not served by the Prometheus API). */
export const CW_PREFIX = "cw:";

export const ALB = "app/shop-prod-alb/5f1e0c2a9d3b4e71";
export const RDS_INSTANCE = "orders-db";
export const CACHE_CLUSTER = "shop-cache-001";
export const MQ_BROKER = "shop-queue";

const FAMILIES: Array<[string, "counter" | "gauge" | "histogram", string]> = [
  ["http_requests_total", "counter", "HTTP requests served, by status code."],
  ["http_request_duration_seconds", "histogram", "HTTP request latency."],
  ["http_request_latency_seconds", "gauge", "HTTP request latency quantiles over the last 15s (precomputed)."],
  ["jobs_processed_total", "counter", "Queue messages processed by the worker, by outcome."],
  ["job_duration_seconds", "gauge", "Worker message processing time quantiles (precomputed)."],
  ["up", "gauge", "1 when the service has a ready endpoint."],
  ["container_cpu_usage_seconds_total", "counter", "Cumulative CPU time consumed (cAdvisor)."],
  ["container_memory_working_set_bytes", "gauge", "Current working set (cAdvisor)."],
  ["container_spec_memory_limit_bytes", "gauge", "Memory limit of the container (cAdvisor)."],
  ["container_fs_usage_bytes", "gauge", "Bytes used on the container's writable volume (cAdvisor)."],
  ["container_fs_limit_bytes", "gauge", "Size of the container's writable volume (cAdvisor)."],
  ["kube_pod_container_status_restarts_total", "counter", "Container restarts (kube-state-metrics)."],
  ["kube_pod_container_status_ready", "gauge", "1 when the container's readiness check passes."],
  ["kube_pod_container_status_waiting_reason", "gauge", "1 while the container waits, by reason."],
  ["kube_pod_container_status_last_terminated_reason", "gauge", "Reason the container last terminated."],
  ["kube_pod_container_resource_limits", "gauge", "Container resource limits."],
  ["kube_pod_status_phase", "gauge", "Pod phase."],
  ["kube_deployment_spec_replicas", "gauge", "Desired replicas."],
  ["kube_deployment_status_replicas_available", "gauge", "Available replicas."],
  ["kube_deployment_status_replicas_updated", "gauge", "Replicas on the newest ReplicaSet."],
  ["kube_job_status_active", "gauge", "Active pods of a Job."],
  ["kube_job_status_failed", "gauge", "Failed pods of a Job."],
  ["kubelet_volume_stats_used_bytes", "gauge", "Bytes used on a persistent volume."],
  ["kubelet_volume_stats_capacity_bytes", "gauge", "Capacity of a persistent volume."],
  ["pg_up", "gauge", "PostgreSQL reachable."],
  ["pg_stat_activity_count", "gauge", "Backends by state (postgres_exporter)."],
  ["pg_stat_activity_max_tx_duration", "gauge", "Longest running transaction in seconds."],
  ["pg_settings_max_connections", "gauge", "max_connections."],
  ["pg_stat_database_xact_commit_total", "counter", "Committed transactions."],
  ["pg_stat_database_xact_rollback_total", "counter", "Rolled back transactions."],
  ["db_query_duration_seconds", "gauge", "Statement latency quantiles on orders-db (precomputed)."],
  ["db_pool_connections_active", "gauge", "Client-side pool connections in use."],
  ["db_pool_connections_max", "gauge", "Client-side pool size."],
  ["db_pool_pending_requests", "gauge", "Requests waiting for a pool connection."],
  ["redis_up", "gauge", "Redis reachable."],
  ["redis_connected_clients", "gauge", "Connected clients."],
  ["redis_memory_used_bytes", "gauge", "Memory used."],
  ["redis_memory_max_bytes", "gauge", "maxmemory."],
  ["redis_commands_processed_total", "counter", "Commands processed."],
  ["redis_keyspace_hits_total", "counter", "Keyspace hits."],
  ["redis_keyspace_misses_total", "counter", "Keyspace misses."],
  ["redis_evicted_keys_total", "counter", "Keys evicted by maxmemory policy."],
  ["rabbitmq_queue_messages_ready", "gauge", "Messages ready for delivery."],
  ["rabbitmq_queue_messages_unacked", "gauge", "Messages delivered, not yet acknowledged."],
  ["rabbitmq_queue_consumers", "gauge", "Consumers on the queue."],
  ["rabbitmq_queue_messages_published_total", "counter", "Messages published."],
  ["rabbitmq_queue_messages_delivered_total", "counter", "Messages delivered to consumers."],
  ["traces_service_graph_request_total", "counter", "Requests between two nodes of the service graph (Tempo / OpenTelemetry servicegraph connector)."],
  ["traces_service_graph_request_failed_total", "counter", "Failed requests between two nodes of the service graph."],
  ["istio_requests_total", "counter", "Requests seen by the Istio sidecar (HTTP/gRPC)."],
  ["istio_tcp_sent_bytes_total", "counter", "Bytes sent over TCP connections seen by the Istio sidecar."],
];

/** Mean bytes a client sends per call over plain TCP (SQL statement, Redis command, AMQP publish). */
const TCP_BYTES_PER_CALL: Record<string, number> = { database: 620, cache: 90, queue: 1400 };

/** Writes one step of every metric into the series store (Prometheus families and CloudWatch ones). */
export class MetricEmitter {
  private readonly counters = new Map<string, number>();
  private readonly store: SeriesStore;

  constructor(store: SeriesStore) {
    this.store = store;
    for (const [name, type, help] of FAMILIES) store.family(name, type, help);
  }

  private counter(name: string, labels: Labels, inc: number): void {
    const ref = this.store.ref(name, labels);
    const v = (this.counters.get(ref.key) ?? 0) + Math.max(0, inc);
    this.counters.set(ref.key, v);
    this.store.setRef(ref, name, labels, Math.round(v * 1000) / 1000);
  }

  private gauge(name: string, labels: Labels, v: number): void {
    this.store.set(name, labels, v);
  }

  private cw(namespace: string, metric: string, dims: Labels, v: number): void {
    this.store.set(`${CW_PREFIX}${namespace}:${metric}`, dims, v);
  }

  emit(w: World): void {
    this.store.beginStep(this.store.stepOf(w.now));
    const stepS = STEP_MS / 1000;
    for (const s of SERVICES) {
      const sig = w.signals.get(s.name)!;
      const base: Labels = { namespace: NAMESPACE, service: s.name };
      if (isHttp(s)) this.http(s, sig, base, stepS);
      if (s.kind !== "job") this.gauge("up", { ...base, job: s.name }, sig.readyPods > 0 ? 1 : 0);
      this.cwService(s, sig, stepS);
    }
    this.serviceGraph(w, stepS);
    this.worker(w, stepS);
    this.database(w, stepS);
    this.cache(w, stepS);
    this.queue(w, stepS);
    this.pods(w);
    this.workloads(w);
  }

  private http(s: ServiceSpec, sig: Signals, base: Labels, stepS: number): void {
    const reqs = sig.rps * stepS;
    this.counter("http_requests_total", { ...base, code: "200" }, reqs * (1 - sig.errorRatio));
    for (const code of ["500", "502", "503", "504"]) {
      const share = sig.codes[code] ?? 0;
      if (share > 0 || this.counters.has(this.store.keyOf("http_requests_total", { ...base, code }))) this.counter("http_requests_total", { ...base, code }, reqs * share);
    }
    const fastP99 = Math.max(sig.p50 * 1.01, sig.slow.fraction > 0.01 ? sig.p95 : sig.p99);
    const sigma = Math.max(0.05, Math.log(fastP99 / Math.max(sig.p50, 1e-6)) / 2.326);
    const dist = { p50: sig.p50, sigma, slow: sig.slow };
    for (const le of BUCKETS) this.counter("http_request_duration_seconds_bucket", { ...base, le: String(le) }, reqs * latencyCdf(dist, le));
    this.counter("http_request_duration_seconds_bucket", { ...base, le: "+Inf" }, reqs);
    const mean = (1 - sig.slow.fraction) * sig.p50 * Math.exp((sigma * sigma) / 2) + sig.slow.fraction * sig.slow.seconds;
    this.counter("http_request_duration_seconds_sum", base, reqs * mean);
    this.counter("http_request_duration_seconds_count", base, reqs);
    this.gauge("http_request_latency_seconds", { ...base, quantile: "0.5" }, sig.p50);
    this.gauge("http_request_latency_seconds", { ...base, quantile: "0.95" }, sig.p95);
    this.gauge("http_request_latency_seconds", { ...base, quantile: "0.99" }, sig.p99);
  }

  /**
   * Call-graph metrics, per caller → callee with traffic: Tempo's service graph (from traces of
   * every instrumented service, the nightly job included) and the Istio sidecars' request and TCP
   * metrics (meshed Deployments and StatefulSets only; the external card processor is reached
   * through its ExternalName Service, so Istio knows no workload behind it).
   */
  private serviceGraph(w: World, stepS: number): void {
    for (const s of SERVICES) {
      const sig = w.signals.get(s.name)!;
      for (const call of s.calls) {
        const to = SERVICES.find((x) => x.name === call.to)!;
        const calls = sig.rps * call.perRequest * stepS;
        const failed = calls * (w.signals.get(to.name)?.errorRatio ?? 0);
        const edge = { client: s.name, server: to.name, connection_type: to.kind === "database" ? "database" : to.kind === "queue" ? "messaging_system" : "" };
        if (calls > 0 || this.counters.has(this.store.keyOf("traces_service_graph_request_total", edge))) {
          this.counter("traces_service_graph_request_total", edge, calls);
          this.counter("traces_service_graph_request_failed_total", edge, failed);
        }
        if (s.workload === "CronJob" || s.workload === "External") continue;
        const meshed = to.workload !== "External";
        const labels = {
          reporter: "source",
          source_workload: s.name,
          source_workload_namespace: NAMESPACE,
          source_canonical_service: s.name,
          source_app: s.name,
          destination_workload: meshed ? to.name : "unknown",
          destination_workload_namespace: meshed ? NAMESPACE : "unknown",
          destination_canonical_service: meshed ? to.name : "unknown",
          destination_service: `${to.name}.${NAMESPACE}.svc.cluster.local`,
          destination_service_name: to.name,
          destination_service_namespace: NAMESPACE,
        };
        if (isHttp(to)) {
          const ok = { ...labels, request_protocol: "http", response_code: "200" };
          const bad = { ...labels, request_protocol: "http", response_code: "503" };
          if (calls > 0 || this.counters.has(this.store.keyOf("istio_requests_total", ok))) this.counter("istio_requests_total", ok, calls - failed);
          if (failed > 0 || this.counters.has(this.store.keyOf("istio_requests_total", bad))) this.counter("istio_requests_total", bad, failed);
        } else {
          const tcp = { ...labels, request_protocol: "tcp" };
          if (calls > 0 || this.counters.has(this.store.keyOf("istio_tcp_sent_bytes_total", tcp))) this.counter("istio_tcp_sent_bytes_total", tcp, calls * (TCP_BYTES_PER_CALL[to.kind] ?? 500));
        }
      }
    }
  }

  private cwService(s: ServiceSpec, sig: Signals, stepS: number): void {
    if (s.kind === "job") return;
    const dims = { Service: s.name };
    const reqs = sig.rps * stepS;
    this.cw("AcmeShop/Services", "RequestCount", dims, reqs);
    this.cw("AcmeShop/Services", "ErrorCount", dims, reqs * sig.errorRatio);
    this.cw("AcmeShop/Services", "ErrorRate", dims, sig.errorRatio * 100);
    this.cw("AcmeShop/Services", "LatencyP50", dims, sig.p50 * 1000);
    this.cw("AcmeShop/Services", "LatencyP95", dims, sig.p95 * 1000);
    this.cw("AcmeShop/Services", "LatencyP99", dims, sig.p99 * 1000);
    if (s.name === "frontend") {
      const alb = { LoadBalancer: ALB };
      this.cw("AWS/ApplicationELB", "RequestCount", alb, reqs);
      this.cw("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", alb, reqs * (sig.errorRatio - (sig.codes["503"] ?? 0)));
      this.cw("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", alb, reqs * (sig.codes["503"] ?? 0));
      this.cw("AWS/ApplicationELB", "HTTPCode_Target_2XX_Count", alb, reqs * (1 - sig.errorRatio));
      this.cw("AWS/ApplicationELB", "TargetResponseTime", alb, sig.p50 * Math.exp(0.5 * sig.sigma * sig.sigma));
      this.cw("AWS/ApplicationELB", "HealthyHostCount", alb, sig.readyPods);
    }
  }

  private worker(w: World, stepS: number): void {
    const sig = w.signals.get("order-processor")!;
    const base = { namespace: NAMESPACE, service: "order-processor" };
    const n = sig.rps * stepS;
    this.counter("jobs_processed_total", { ...base, status: "succeeded" }, n * (1 - sig.errorRatio));
    this.counter("jobs_processed_total", { ...base, status: "failed" }, n * sig.errorRatio);
    this.gauge("job_duration_seconds", { ...base, quantile: "0.5" }, sig.p50);
    this.gauge("job_duration_seconds", { ...base, quantile: "0.95" }, sig.p95);
    this.gauge("job_duration_seconds", { ...base, quantile: "0.99" }, sig.p99);
  }

  private database(w: World, stepS: number): void {
    const sig = w.signals.get("orders-db")!;
    const base = { namespace: NAMESPACE, service: "orders-db" };
    const db = { ...base, datname: "orders" };
    const up = sig.readyPods > 0 ? 1 : 0;
    this.gauge("pg_up", base, up);
    let clientConns = 0;
    for (const s of SERVICES) {
      const c = w.signals.get(s.name)!;
      if (c.poolMax <= 0) continue;
      clientConns += c.poolInUse;
      const labels = { namespace: NAMESPACE, service: s.name, pool: "orders-db" };
      this.gauge("db_pool_connections_active", labels, Math.round(c.poolInUse));
      this.gauge("db_pool_connections_max", labels, c.poolMax);
      this.gauge("db_pool_pending_requests", labels, Math.round(c.slow.fraction * c.rps * 2));
    }
    const active = Math.round(Math.min(200, sig.rps * sig.p50 * 1.5 + w.db.queries.length + 2));
    this.gauge("pg_stat_activity_count", { ...db, state: "active" }, active);
    this.gauge("pg_stat_activity_count", { ...db, state: "idle" }, Math.max(0, Math.round(clientConns + 12 - active)));
    this.gauge("pg_stat_activity_count", { ...db, state: "idle in transaction" }, Math.round(w.db.queries.filter((q) => q.state !== "active").length));
    this.gauge("pg_stat_activity_max_tx_duration", { ...db, state: "active" }, w.db.longestSeconds(w.now));
    this.gauge("pg_settings_max_connections", base, 200);
    this.counter("pg_stat_database_xact_commit_total", db, sig.rps * stepS * (1 - sig.errorRatio));
    this.counter("pg_stat_database_xact_rollback_total", db, sig.rps * stepS * sig.errorRatio + 0.01);
    this.gauge("db_query_duration_seconds", { ...base, quantile: "0.5" }, sig.p50);
    this.gauge("db_query_duration_seconds", { ...base, quantile: "0.95" }, sig.p95);
    this.gauge("db_query_duration_seconds", { ...base, quantile: "0.99" }, sig.p99);
    const dims = { DBInstanceIdentifier: RDS_INSTANCE };
    this.cw("AWS/RDS", "CPUUtilization", dims, Math.min(100, (sig.cpuCores / 4) * 100));
    this.cw("AWS/RDS", "DatabaseConnections", dims, Math.round(clientConns + 12 + w.db.queries.length));
    this.cw("AWS/RDS", "ReadLatency", dims, sig.p50);
    this.cw("AWS/RDS", "WriteLatency", dims, sig.p50 * 1.3);
    this.cw("AWS/RDS", "ReadIOPS", dims, sig.rps * 0.6);
    const pod = w.cluster.pods.get("orders-db-0");
    if (pod) this.cw("AWS/RDS", "FreeStorageSpace", dims, 200 * 1024 ** 3 - pod.diskBytes);
  }

  private cache(w: World, stepS: number): void {
    const sig = w.signals.get("cache")!;
    const base = { namespace: NAMESPACE, service: "cache" };
    const ops = sig.rps * stepS;
    this.gauge("redis_up", base, sig.readyPods > 0 ? 1 : 0);
    this.gauge("redis_connected_clients", base, 40 + (w.signals.get("cart")!.readyPods + w.signals.get("inventory")!.readyPods + w.signals.get("catalog")!.readyPods) * 4);
    this.gauge("redis_memory_used_bytes", base, 1450 * MiB + (w.cacheEvictionsPerSec > 5 ? 2500 * MiB : 0));
    this.gauge("redis_memory_max_bytes", base, 4000 * MiB);
    this.counter("redis_commands_processed_total", base, ops);
    const hit = w.cacheEvictionsPerSec > 5 ? 0.86 : 0.94;
    this.counter("redis_keyspace_hits_total", base, ops * 0.7 * hit);
    this.counter("redis_keyspace_misses_total", base, ops * 0.7 * (1 - hit));
    this.counter("redis_evicted_keys_total", base, w.cacheEvictionsPerSec * stepS);
    const dims = { CacheClusterId: CACHE_CLUSTER };
    this.cw("AWS/ElastiCache", "EngineCPUUtilization", dims, Math.min(100, sig.cpuCores * 100));
    this.cw("AWS/ElastiCache", "CurrConnections", dims, 40 + 44);
    this.cw("AWS/ElastiCache", "Evictions", dims, w.cacheEvictionsPerSec * stepS);
    this.cw("AWS/ElastiCache", "CacheHits", dims, ops * 0.7 * hit);
    this.cw("AWS/ElastiCache", "CacheMisses", dims, ops * 0.7 * (1 - hit));
  }

  private queue(w: World, stepS: number): void {
    const labels = { namespace: NAMESPACE, service: "queue", queue: "orders", vhost: "/" };
    this.gauge("rabbitmq_queue_messages_ready", labels, Math.round(w.queueDepth));
    this.gauge("rabbitmq_queue_messages_unacked", labels, w.readyPods("order-processor").length * 10);
    this.gauge("rabbitmq_queue_consumers", labels, w.readyPods("order-processor").length);
    this.counter("rabbitmq_queue_messages_published_total", labels, w.queueIn * stepS);
    this.counter("rabbitmq_queue_messages_delivered_total", labels, w.queueOut * stepS);
    const dims = { Broker: MQ_BROKER, VirtualHost: "/", Queue: "orders" };
    this.cw("AWS/AmazonMQ", "MessageReadyCount", dims, Math.round(w.queueDepth));
    this.cw("AWS/AmazonMQ", "ConsumerCount", dims, w.readyPods("order-processor").length);
    this.cw("AWS/AmazonMQ", "PublishRate", dims, w.queueIn);
    this.cw("AWS/AmazonMQ", "AckRate", dims, w.queueOut);
  }

  private pods(w: World): void {
    const perService = new Map<string, { cpu: number; limitCpu: number; mem: number; limitMem: number; restarts: number; running: number }>();
    for (const p of w.cluster.pods.values()) {
      const s = SERVICES.find((x) => x.name === p.service)!;
      const labels = { namespace: p.namespace, pod: p.name, container: p.service, service: p.service };
      const phase = p.phase === "Running" && p.waiting ? "Running" : p.phase;
      this.gauge("kube_pod_status_phase", { namespace: p.namespace, pod: p.name, service: p.service, phase }, 1);
      if (p.phase === "Pending") continue;
      this.store.set("container_cpu_usage_seconds_total", labels, Math.round(p.cpuSecondsTotal * 1000) / 1000);
      this.gauge("container_memory_working_set_bytes", labels, Math.round(p.memBytes));
      this.gauge("container_spec_memory_limit_bytes", labels, s.memLimitMiB * MiB);
      this.gauge("container_fs_usage_bytes", labels, Math.round(p.diskBytes));
      this.gauge("container_fs_limit_bytes", labels, s.diskBytes);
      this.store.set("kube_pod_container_status_restarts_total", labels, p.restartCount);
      this.gauge("kube_pod_container_status_ready", labels, isPodReady(p, w.now) ? 1 : 0);
      if (p.waiting) this.gauge("kube_pod_container_status_waiting_reason", { ...labels, reason: p.waiting.reason }, 1);
      if (p.lastTerminated) this.gauge("kube_pod_container_status_last_terminated_reason", { ...labels, reason: p.lastTerminated.reason }, 1);
      this.gauge("kube_pod_container_resource_limits", { ...labels, resource: "cpu", unit: "core" }, s.cpuLimitCores);
      this.gauge("kube_pod_container_resource_limits", { ...labels, resource: "memory", unit: "byte" }, s.memLimitMiB * MiB);
      if (p.phase !== "Running") continue;
      const agg = perService.get(s.name) ?? { cpu: 0, limitCpu: 0, mem: 0, limitMem: 0, restarts: 0, running: 0 };
      agg.cpu += p.cpuCores;
      agg.limitCpu += s.cpuLimitCores;
      agg.mem += p.memBytes;
      agg.limitMem += s.memLimitMiB * MiB;
      agg.restarts += p.restartCount;
      agg.running += isPodReady(p, w.now) ? 1 : 0;
      perService.set(s.name, agg);
    }
    for (const [service, a] of perService) {
      const dims = { ClusterName: CLUSTER, Namespace: NAMESPACE, Service: service };
      this.cw("ContainerInsights", "pod_cpu_utilization", dims, (a.cpu / Math.max(a.limitCpu, 1e-9)) * 100);
      this.cw("ContainerInsights", "pod_memory_utilization", dims, (a.mem / Math.max(a.limitMem, 1)) * 100);
      this.cw("ContainerInsights", "pod_number_of_container_restarts", dims, a.restarts);
      this.cw("ContainerInsights", "service_number_of_running_pods", dims, a.running);
    }
  }

  private workloads(w: World): void {
    for (const dep of w.cluster.deployments.values()) {
      const labels = { namespace: NAMESPACE, deployment: dep.metadata.name, service: dep.metadata.name };
      this.gauge("kube_deployment_spec_replicas", labels, dep.spec.replicas ?? 1);
      this.gauge("kube_deployment_status_replicas_available", labels, dep.status?.availableReplicas ?? 0);
      this.gauge("kube_deployment_status_replicas_updated", labels, dep.status?.updatedReplicas ?? 0);
    }
    for (const job of w.cluster.jobs.values()) {
      const labels = { namespace: NAMESPACE, job_name: job.metadata.name, service: "reporting" };
      this.gauge("kube_job_status_active", labels, job.status?.active ?? 0);
      this.gauge("kube_job_status_failed", labels, job.status?.failed ?? 0);
    }
    for (const name of ["orders-db", "cache", "queue"]) {
      const pod = w.cluster.pods.get(`${name}-0`);
      const s = SERVICES.find((x) => x.name === name)!;
      if (!pod) continue;
      const labels = { namespace: NAMESPACE, persistentvolumeclaim: `data-${name}-0`, service: name };
      this.gauge("kubelet_volume_stats_used_bytes", labels, Math.round(pod.diskBytes));
      this.gauge("kubelet_volume_stats_capacity_bytes", labels, s.diskBytes);
    }
  }
}
