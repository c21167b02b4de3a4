import type { ClusterEvent, DeploymentSummary, PodSummary, RolloutRevision } from "../integrations/kubernetes/port.ts";
import type { PagerDutyOncall } from "../integrations/pagerduty/port.ts";
import type { ServiceMetrics } from "../domain/metrics.ts";
import { DEFAULT_PROM_QUERIES, type PromMetricQuery } from "./metrics.ts";
import type { KubernetesReadPort, OncallReadPort, PrometheusReadPort, ToolsetPorts } from "./ports.ts";

/**
 * In-memory read ports over plain data (tests, the bench, replaying a recorded incident): a
 * Prometheus that answers the toolset's per-service queries from series named like them
 * (`error_ratio`, `latency_p99`, …), a cluster of pods, events, logs and rollout history, and an
 * on-call list. `calls` counts what was asked.
 */
export interface MemoryWorld {
  /** Series per service, named like the metrics toolset's queries; unix seconds. */
  metrics?: ServiceMetrics[];
  pods?: PodSummary[];
  deployments?: DeploymentSummary[];
  events?: ClusterEvent[];
  /** Log text per pod name (lines with a `timestamps=true` prefix, or any text). */
  logs?: Record<string, string>;
  previousLogs?: Record<string, string>;
  revisions?: Record<string, RolloutRevision[]>;
  oncall?: Record<string, PagerDutyOncall[]>;
  /** The system's clock (unix ms) that `time()` answers. */
  now?: number;
  queries?: PromMetricQuery[];
  /** Label that names the service (default `service`). */
  label?: string;
}

export interface MemoryPorts extends Required<Pick<ToolsetPorts, "kubernetes" | "metrics" | "pagerduty">> {
  calls: Record<string, number>;
}

export function memoryPorts(w: MemoryWorld): MemoryPorts {
  const calls: Record<string, number> = {};
  const count = (k: string) => (calls[k] = (calls[k] ?? 0) + 1);
  const label = w.label ?? "service";
  const queries = w.queries ?? DEFAULT_PROM_QUERIES;
  const metrics: PrometheusReadPort = {
    async query(promql) {
      count("query");
      if (promql.trim() === "time()") return [{ labels: {}, timestamp: (w.now ?? Date.now()) / 1000, value: (w.now ?? Date.now()) / 1000 }];
      return [];
    },
    async queryRange(promql, o) {
      count("queryRange");
      // Read at every call: a test may move the world on.
      const byService = new Map((w.metrics ?? []).map((s) => [s.service, s]));
      const sel = new RegExp(`${label}=~\`([^\`]*)\``).exec(promql);
      const services = sel?.[1] !== undefined ? sel[1].split("|").map((s) => s.replace(/\\(.)/g, "$1")) : [...byService.keys()];
      // Which of the toolset's queries this is: its template with these services filled in.
      const q = queries.find((x) => promql === x.query.replaceAll("SEL", sel ? sel[0] : "").replaceAll("LABEL", label));
      if (!q) return [];
      const from = o.start.getTime() / 1000;
      const to = o.end.getTime() / 1000;
      const out = [];
      for (const s of services) {
        const series = byService.get(s)?.series.find((x) => x.metric === q.metric);
        if (!series) continue;
        const points = series.timestamps.flatMap((t, i) => (t >= from && t <= to ? [{ t, v: series.values[i] ?? Number.NaN }] : []));
        if (points.length) out.push({ labels: { [label]: s }, timestamps: points.map((p) => p.t), values: points.map((p) => p.v) });
      }
      return out;
    },
  };
  const kubernetes: KubernetesReadPort = {
    async listDeployments(namespace) {
      count("listDeployments");
      return (w.deployments ?? []).filter((d) => !namespace || d.namespace === namespace);
    },
    async listPods(namespace, o) {
      count("listPods");
      return (w.pods ?? []).filter((p) => (!namespace || p.namespace === namespace) && (!o?.deployment || p.deployment === o.deployment));
    },
    async podLogs(_namespace, pod, o) {
      count("podLogs");
      const text = (o?.previous ? w.previousLogs : w.logs)?.[pod];
      if (text === undefined) {
        if (o?.previous) throw new Error(`previous terminated container "${pod}" not found`);
        return "";
      }
      const lines = text.split("\n").filter(Boolean);
      return lines.slice(-(o?.tailLines ?? lines.length)).join("\n");
    },
    async events(namespace, o) {
      count("events");
      return (w.events ?? []).filter((e) => (!namespace || e.namespace === namespace) && (!o?.objectName || e.object.name === o.objectName)).slice(0, o?.limit ?? 500);
    },
    async rolloutHistory(_namespace, deployment) {
      count("rolloutHistory");
      return w.revisions?.[deployment] ?? [];
    },
  };
  const pagerduty: OncallReadPort = {
    async listOncalls(service) {
      count("listOncalls");
      return w.oncall?.[service] ?? [];
    },
  };
  return { metrics, kubernetes, pagerduty, calls };
}

/** A pod as the Kubernetes adapter summarises it, with sensible defaults. */
export function memoryPod(p: Partial<PodSummary> & { name: string; service: string }): PodSummary {
  const { service, ...rest } = p;
  return {
    namespace: "prod",
    phase: "Running",
    status: "Running",
    ready: true,
    restarts: 0,
    labels: { app: service },
    owner: { kind: "ReplicaSet", name: `${service}-5d8f7c9b6` },
    deployment: service,
    containers: [{ name: service, image: `registry.example/${service}:1.0.0`, ready: p.ready ?? true, restartCount: p.restarts ?? 0, state: "running" }],
    ...rest,
  };
}
