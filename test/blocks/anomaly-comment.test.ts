import { describe, expect, it } from "vitest";
import { anomalyChartComment } from "../../blocks/anomaly.ts";
import type { AnomalyMessageView } from "../../src/detect/polling/presenter.ts";

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
});
