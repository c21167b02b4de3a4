import { describe, expect, it } from "vitest";
import type { MetricsPort } from "../../src/integrations/prometheus/port.ts";
import { computeFacts } from "../../src/postmortem/facts.ts";
import { prometheusRequestCounts } from "../../src/postmortem/request-counts.ts";
import { templateSections } from "../../src/postmortem/template.ts";
import { SeriesStore } from "../../src/sandbox/sim/metrics/series-store.ts";
import { Evaluator } from "../../src/sandbox/sim/promql/eval.ts";
import type { Incident } from "../../src/domain/incident.ts";

// The error budget from the requests measured over the incident, not from a worst case: an
// incident with 0.05 % of checkout's requests failing used a sliver of the budget.

const T0 = Date.parse("2026-11-23T10:00:00Z");
const STEP = 15_000;

/** Prometheus over the sandbox's PromQL evaluator: checkout serves 1,000 requests a step, 0.05 % of them 5xx; cart has no 5xx. */
function prometheus(): Pick<MetricsPort, "query"> {
  const s = new SeriesStore({ t0: T0, stepMs: STEP, retentionSteps: 200 });
  for (let i = 0; i <= 160; i++) {
    s.beginStep(i);
    s.set("http_requests_total", { service: "checkout", code: "200", pod: "checkout-1" }, i * 999.5);
    s.set("http_requests_total", { service: "checkout", code: "503", pod: "checkout-1" }, i * 0.5);
    s.set("http_requests_total", { service: "cart", code: "200", pod: "cart-1" }, i * 100);
  }
  const ev = new Evaluator(s);
  return {
    async query(promql, o) {
      const v = ev.instant(promql, o?.at?.getTime() ?? T0);
      if (v.kind !== "vector") throw new Error(`expected a vector, got ${v.kind}`);
      return v.samples.map((x) => ({ labels: x.labels, timestamp: (o?.at?.getTime() ?? T0) / 1000, value: x.v }));
    },
  };
}

const at = (min: number) => new Date(T0 + min * 60_000).toISOString();

describe("error budget from measured requests", () => {
  it("counts the requests and failures of each service over the window", async () => {
    const counts = await prometheusRequestCounts(prometheus()).count(["checkout", "cart", "nothing"], T0 + 10 * 60_000, T0 + 40 * 60_000);
    const checkout = counts.find((c) => c.service === "checkout");
    expect(checkout?.total).toBeCloseTo(120 * 1000, -2);
    expect(checkout?.failed).toBeCloseTo(120 * 0.5, 0);
    expect(counts.find((c) => c.service === "cart")).toMatchObject({ failed: 0 });
    expect(counts.some((c) => c.service === "nothing")).toBe(false);
  });

  it("says how much of the budget the measured failures used, plainly, with no 'if every request failed'", async () => {
    const incident: Incident = { id: "INC-1", title: "Checkout slow", status: "resolved", severity: "sev2", origin: "alert", services: ["checkout", "cart"], createdAt: at(10), updatedAt: at(40), resolvedAt: at(40) };
    const requests = await prometheusRequestCounts(prometheus()).count(incident.services, T0 + 10 * 60_000, T0 + 40 * 60_000);
    const facts = computeFacts({ incident, timeline: [], alerts: [], links: {}, slo: { objective: 99.9, windowDays: 30 }, now: at(60), requests });
    // 0.05 % failing for 30 minutes of a 30-day budget of 0.1 %: 0.05/0.1 × 30/43,200 ≈ 0.035 %.
    expect(facts.errorBudget.usedPercent).toBeCloseTo(0.035, 3);
    expect(facts.errorBudget.measured).toMatchObject({ service: "checkout", failed: 60 });
    const line = templateSections(facts, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } }).sections.impact;
    expect(line).toContain("Error budget used: 0.035% of the 30-day budget of a 99.9% SLO. 60 of 120,000 checkout requests failed (0.05 %) during the incident; at that traffic the SLO allows about 172,800 failed requests in 30 days");
    expect(line).not.toMatch(/if every request failed|up to/);
  });

  it("says the budget is spent when the failures exceed it", () => {
    const incident: Incident = { id: "INC-2", title: "Checkout down", status: "resolved", severity: "sev1", origin: "alert", services: ["checkout"], createdAt: at(0), updatedAt: at(120), resolvedAt: at(120) };
    const facts = computeFacts({ incident, timeline: [], alerts: [], links: {}, slo: { objective: 99.9, windowDays: 30 }, now: at(120), requests: [{ service: "checkout", total: 100_000, failed: 50_000 }] });
    const line = templateSections(facts, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } }).sections.impact;
    expect(line).toContain("Error budget used: all of the 30-day budget of a 99.9% SLO (1.4× it): the budget is spent. 50,000 of 100,000 checkout requests failed (50 %) during the incident; at that traffic the SLO allows about 36,000 failed requests in 30 days");
  });
});
