import { describe, expect, it } from "vitest";
import type { InstantSample, MetricsPort } from "../../src/integrations/prometheus/port.ts";
import { EDGE_QUERIES, edgesFromSamples, observeServiceGraph } from "../../src/topology/service-graph.ts";

const sample = (labels: Record<string, string>, value = 12): InstantSample => ({ labels, value, timestamp: 0 });

/** A MetricsPort that answers each metric family from a table (what a Prometheus holding only those series returns). */
function prometheusWith(byMetric: Record<string, InstantSample[]>): MetricsPort & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    async query(promql) {
      queries.push(promql);
      const metric = Object.keys(byMetric).find((m) => promql.includes(`${m}{`) || promql.includes(`${m}[`));
      return metric ? byMetric[metric]! : [];
    },
    async queryRange() {
      return [];
    },
    async series() {
      return [];
    },
    async labelValues() {
      return [];
    },
  };
}

describe("topology from service-graph metrics", () => {
  it("reads Linkerd's outbound response_total and tcp_open_total by deployment and statefulset", async () => {
    const prom = prometheusWith({
      response_total: [sample({ deployment: "web", dst_deployment: "api" }), sample({ deployment: "api", dst_deployment: "api" })],
      tcp_open_total: [sample({ deployment: "api", dst_statefulset: "pg" }), sample({ deployment: "api", dst_statefulset: "idle" }, 0)],
    });
    const seen = await observeServiceGraph(prom, "linkerd", { window: "1h", at: new Date() });
    expect(seen?.edges.map((e) => `${e.from}>${e.to}:${e.evidence}`)).toEqual(["web>api:response_total", "api>pg:tcp_open_total"]);
    expect(prom.queries[0]).toContain('direction="outbound"');
    expect(prom.queries[0]).toContain("[1h]");
  });

  it("reads Istio by canonical service, else workload, else the destination service name (outside the mesh)", () => {
    const q = EDGE_QUERIES.istio[0]!;
    const edges = edgesFromSamples(
      [
        sample({ source_canonical_service: "checkout", source_workload: "checkout-v2", destination_canonical_service: "payments", destination_workload: "payments-v8" }),
        sample({ source_canonical_service: "unknown", source_workload: "payments-v8", destination_canonical_service: "unknown", destination_workload: "unknown", destination_service_name: "payment-provider" }),
        sample({ source_canonical_service: "unknown", source_workload: "unknown", destination_canonical_service: "frontend" }),
      ],
      q,
    );
    expect(edges.map((e) => `${e.from}>${e.to}`)).toEqual(["checkout>payments", "payments-v8>payment-provider"]);
  });

  it("sees a service only in metrics (an external API no cluster object names) and says nothing when its metrics do not exist", async () => {
    const prom = prometheusWith({ traces_service_graph_request_total: [sample({ client: "payments", server: "stripe-api" })] });
    const seen = await observeServiceGraph(prom, "service-graph", { window: "15m", at: new Date() });
    expect(seen).toEqual({ source: "service-graph", services: [{ name: "payments" }, { name: "stripe-api" }], edges: [{ from: "payments", to: "stripe-api", evidence: "traces_service_graph_request_total" }] });
    expect(await observeServiceGraph(prom, "istio", { window: "15m", at: new Date() })).toBeUndefined();
  });
});
