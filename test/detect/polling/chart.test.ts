import { describe, expect, it } from "vitest";
import type { AnomalyFinding } from "../../../src/detect/detection-service.ts";
import { changeLabel, chartWindow, findingChartSpec } from "../../../src/detect/polling/chart.ts";

const MIN = 60_000;
const AT = Date.UTC(2026, 11, 5, 18, 0);

/** 360 points a minute apart ending at AT; anomalous from `sinceMin` minutes before AT. */
function finding(sinceMin: number): AnomalyFinding {
  const since = AT - sinceMin * MIN;
  const points = Array.from({ length: 360 }, (_, i) => {
    const t = AT - (359 - i) * MIN;
    return { t, value: t >= since ? 0.6 : 0.4, baseline: 0.4, spread: 0.01, score: 0 };
  });
  return {
    key: "checkout/memory",
    service: "checkout",
    sli: "memory",
    at: AT,
    score: 0.7,
    threshold: 0.6,
    explanation: { baseline: 0.4, deviation: 0.2, spread: 0.01, z: 20, since, kind: "level-shift", model: "level", feature: "short", surprise: 10, rawSurprise: 10 },
    points,
    quiet: false,
    page: false,
    escalation: false,
  };
}

describe("the detection chart's window", () => {
  it("keeps the anomaly a quarter of the picture or more: three times its length of normal before it", () => {
    const f = finding(20);
    const w = chartWindow(f.points, AT - 20 * MIN, AT);
    expect(w).toEqual({ from: AT - 80 * MIN, to: AT });
    // A young anomaly still gets 20 minutes of normal before it.
    expect(chartWindow(f.points, AT - 2 * MIN, AT)).toEqual({ from: AT - 22 * MIN, to: AT });
    // Never before the history the detector kept.
    expect(chartWindow(f.points, AT - 200 * MIN, AT).from).toBe(AT - 359 * MIN);
  });

  it("the spec: title names service and signal, the unit comes from the SLI, changes become markers", () => {
    const f = finding(10);
    const spec = findingChartSpec(f, { unit: "ratio", sliName: "memory", changes: [{ id: "c", source: "github", kind: "deploy", service: "inventory", version: "2.3.0", at: new Date(AT - 12 * MIN).toISOString() }] });
    expect(spec.title).toBe("checkout · memory");
    expect(spec.unit).toEqual({ scale: 100, suffix: "%" });
    expect(spec.window).toEqual({ from: AT - 40 * MIN, to: AT });
    expect(spec.timestamps[0]).toBe(AT - 40 * MIN);
    expect(spec.incident).toEqual({ from: AT - 10 * MIN, to: AT, label: "anomaly" });
    expect(spec.markers).toEqual([{ at: AT - 12 * MIN, label: "inventory 2.3.0" }]);
    expect(spec.subtitle).toContain("anomaly since 17:50 · now 60.0 % vs 40.0 % usual");
    expect(spec.band?.upper[0]).toBeCloseTo(0.43);
  });

  it("labels changes by kind, service and version", () => {
    expect(changeLabel({ kind: "deploy", service: "inventory", version: "2.3.0" })).toBe("inventory 2.3.0");
    expect(changeLabel({ kind: "config", service: "checkout" })).toBe("config checkout");
  });
});
