import { describe, expect, it } from "vitest";
import { anomalyChartComment } from "../../blocks/anomaly.ts";
import { findingChartSpec } from "../../src/detect/polling/chart.ts";
import { plainAnomalyPresenter, type AnomalyMessageView } from "../../src/detect/polling/presenter.ts";

// The anomaly chart's comment in an on-call engineer's words.

const finding = {
  key: "k",
  service: "payments",
  sli: "error-ratio",
  at: 0,
  score: 0.9,
  threshold: 0.6,
  explanation: { baseline: 0.0032, deviation: 0.0149, spread: 0.001, z: 9, since: Date.parse("2026-12-06T06:56:00Z"), kind: "level-shift", model: "daily", feature: "long", surprise: 1, rawSurprise: 1 },
  points: [],
  quiet: false,
  page: false,
  escalation: false,
};
const view = (service: string) =>
  ({
    incidentId: "INC-1",
    sli: { key: "k", service, name: "error-ratio", unit: "ratio", direction: "up", sensitivity: "medium", threshold: 0.6, page: false, source: { kind: "prometheus", query: "q", stepSeconds: 60 } },
    first: { ...finding, service },
    latest: { ...finding, service },
    worsened: 0,
    opened: false,
    ongoing: false,
  }) as unknown as AnomalyMessageView;

describe("anomaly chart comment", () => {
  it("names the service's other signal in plain English: payments' latency, checkout's latency", () => {
    expect(anomalyChartComment(view("payments"))).toContain("(_show me payments' latency_)");
    expect(anomalyChartComment(view("payments"))).not.toContain("payments's");
    expect(anomalyChartComment(view("checkout"))).toContain("(_show me checkout's latency_)");
  });

  it("says the value the chart ends on, not the one the anomaly was first found at", () => {
    const since = finding.explanation.since;
    const point = (t: number, value: number) => ({ t, value, baseline: 0.0032, spread: 0.001 });
    // Found at 1.81 %; by the time the chart is drawn, 30.1 % of requests fail.
    const points = [point(since - 120_000, 0.003), point(since, 0.0181), point(since + 60_000, 0.12), point(since + 120_000, 0.301), point(since + 180_000, Number.NaN)];
    const v = view("inventory");
    const drawn = { ...v, first: { ...v.first, at: since, points } } as AnomalyMessageView;
    expect(anomalyChartComment(drawn)).toContain("error ratio: 30.1 % vs 0.32 % usual");
    expect(plainAnomalyPresenter.chartComment(drawn)).toContain("30.1 % vs 0.32 % usual");
    expect(findingChartSpec(drawn.first, { unit: "ratio" }).subtitle).toContain("now 30.1 % vs 0.32 % usual");
    // No points since it began: the value it was found at.
    expect(anomalyChartComment(view("inventory"))).toContain("error ratio: 1.81 % vs 0.32 % usual");
  });
});
