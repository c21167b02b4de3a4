import { describe, expect, it } from "vitest";
import type { Alert } from "../../src/domain/alert.ts";
import { relation, type Topology } from "../../src/domain/topology.ts";
import { groupAlert, labelSimilarity, type OpenIncidentView } from "../../src/correlate/grouping.ts";
import { DEFAULT_LIFECYCLE, recordFlip, shouldResolve } from "../../src/correlate/lifecycle.ts";

const shop: Topology = {
  services: ["frontend", "checkout", "payments", "inventory", "orders-db", "search"],
  edges: [
    { from: "frontend", to: "checkout" },
    { from: "checkout", to: "payments" },
    { from: "checkout", to: "inventory" },
    { from: "payments", to: "orders-db" },
    { from: "frontend", to: "search" },
  ],
};

const alert = (name: string, service: string | undefined, labels: Record<string, string> = {}): Alert => ({
  fingerprint: `${name}-${service}`,
  source: "alertmanager",
  name,
  status: "firing",
  severity: "sev2",
  service,
  summary: name,
  labels,
  startsAt: "2026-11-23T10:00:00Z",
});

const now = Date.parse("2026-11-23T10:05:00Z");
const view = (id: string, services: string[], minutesAgo = 1, labelSets: Array<Record<string, string>> = []): OpenIncidentView => ({ id, services, lastActivityMs: now - minutesAgo * 60_000, labelSets });

describe("groupAlert", () => {
  it("joins an alert of a neighbouring service and explains the path", () => {
    const d = groupAlert(alert("HighLatency", "checkout"), now, [view("INC-A", ["payments"])], shop);
    expect(d).toMatchObject({ kind: "join", incidentId: "INC-A" });
    expect(d.reason).toContain("checkout calls payments");
  });

  it("opens a new incident for an unrelated service at the same time", () => {
    const d = groupAlert(alert("DiskFull", "reporting"), now, [view("INC-A", ["payments"])], shop);
    expect(d.kind).toBe("new");
  });

  it("prefers the same service over a neighbour", () => {
    const d = groupAlert(alert("Errors", "checkout"), now, [view("INC-N", ["payments"]), view("INC-S", ["checkout"], 5)], shop);
    expect(d).toMatchObject({ kind: "join", incidentId: "INC-S" });
  });

  it("does not join an incident that has been quiet longer than the window", () => {
    expect(groupAlert(alert("Errors", "checkout"), now, [view("INC-OLD", ["checkout"], 45)], shop).kind).toBe("new");
  });

  it("does not join services more than two hops apart", () => {
    expect(relation(shop, "search", "orders-db", 2)).toBeUndefined();
    expect(groupAlert(alert("Slow", "search"), now, [view("INC-A", ["orders-db"])], shop).kind).toBe("new");
  });

  it("groups service-less alerts by label similarity", () => {
    const labels = { cluster: "prod-eu", namespace: "shop", alertname: "NodePressure" };
    expect(labelSimilarity(labels, { ...labels })).toBe(1);
    const d = groupAlert(alert("NodePressure", undefined, labels), now, [view("INC-L", [], 1, [labels])], shop);
    expect(d).toMatchObject({ kind: "join", incidentId: "INC-L" });
    expect(groupAlert(alert("NodePressure", undefined, { cluster: "prod-us" }), now, [view("INC-L", [], 1, [labels])], shop).kind).toBe("new");
  });
});

describe("lifecycle rules", () => {
  it("resolves only after the quiet period with nothing firing", () => {
    expect(shouldResolve(0, now - 6 * 60_000, now, DEFAULT_LIFECYCLE)).toBe(true);
    expect(shouldResolve(0, now - 60_000, now, DEFAULT_LIFECYCLE)).toBe(false);
    expect(shouldResolve(1, now - 60 * 60_000, now, DEFAULT_LIFECYCLE)).toBe(false);
  });

  it("calls an alert flapping after more than two flips in the window", () => {
    let flips: number[] = [];
    const seen: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const r = recordFlip(flips, now + i * 60_000, DEFAULT_LIFECYCLE);
      flips = r.flips;
      seen.push(r.flapping);
    }
    expect(seen).toEqual([false, false, true, true, true]);
  });
});
