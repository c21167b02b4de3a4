import { describe, expect, it } from "vitest";
import { diagnosisAnalysisMessage } from "../../blocks/diagnosis.ts";
import { cardDiagnosis } from "../../src/diagnose/adapters.ts";
import { closeCall } from "../../src/diagnose/close-call.ts";
import { diagnose } from "../../src/diagnose/engine.ts";
import { cardHeadline } from "../../src/diagnose/live/headline.ts";
import type { Diagnosis, Hypothesis } from "../../src/diagnose/types.ts";
import { healthy, metric, ONSET, step, svc } from "./helpers.ts";

const hyp = (rank: number, service: string, confidence: number): Hypothesis => ({ rank, service, cause: `${service}: its db pool utilization rose.`, services: [service], score: 1 / rank, confidence, evidence: [], counterEvidence: [], gaps: [] });
const diagnosis = (uncertainty: Diagnosis["uncertainty"], lead: number): Diagnosis => ({ hypotheses: [hyp(1, "payments", lead), hyp(2, "checkout", 1 - lead - 0.02)], uncertainty, headline: "", gaps: [], notes: [], elapsedMs: 1 });

describe("a close call (a runner-up near a high-confidence leader)", () => {
  it("is a close runner-up beside a high confidence only", () => {
    expect(closeCall(diagnosis("unsure: two candidates", 0.87))?.second.service).toBe("checkout");
    expect(closeCall(diagnosis("unsure: two candidates", 0.55))).toBeUndefined();
    expect(closeCall(diagnosis("confident", 0.87))).toBeUndefined();
  });

  it("reads as the leader with the runner-up close behind, never 'Unsure' beside 'high'", () => {
    const close = diagnosis("unsure: two candidates", 0.87);
    const card = cardDiagnosis(close);
    expect(card.cause).toBe("payments: its db pool utilization rose. Close behind: checkout.");
    expect(card.nextSteps).toContain("Rule out checkout as well: it scores close behind.");
    expect(cardHeadline({ diagnosis: close, impacted: [], services: [] })).toBeUndefined();
    expect(cardHeadline({ diagnosis: close, impacted: ["checkout"], services: [{ service: "checkout", series: [{ metric: "error_ratio", timestamps: [1], values: [0.3] }] }] })).toBe("Checkout failing 30 % — payments likely (its db pool utilization rose)");
    const message = diagnosisAnalysisMessage({
      incident: { id: "inc-1", title: "t", status: "open", severity: "sev2", origin: "alert", services: ["checkout"], createdAt: "2026-03-14T10:00:00Z", updatedAt: "2026-03-14T10:00:00Z" },
      diagnosis: close,
      window: { start: 0, onset: 1, end: 2 },
      tools: [],
      similar: [],
      runbooks: [],
    });
    expect(message.text).toContain("(high confidence, a close second)");
    expect(JSON.stringify(message.blocks)).not.toMatch(/unsure/i);
    // Unsure for real (medium confidence): both named, as before.
    const unsure = cardDiagnosis(diagnosis("unsure: two candidates", 0.55));
    expect(unsure.cause).toMatch(/^Unsure: payments or checkout\./);
    expect(unsure.nextSteps).toContain("Rule out checkout as well: the evidence does not separate the two.");
  });

  it("the engine's headline says so when its close leaders are confident", () => {
    // Two services that moved alike, one a little more: close scores.
    const d = diagnose({ anomalyStart: ONSET, services: [svc("left", metric("latency_p99", 0.1, step(4.4), { salt: 1 })), svc("right", metric("latency_p99", 0.1, step(4), { salt: 2 })), healthy("other", 3)] });
    expect(d.uncertainty).toBe("unsure: two candidates");
    expect(closeCall(d)?.lead.service).toBe("left");
    expect(d.headline).toMatch(/^Likely cause: left: its latency rose\. \(confidence (8\d|9\d) %; right close behind at 1\d %\)$/);
  });
});
