import { describe, expect, it } from "vitest";
import type { SeenEdge, SeenService } from "../../src/store/repos/topology.ts";
import { edgeAccuracy, mergeTopology } from "../../src/topology/merge.ts";
import { NO_OVERRIDES, parseServiceOverrides } from "../../src/topology/overrides.ts";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const H = 3_600_000;
const at = (ms: number): string => new Date(ms).toISOString();
const edge = (from: string, to: string, source: string, lastSeen: number, firstSeen = lastSeen - H): SeenEdge => ({ from, to, source, firstSeen: at(firstSeen), lastSeen: at(lastSeen) });
const service = (name: string, source: string, lastSeen: number, attributes: Record<string, string> = {}): SeenService => ({ name, source, attributes, firstSeen: at(lastSeen - H), lastSeen: at(lastSeen) });

describe("merging what the sources saw", () => {
  it("keeps one edge per call with every source that saw it and the widest first/last seen", () => {
    const t = mergeTopology([service("checkout", "kubernetes", NOW, { namespace: "shop" })], [edge("checkout", "payments", "kubernetes", NOW - H, NOW - 5 * H), edge("checkout", "payments", "istio", NOW)], NO_OVERRIDES, { now: NOW, maxAgeMs: 24 * H });
    expect(t.edges).toEqual([{ from: "checkout", to: "payments", sources: ["istio", "kubernetes"], firstSeen: at(NOW - 5 * H), lastSeen: at(NOW) }]);
    expect(t.services).toEqual(["checkout", "payments"]);
    expect(t.details.find((d) => d.name === "checkout")).toMatchObject({ sources: ["kubernetes"], attributes: { namespace: "shop" } });
  });

  it("ages out an edge no source has seen within the maximum age", () => {
    const seen = [edge("checkout", "payments", "istio", NOW - 2 * H), edge("checkout", "legacy", "istio", NOW - 30 * H)];
    const t = mergeTopology([], seen, NO_OVERRIDES, { now: NOW, maxAgeMs: 24 * H });
    expect(t.edges.map((e) => `${e.from}>${e.to}`)).toEqual(["checkout>payments"]);
    expect(t.services).not.toContain("legacy");
  });

  it("applies services.yaml: added calls (source services.yaml), removed calls, ignored services, teams", () => {
    const overrides = parseServiceOverrides(`
services:
  checkout: { calls: [fraud-check], not_calls: [legacy], team: payments }
  otel-collector: { ignore: true }
  fraud-check:
`);
    const seen = [edge("checkout", "legacy", "kubernetes", NOW), edge("checkout", "payments", "kubernetes", NOW), edge("payments", "otel-collector", "kubernetes", NOW)];
    const t = mergeTopology([], seen, overrides, { now: NOW, maxAgeMs: 24 * H });
    expect(t.edges.map((e) => `${e.from}>${e.to}:${e.sources.join("+")}`)).toEqual(["checkout>fraud-check:services.yaml", "checkout>payments:kubernetes"]);
    expect(t.services).toEqual(["checkout", "fraud-check", "payments"]);
    expect(t.details.find((d) => d.name === "checkout")?.attributes.team).toBe("payments");
  });

  it("rejects a malformed services.yaml with the field named", () => {
    expect(() => parseServiceOverrides("services:\n  checkout: { calls: payments }\n", "svc.yaml")).toThrow(/svc.yaml: services.checkout.calls/);
  });

  it("scores discovered edges against a known graph", () => {
    const acc = edgeAccuracy(
      [
        { from: "a", to: "b" },
        { from: "a", to: "x" },
      ],
      [
        { from: "a", to: "b" },
        { from: "b", to: "c" },
      ],
    );
    expect(acc).toEqual({ precision: 0.5, recall: 0.5, missing: ["b -> c"], extra: ["a -> x"] });
  });
});
