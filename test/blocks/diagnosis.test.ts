import { describe, expect, it } from "vitest";
import { diagnosisAnalysisMessage, diagnosisUpdateMessage } from "../../blocks/diagnosis.ts";
import { SLACK_LIMITS } from "../../blocks/limits.ts";
import type { Diagnosis, Hypothesis } from "../../src/diagnose/types.ts";
import type { Incident } from "../../src/domain/incident.ts";

const incident: Incident = { id: "inc-1", title: "checkout errors", status: "open", severity: "sev2", origin: "alert", services: ["checkout"], createdAt: "2026-03-14T10:00:00Z", updatedAt: "2026-03-14T10:00:00Z" };
const long = (n: number) => "x".repeat(n);

function hyp(rank: number, service: string): Hypothesis {
  return {
    rank,
    service,
    cause: `${service}: ${long(900)}`,
    services: [service],
    score: 1 / rank,
    confidence: rank === 1 ? 0.81 : 0.05,
    evidence: Array.from({ length: 12 }, (_, i) => ({ kind: i % 2 ? ("log" as const) : ("metric" as const), source: { service }, summary: `<evidence> & ${i} ${long(400)}`, weight: 1 - i / 20 })),
    counterEvidence: Array.from({ length: 5 }, (_, i) => ({ kind: "topology" as const, source: { service }, summary: `against ${i} ${long(300)}`, weight: 0.3 })),
    gaps: [`no metrics for ${service} ${long(300)}`],
  };
}

const d: Diagnosis = {
  hypotheses: Array.from({ length: 40 }, (_, i) => hyp(i + 1, `svc-${i}`)),
  uncertainty: "confident",
  headline: `Likely cause: ${long(4000)}`,
  gaps: Array.from({ length: 60 }, (_, i) => `gap ${i} ${long(200)}`),
  notes: [],
  elapsedMs: 12,
};

function checkLimits(blocks: Array<Record<string, any>>) {
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
  for (const b of blocks) {
    if (b.type === "section") expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    if (b.type === "context") {
      expect(b.elements.length).toBeLessThanOrEqual(SLACK_LIMITS.contextElements);
      for (const e of b.elements) expect(e.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    }
  }
}

describe("diagnosis messages", () => {
  it("fit Slack's limits however long the analysis, and escape mrkdwn", () => {
    const m = diagnosisAnalysisMessage({
      incident,
      diagnosis: d,
      window: { start: Date.parse("2026-03-14T08:00:00Z"), onset: Date.parse("2026-03-14T10:00:00Z"), end: Date.parse("2026-03-14T10:30:00Z") },
      symptom: { service: "checkout", metric: "error_ratio", alert: "SLOErrorBudgetBurn" },
      tools: Array.from({ length: 30 }, (_, i) => ({ tool: `tool_${i}`, status: i % 4 === 0 ? ("disabled" as const) : ("ok" as const), detail: long(500) })),
      oncall: { service: "checkout", people: [{ name: "Alice <Martin>", level: 1 }] },
      similar: [{ title: "Payments pool exhausted", excerpt: "", incidentId: "INC-12", fixedBy: ["rollout_restart of payments <pods> (symptoms recovered)"] }],
      runbooks: [{ title: "Database connection pool exhausted", service: "payments", score: 0.8 }],
    });
    checkLimits(m.blocks as Array<Record<string, any>>);
    const text = JSON.stringify(m.blocks);
    expect(text).toContain("Seen before: INC-12 Payments pool exhausted (fixed by rollout_restart of payments &lt;pods&gt; (symptoms recovered))");
    expect(text).toContain("*1. svc-0* — 81 %");
    expect(text).toContain("&lt;evidence&gt; &amp; 0");
    expect(text).toContain("Alice &lt;Martin&gt;");
    expect(text).toContain("…and");
    expect(text).toContain("Also considered: svc-3 5 %");
    expect(m.text).toBe("Diagnosis: svc-0 81 % (high confidence); then svc-1 5 %");
    expect(text).toContain(":mag: *Diagnosis* · :large_green_circle: high confidence");
  });

  it("say how sure in the card's words: a clear ranking at 60 % is medium confidence, not 'confident'", () => {
    const medium: Diagnosis = { ...d, hypotheses: [{ ...hyp(1, "cache"), confidence: 0.6 }] };
    const m = diagnosisAnalysisMessage({ incident, diagnosis: medium, window: { start: 0, onset: 0, end: 0 }, tools: [], similar: [], runbooks: [] });
    expect(JSON.stringify(m.blocks)).toContain(":mag: *Diagnosis* · :large_yellow_circle: medium confidence");
    expect(m.text).toBe("Diagnosis: cache 60 % (medium confidence)");
  });

  it("list a runbook matched for several services once, with its services", () => {
    const m = diagnosisAnalysisMessage({
      incident,
      diagnosis: d,
      window: { start: Date.parse("2026-03-14T08:00:00Z"), onset: Date.parse("2026-03-14T10:00:00Z"), end: Date.parse("2026-03-14T10:30:00Z") },
      tools: [],
      similar: [],
      runbooks: [
        { title: "High latency", service: "checkout", score: 0.7 },
        { title: "High latency", service: "payments", score: 0.7 },
        { title: "Slow queries", service: "orders-db", score: 0.8 },
      ],
    });
    expect(JSON.stringify(m.blocks)).toContain(":books: Runbooks: High latency (checkout, payments), Slow queries (orders-db)");
  });

  it("say what changed, with the new leader's evidence, and nothing else", () => {
    const m = diagnosisUpdateMessage({
      incident,
      diagnosis: d,
      trigger: "1 alert(s): DBConnectionPoolExhausted on payments",
      changes: [
        { kind: "leader", service: "svc-0", to: 0.81, text: "Leading hypothesis is now svc-0 (81 %), was svc-9" },
        { kind: "new", service: "svc-0", to: 0.81, text: "New hypothesis: svc-0 (81 %)" },
        { kind: "weakened", service: "svc-9", from: 0.6, to: 0.05, text: "Hypothesis weakened: svc-9 (60 % → 5 %)" },
      ],
    });
    checkLimits(m.blocks as Array<Record<string, any>>);
    const text = JSON.stringify(m.blocks);
    expect(m.text).toBe("Leading hypothesis is now svc-0 (81 %), was svc-9; New hypothesis: svc-0 (81 %); Hypothesis weakened: svc-9 (60 % → 5 %)");
    expect(text.match(/&lt;evidence&gt; &amp; 0/g)).toHaveLength(1);
    expect(text).toContain("below it: svc-1 5 %");
    expect(text).not.toContain("Investigation gaps");
  });
});
