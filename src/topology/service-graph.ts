import type { InstantSample, MetricsPort } from "../integrations/prometheus/port.ts";
import type { SourceObservation } from "../store/repos/topology.ts";
import type { DiscoverySourceName } from "./model.ts";

/** One PromQL query of a mesh or tracing pipeline and how to read caller and callee from its labels. */
interface EdgeQuery {
  metric: string;
  query: (window: string) => string;
  /** Label names tried in order; the first with a real value names the service. */
  from: string[];
  to: string[];
}

const UNKNOWN = new Set(["", "unknown", "unknown_service"]);

/**
 * The call-graph metrics real systems export, by source:
 * - OpenTelemetry / Tempo service graphs: `traces_service_graph_request_total{client, server}`;
 * - Istio: `istio_requests_total` (HTTP/gRPC) and `istio_tcp_sent_bytes_total` (TCP: databases,
 *   caches, brokers), reported by the caller's sidecar (`reporter="source"`), named by canonical
 *   service, else workload, else (for a destination outside the mesh) the destination service name;
 * - Linkerd: `response_total` and `tcp_open_total` with `direction="outbound"`, by deployment or
 *   statefulset.
 */
export const EDGE_QUERIES: Record<Exclude<DiscoverySourceName, "kubernetes">, EdgeQuery[]> = {
  "service-graph": [{ metric: "traces_service_graph_request_total", query: (w) => `sum by (client, server) (increase(traces_service_graph_request_total[${w}])) > 0`, from: ["client"], to: ["server"] }],
  istio: ["istio_requests_total", "istio_tcp_sent_bytes_total"].map((metric) => ({
    metric,
    query: (w: string) => `sum by (source_canonical_service, source_workload, destination_canonical_service, destination_workload, destination_service_name) (increase(${metric}{reporter="source"}[${w}])) > 0`,
    from: ["source_canonical_service", "source_workload"],
    to: ["destination_canonical_service", "destination_workload", "destination_service_name"],
  })),
  linkerd: ["response_total", "tcp_open_total"].map((metric) => ({
    metric,
    query: (w: string) => `sum by (deployment, statefulset, dst_deployment, dst_statefulset, dst_service) (increase(${metric}{direction="outbound"}[${w}])) > 0`,
    from: ["deployment", "statefulset"],
    to: ["dst_deployment", "dst_statefulset", "dst_service"],
  })),
};

function pick(labels: Record<string, string>, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = labels[n];
    if (v !== undefined && !UNKNOWN.has(v)) return v;
  }
  return undefined;
}

/** Edges from query results (pure): caller → callee where both are named and traffic was seen. */
export function edgesFromSamples(samples: readonly InstantSample[], q: Pick<EdgeQuery, "from" | "to" | "metric">): SourceObservation["edges"] {
  const out = new Map<string, SourceObservation["edges"][number]>();
  for (const s of samples) {
    if (!(s.value > 0)) continue;
    const from = pick(s.labels, q.from);
    const to = pick(s.labels, q.to);
    if (!from || !to || from === to) continue;
    out.set(`${from}\u0000${to}`, { from, to, evidence: q.metric });
  }
  return [...out.values()];
}

/**
 * What one metrics source shows over the last `window` (a PromQL duration such as `1h`), or
 * undefined when none of its metrics exist in this Prometheus.
 */
export async function observeServiceGraph(metrics: MetricsPort, source: Exclude<DiscoverySourceName, "kubernetes">, o: { window: string; at: Date }): Promise<SourceObservation | undefined> {
  const edges = new Map<string, SourceObservation["edges"][number]>();
  let present = false;
  for (const q of EDGE_QUERIES[source]) {
    const samples = await metrics.query(q.query(o.window), { at: o.at });
    if (samples.length) present = true;
    for (const e of edgesFromSamples(samples, q)) if (!edges.has(`${e.from}\u0000${e.to}`)) edges.set(`${e.from}\u0000${e.to}`, e);
  }
  if (!present) return undefined;
  const names = new Set<string>();
  for (const e of edges.values()) names.add(e.from).add(e.to);
  return { source, services: [...names].sort().map((name) => ({ name })), edges: [...edges.values()] };
}
