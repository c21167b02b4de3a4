import { describe, expect, it } from "vitest";
import { cardHeadline, peakImpact, resolvedHeadline } from "../../../src/diagnose/live/headline.ts";
import type { Hypothesis } from "../../../src/diagnose/types.ts";

const series = (service: string, err: number, p99 = 0.2) => ({
  service,
  series: [
    { metric: "error_ratio", timestamps: [1, 2], values: [0.001, err] },
    { metric: "latency_p99", timestamps: [1, 2], values: [0.2, p99] },
  ],
});
const hyp = (service: string, confidence: number, evidence: Hypothesis["evidence"], cause = `${service}: its errors rose.`): Hypothesis => ({ rank: 1, service, cause, services: [service], score: 1, confidence, evidence, counterEvidence: [], gaps: [] });

describe("card headline", () => {
  it("states the impact and, once confident, the leading cause", () => {
    const d = { uncertainty: "confident" as const, hypotheses: [hyp("inventory", 0.92, [{ kind: "change", source: { service: "inventory", ref: "2.3.0" }, summary: "deploy 2.3.0 (inventory 2.3.0 is live) at 12:17Z, 2 min before onset", weight: 0.9 }])] };
    expect(cardHeadline({ diagnosis: d, impacted: ["checkout", "inventory"], services: [series("checkout", 0.304), series("inventory", 0.3)] })).toBe("Checkout failing 30 % — inventory deploy 2.3.0 likely");
  });

  it("follows re-ranking and says unsure when the evidence is thin", () => {
    const evictions = hyp("cache", 0.3, [{ kind: "metric", source: { service: "cache" }, summary: "evictions rose", weight: 0.3 }]);
    const payments = hyp("payments", 0.8, [{ kind: "metric", source: { service: "payments" }, summary: "db connections rose", weight: 0.8 }], "payments: its database connections rose; it explains the anomalies in 2 dependent services.");
    const services = [series("checkout", 0.12, 2.6)];
    expect(cardHeadline({ diagnosis: { uncertainty: "unsure: two candidates", hypotheses: [evictions, payments] }, impacted: ["checkout"], services })).toBe("Checkout failing 12 % — cause unclear (cache or payments)");
    expect(cardHeadline({ diagnosis: { uncertainty: "confident", hypotheses: [payments, evictions] }, impacted: ["checkout"], services })).toBe("Checkout failing 12 % — payments likely (its database connections rose)");
  });

  it("names crash-looping pods, and latency when nothing fails", () => {
    const cart = hyp("cart", 0.85, [{ kind: "k8s", source: { service: "cart", ref: "CrashLoopBackOff" }, summary: "CrashLoopBackOff ×3: exit 1", weight: 0.8 }]);
    expect(cardHeadline({ diagnosis: { uncertainty: "confident", hypotheses: [cart] }, impacted: ["cart"], services: [series("cart", 0.001, 3.9)] })).toBe("Cart slow (p99 3.9 s) — its pods in CrashLoopBackOff likely");
    expect(cardHeadline({ diagnosis: { uncertainty: "confident", hypotheses: [cart] }, impacted: [], services: [] })).toBe("Cart pods in CrashLoopBackOff likely");
    // memory-leak walk: "Order-processor pods in OOMKilled likely".
    const worker = hyp("order-processor", 0.92, [{ kind: "k8s", source: { service: "order-processor", ref: "OOMKilled" }, summary: "OOMKilled ×2", weight: 0.8 }]);
    expect(cardHeadline({ diagnosis: { uncertainty: "confident", hypotheses: [worker] }, impacted: [], services: [] })).toBe("Order-processor OOM kills likely");
    const restarting = hyp("order-processor", 0.92, [{ kind: "k8s", source: { service: "order-processor", ref: "restarts" }, summary: "restarts ×4", weight: 0.8 }]);
    expect(cardHeadline({ diagnosis: { uncertainty: "confident", hypotheses: [restarting] }, impacted: [], services: [] })).toBe("Order-processor pod restarts likely");
  });

  it("names the impacted service once when it is the cause (disk-full walk: 'Catalog failed up to 28 % — catalog likely (its disk utilization rose)')", () => {
    const catalog = hyp("catalog", 0.9, [], "catalog: its disk utilization rose; new errors in its logs.");
    expect(resolvedHeadline({ service: "catalog", errorRatio: 0.284 }, { uncertainty: "confident", hypotheses: [catalog] })).toBe("Catalog failed up to 28 % — likely because its disk utilization rose");
    // Another service impacted: the cause's service is named.
    expect(resolvedHeadline({ service: "frontend", errorRatio: 0.19 }, { uncertainty: "confident", hypotheses: [catalog] })).toBe("Frontend failed up to 19 % — catalog likely (its disk utilization rose)");
  });

  it("states what the pods do when a change is blamed and no impact is measured", () => {
    // crashloop-config walk: "Cart deploy 1.8.0 likely" in place of the alert's "crash looping".
    const deploy = { kind: "change" as const, source: { service: "cart", ref: "1.8.0" }, summary: "deploy 1.8.0 at 04:52Z, 2 min before onset", weight: 0.9 };
    const crashing = { kind: "k8s" as const, source: { service: "cart", ref: "CrashLoopBackOff" }, summary: "CrashLoopBackOff ×10: exit 1", weight: 0.8 };
    expect(cardHeadline({ diagnosis: { uncertainty: "confident", hypotheses: [hyp("cart", 0.92, [deploy, crashing])] }, impacted: ["cart"], services: [] })).toBe("Cart pods in CrashLoopBackOff — deploy 1.8.0 likely");
    // Without pod signals the change alone; with an impact, the impact first as before.
    expect(cardHeadline({ diagnosis: { uncertainty: "confident", hypotheses: [hyp("cart", 0.92, [deploy])] }, impacted: [], services: [] })).toBe("Cart deploy 1.8.0 likely");
    expect(cardHeadline({ diagnosis: { uncertainty: "confident", hypotheses: [hyp("cart", 0.92, [deploy, crashing])] }, impacted: ["cart"], services: [series("cart", 0.2)] })).toBe("Cart failing 20 % — deploy 1.8.0 likely");
  });

  it("keeps the incident's title when there is no impact to state and the cause is only the service's own signals", () => {
    // bad-deploy's background: cart's p99 went from 50 to 70 ms; "Cart likely (its latency rose)" said less than the alert.
    const cart = hyp("cart", 0.92, [{ kind: "metric", source: { service: "cart" }, summary: "latency rose", weight: 0.7 }], "cart: its latency rose.");
    expect(cardHeadline({ diagnosis: { uncertainty: "confident", hypotheses: [cart] }, impacted: ["cart"], services: [series("cart", 0.001, 0.07)] })).toBeUndefined();
    // With impact, the same cause follows it.
    expect(cardHeadline({ diagnosis: { uncertainty: "confident", hypotheses: [cart] }, impacted: ["cart"], services: [series("cart", 0.001, 2.1)] })).toBe("Cart slow (p99 2.1 s) — likely because its latency rose");
  });

  it("once resolved: the worst it got since the onset, in the past tense, kept across rankings", () => {
    const d = { uncertainty: "confident" as const, hypotheses: [hyp("inventory", 0.92, [{ kind: "change", source: { service: "inventory", ref: "2.3.0" }, summary: "deploy 2.3.0 at 12:17Z, 2 min before onset", weight: 0.9 }])] };
    // Before the onset (t=10) 50 % is not this incident's; since the onset it peaked at 30 % and is now 12 %.
    const recovering = [{ service: "checkout", series: [{ metric: "error_ratio", timestamps: [10, 100, 110, 120], values: [0.5, 0.304, 0.2, 0.12] }] }];
    const peak = peakImpact(["checkout"], recovering, 100);
    expect(peak).toEqual({ service: "checkout", errorRatio: 0.304 });
    expect(cardHeadline({ diagnosis: d, impacted: ["checkout"], services: recovering })).toBe("Checkout failing 12 % — inventory deploy 2.3.0 likely");
    expect(resolvedHeadline(peak, d)).toBe("Checkout failed up to 30 % — inventory deploy 2.3.0 likely");
    // A later ranking whose window no longer holds the worst minute keeps the earlier peak.
    const later = [{ service: "checkout", series: [{ metric: "error_ratio", timestamps: [200, 210], values: [0.05, 0.02] }] }];
    expect(peakImpact(["checkout"], later, 100, peak)).toEqual({ service: "checkout", errorRatio: 0.304 });
    // Latency only.
    const slow = [
      {
        service: "cart",
        series: [
          { metric: "error_ratio", timestamps: [100], values: [0.001] },
          { metric: "latency_p99", timestamps: [100, 110], values: [3.9, 1.2] },
        ],
      },
    ];
    expect(resolvedHeadline(peakImpact(["cart"], slow, 100), { uncertainty: "confident", hypotheses: [] })).toBe("Cart was slow (p99 up to 3.9 s)");
    expect(peakImpact(["checkout"], [series("checkout", 0.001)], 0)).toBeUndefined();
    // The symptom moved (frontend first, checkout later): the worst service is named, whichever came first.
    const frontend = [{ service: "frontend", series: [{ metric: "error_ratio", timestamps: [100], values: [0.02] }] }];
    const first = peakImpact(["frontend"], frontend, 100);
    const worst = peakImpact(["checkout", "frontend"], [...recovering, ...frontend], 100, first);
    expect(worst).toEqual({ service: "checkout", errorRatio: 0.304 });
    expect(peakImpact(["frontend"], frontend, 100, worst)).toEqual({ service: "checkout", errorRatio: 0.304 });
  });
});
