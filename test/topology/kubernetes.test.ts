import { describe, expect, it } from "vitest";
import type { ClusterShape, WorkloadShape } from "../../src/integrations/kubernetes/port.ts";
import { hostsIn, kubernetesObservation } from "../../src/topology/kubernetes.ts";

const workload = (w: Partial<WorkloadShape> & Pick<WorkloadShape, "kind" | "name">): WorkloadShape => ({ namespace: "shop", labels: {}, podLabels: {}, env: [], configMaps: [], ...w });

/** A small shop: labelled and unlabelled workloads, a StatefulSet, an ExternalName, a ConfigMap. */
function shop(): ClusterShape {
  return {
    services: [
      { namespace: "shop", name: "checkout", type: "ClusterIP", selector: { app: "checkout" }, labels: {} },
      { namespace: "shop", name: "billing", type: "ClusterIP", selector: { run: "legacy-billing" }, labels: {} },
      { namespace: "shop", name: "orders-db", type: "ClusterIP", selector: { app: "orders-db" }, labels: {} },
      { namespace: "shop", name: "payment-provider", type: "ExternalName", externalName: "api.paygate.example", labels: {} },
      { namespace: "default", name: "kubernetes", type: "ClusterIP", labels: {} },
      { namespace: "kube-system", name: "kube-dns", type: "ClusterIP", selector: { "k8s-app": "kube-dns" }, labels: {} },
    ],
    workloads: [
      workload({
        kind: "Deployment",
        name: "checkout",
        labels: { "app.kubernetes.io/name": "checkout", "app.kubernetes.io/part-of": "shop" },
        podLabels: { app: "checkout" },
        env: [
          { name: "BILLING_URL", value: "http://billing:8080/v1" },
          { name: "DATABASE_URL", value: "postgres://app@orders-db.shop.svc:5432/orders" },
          { name: "PAYGATE", value: "https://api.paygate.example/v2" },
          { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: "http://otel-collector.monitoring.svc:4317" },
        ],
      }),
      workload({ kind: "ReplicaSet", name: "checkout-7d9f", podLabels: { app: "checkout", "pod-template-hash": "7d9f" }, owner: { kind: "Deployment", name: "checkout" } }),
      // No app.kubernetes.io labels at all: named by the Service that selects its pods.
      workload({ kind: "Deployment", name: "legacy-billing-v2", podLabels: { run: "legacy-billing" }, configMaps: [{ name: "billing-upstreams", as: "envFrom" }] }),
      workload({ kind: "ReplicaSet", name: "legacy-billing-v2-5c6d", podLabels: { run: "legacy-billing", "pod-template-hash": "5c6d" }, owner: { kind: "Deployment", name: "legacy-billing-v2" } }),
      workload({ kind: "StatefulSet", name: "orders-db", labels: { "app.kubernetes.io/name": "orders-db" }, podLabels: { app: "orders-db" } }),
      workload({ kind: "CronJob", name: "nightly-report", labels: { "app.kubernetes.io/name": "reporting" }, env: [{ name: "PGHOST", value: "orders-db.shop.svc.cluster.local" }] }),
      workload({ kind: "Job", name: "nightly-report-2901", owner: { kind: "CronJob", name: "nightly-report" }, env: [{ name: "PGHOST", value: "orders-db.shop.svc.cluster.local" }] }),
      workload({ namespace: "kube-system", kind: "Deployment", name: "coredns", podLabels: { "k8s-app": "kube-dns" } }),
    ],
    pods: [
      { namespace: "shop", name: "checkout-7d9f-abcde", labels: { app: "checkout", "pod-template-hash": "7d9f" }, owner: { kind: "ReplicaSet", name: "checkout-7d9f" } },
      { namespace: "shop", name: "legacy-billing-v2-5c6d-xyz12", labels: { run: "legacy-billing", "pod-template-hash": "5c6d" }, owner: { kind: "ReplicaSet", name: "legacy-billing-v2-5c6d" } },
      { namespace: "shop", name: "orders-db-0", labels: { app: "orders-db" }, owner: { kind: "StatefulSet", name: "orders-db" } },
    ],
    configMaps: [{ namespace: "shop", name: "billing-upstreams", data: { "upstreams.yaml": "db: orders-db.shop.svc:5432\nledger: ledger.finance.svc:9000\n" } }],
  };
}

describe("topology from Kubernetes", () => {
  const seen = kubernetesObservation(shop());
  const edges = seen.edges.map((e) => `${e.from} -> ${e.to}`).sort();

  it("names an unlabelled workload after the Service that selects its pods (Pod → ReplicaSet → Deployment)", () => {
    const billing = seen.services.find((s) => s.name === "billing");
    expect(billing?.attributes).toMatchObject({ namespace: "shop", kind: "Deployment", workload: "legacy-billing-v2" });
    expect(seen.services.map((s) => s.name)).not.toContain("legacy-billing-v2");
    expect(edges).toContain("checkout -> billing");
  });

  it("follows DNS names in env vars and in the ConfigMaps a workload reads, to the workloads behind the Services", () => {
    expect(edges).toEqual(["billing -> orders-db", "checkout -> billing", "checkout -> orders-db", "checkout -> payment-provider", "reporting -> orders-db"]);
    expect(seen.edges.find((e) => e.from === "billing")?.evidence).toMatch(/configmap shop\/billing-upstreams upstreams.yaml/);
    expect(seen.edges.find((e) => e.to === "payment-provider")?.evidence).toMatch(/env PAYGATE/);
  });

  it("takes app.kubernetes.io labels for names and attributes, keeps ExternalName services, and leaves system namespaces and controlled objects out", () => {
    const names = seen.services.map((s) => s.name).sort();
    expect(names).toEqual(["billing", "checkout", "orders-db", "payment-provider", "reporting"]);
    expect(seen.services.find((s) => s.name === "checkout")?.attributes).toMatchObject({ "part-of": "shop" });
    expect(seen.services.find((s) => s.name === "payment-provider")?.attributes).toMatchObject({ kind: "ExternalName", externalName: "api.paygate.example" });
  });

  it("reads only the namespaces asked for", () => {
    const only = kubernetesObservation(shop(), { namespaces: ["kube-system"] });
    expect(only.services.map((s) => s.name)).toEqual(["kube-dns"]);
    expect(only.edges).toEqual([]);
  });

  it("finds hosts in URLs, host:port pairs and bare DNS names, not in other text", () => {
    expect(hostsIn("postgres://u:p@orders-db.shop.svc:5432/x").map((h) => h.host)).toEqual(["orders-db.shop.svc"]);
    expect(hostsIn("cache.shop.svc:6379").map((h) => h.host)).toEqual(["cache.shop.svc"]);
    expect(hostsIn("payments.shop.svc.cluster.local")).toEqual([{ host: "payments.shop.svc.cluster.local", bare: true }]);
    expect(hostsIn("info")).toEqual([]);
    expect(hostsIn("3000")).toEqual([]);
  });
});
