import { describe, expect, it } from "vitest";
import { servicesChangedSinceItBegan, servicesHandledElsewhere, withoutServicesOfOtherIncidents } from "../../../src/diagnose/live/service.ts";
import type { Incident } from "../../../src/domain/incident.ts";
import { graphFromTopology } from "../../../src/diagnose/adapters.ts";
import { diagnose } from "../../../src/diagnose/engine.ts";
import type { DiagnosisInput } from "../../../src/diagnose/types.ts";

const T0 = 1_796_500_000;
const flat = (v: number) => Array.from({ length: 60 }, (_, i) => ({ t: T0 - 3600 + i * 60, v: v * (1 + 0.02 * Math.sin(i)) }));
const rising = (v: number, to: number) => flat(v).map((p, i) => ({ ...p, v: i >= 45 ? to : v }));
const series = (metric: string, pts: Array<{ t: number; v: number }>) => ({ metric, timestamps: pts.map((p) => p.t), values: pts.map((p) => p.v) });

/**
 * The flapping cache incident while cart's own deploy crash-loops in another incident: seen from the
 * cache incident, cart (deploy 1.8.0, CrashLoopBackOff, latency up, between checkout and the cache)
 * looks like the cause. It is the other incident's: left out, it is not blamed here.
 */
describe("a service with its own open incident is that incident's to explain", () => {
  const input: DiagnosisInput = {
    services: [
      { service: "cache", series: [series("cache_evictions_rate", rising(1, 45))] },
      { service: "cart", series: [series("latency_p99", rising(0.09, 0.45)), series("error_ratio", flat(0.001))] },
      { service: "checkout", series: [series("latency_p99", rising(0.5, 1.2)), series("error_ratio", flat(0.005))] },
    ],
    graph: graphFromTopology({
      services: ["checkout", "cart", "cache"],
      edges: [
        { from: "checkout", to: "cart" },
        { from: "cart", to: "cache" },
      ],
    }),
    anomalyStart: T0 - 15 * 60,
    symptom: { service: "checkout", metric: "latency_p99" },
    changes: [{ service: "cart", at: T0 - 16 * 60, kind: "deploy", version: "1.8.0" }],
    k8s: [{ service: "cart", kind: "CrashLoopBackOff", count: 4, at: T0 - 14 * 60 }],
  };

  it("leaves out cart's metrics, deploy and pod signals, and cart is not the leading cause", () => {
    const without = withoutServicesOfOtherIncidents(input, new Set(["cart"]));
    expect(without.services.map((s) => s.service)).toEqual(["cache", "checkout"]);
    expect(without.changes).toEqual([]);
    expect(without.k8s).toEqual([]);
    expect(without.graph).toBe(input.graph);
    expect(diagnose(input).hypotheses[0]?.service).toBe("cart");
    expect(diagnose(without).hypotheses.map((h) => h.service)).not.toContain("cart");
    expect(withoutServicesOfOtherIncidents(input, new Set())).toBe(input);
  });
});

describe("which services another incident has as its own", () => {
  const at = (min: number) => new Date(T0 * 1000 + min * 60_000).toISOString();
  const inc = (id: string, services: string[], o: Partial<Incident> = {}): Incident => ({ id, title: id, status: "open", severity: "sev3", origin: "alert", services, createdAt: at(0), updatedAt: at(0), ...o });
  const cache = inc("INC-cache", ["cache", "checkout", "frontend", "payments"]);
  const now = T0 * 1000 + 64 * 60_000;

  it("an open incident's, and a resolved one's within its reopen window; never this incident's own", () => {
    const cart = inc("INC-cart", ["cart"], { status: "resolved", resolvedAt: at(60), updatedAt: at(60) });
    expect([...servicesHandledElsewhere(cache, [cache, inc("INC-db", ["orders-db"]), cart], now)]).toEqual(["orders-db", "cart"]);
    // Resolved long ago: its services are anyone's again.
    expect([...servicesHandledElsewhere(cache, [{ ...cart, resolvedAt: at(20), updatedAt: at(20) }], now)]).toEqual([]);
    // Merged into this one (resolved as merged, its services now this incident's): takes nothing away.
    expect([...servicesHandledElsewhere(cache, [inc("INC-payments", ["payments", "checkout"], { status: "resolved", resolvedAt: at(30), updatedAt: at(30) })], now)]).toEqual([]);
  });
});

describe("a service changed after the incident began is a fault of its own", () => {
  const at = (min: number) => new Date(T0 * 1000 + min * 60_000).toISOString();
  const cache: Pick<Incident, "services" | "createdAt"> = { services: ["cache"], createdAt: at(0) };
  const change = (service: string, min: number, kind = "deploy") => ({ service, at: T0 + min * 60, kind });

  it("cart's rollout seven minutes after the cache incident began is not the cache incident's; one before it (or within its first minute), its own services' and other kinds of change are", () => {
    const now = T0 * 1000 + 8 * 60_000;
    expect([...servicesChangedSinceItBegan(cache, [change("cart", 7), change("search", -5), change("inventory", 0.5), change("cache", 6), change("orders-db", 6, "scale")], now)]).toEqual(["cart"]);
    expect([...servicesChangedSinceItBegan(cache, [change("cart", 7, "config")], now)]).toEqual(["cart"]);
    // Long after the change, it says nothing any more.
    expect([...servicesChangedSinceItBegan(cache, [change("cart", 7)], T0 * 1000 + 45 * 60_000)]).toEqual([]);
  });

  it("left out, cart's deploy at the reopened alert's onset is not the leading cause", () => {
    // The cache incident's alert fired again at the moment cart was deployed: the deploy sits at the onset.
    const input: DiagnosisInput = {
      services: [
        { service: "cache", series: [series("cache_evictions_rate", rising(1, 45))] },
        { service: "cart", series: [series("latency_p99", rising(0.09, 0.45)), series("error_ratio", flat(0.001))] },
      ],
      graph: graphFromTopology({ services: ["cart", "cache"], edges: [{ from: "cart", to: "cache" }] }),
      anomalyStart: T0 - 15 * 60,
      symptom: { service: "cache", metric: "cache_evictions_rate" },
      changes: [{ service: "cart", at: T0 - 15 * 60, kind: "deploy", version: "1.8.0" }],
      k8s: [{ service: "cart", kind: "CrashLoopBackOff", count: 4, at: T0 - 14 * 60 }],
    };
    const incident = { services: ["cache"], createdAt: new Date((T0 - 25 * 60) * 1000).toISOString() };
    const changed = servicesChangedSinceItBegan(incident, input.changes ?? [], T0 * 1000);
    expect([...changed]).toEqual(["cart"]);
    expect(diagnose(withoutServicesOfOtherIncidents(input, changed)).hypotheses.map((h) => h.service)).not.toContain("cart");
  });
});

describe("what the fix did is known to the diagnosis", () => {
  it("a remediation run on a service is an intervention from the moment it executed", async () => {
    const { interventionsOf } = await import("../../../src/diagnose/live/service.ts");
    const at = (s: number) => new Date((T0 + s) * 1000).toISOString();
    const action = (id: number, s: number, event: string, service?: string) => ({ id, incidentId: "INC-1", at: at(s), kind: "action" as const, actor: "aisre", text: "", data: { event, type: "rollout_restart", ...(service ? { target: { service } } : {}) } });
    expect(interventionsOf([action(1, 0, "recommended", "payments"), action(2, 60, "executed", "payments"), action(3, 360, "verified", "payments"), action(4, 90, "executed")])).toEqual([{ service: "payments", at: T0 + 60 }]);
  });
});
