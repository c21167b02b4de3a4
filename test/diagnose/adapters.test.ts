import { describe, expect, it } from "vitest";
import { cardDiagnosis, changesFromEvents, diffDiagnoses, graphFromTopology, nextSteps } from "../../src/diagnose/adapters.ts";
import { diagnose } from "../../src/diagnose/engine.ts";
import type { DiagnosisInput } from "../../src/diagnose/types.ts";
import { healthy, metric, ONSET, step, svc } from "./helpers.ts";
import { itemAt } from "../../src/domain/indexed.ts";

function input(): DiagnosisInput {
  return {
    anomalyStart: ONSET,
    services: [svc("payments", metric("latency_p99", 0.1, step(3), { salt: 1 })), svc("ledger", metric("latency_p99", 0.1, step(2.6), { salt: 2 })), svc("checkout", metric("latency_p99", 0.4, step(1.8), { salt: 3 })), healthy("search", 4)],
    graph: graphFromTopology({
      services: [],
      edges: [
        { from: "checkout", to: "payments" },
        { from: "checkout", to: "ledger" },
        { from: "checkout", to: "search" },
      ],
    }),
    symptom: { service: "checkout", metric: "latency_p99" },
    changes: [],
    k8s: [],
    logs: [],
  };
}

describe("adapters", () => {
  it("turns the call topology into propagation edges and ISO change times into unix seconds", () => {
    expect(graphFromTopology({ services: [], edges: [{ from: "a", to: "b" }] })).toEqual({ edges: [{ source: "b", target: "a" }], orientation: "as-given" });
    expect(graphFromTopology({ services: [], edges: [] })).toBeUndefined();
    const c = changesFromEvents([{ id: "1", source: "github", kind: "deploy", service: "ledger", version: "v7", at: new Date(ONSET * 1000 - 60_000).toISOString() }]);
    expect(c).toEqual([{ service: "ledger", at: ONSET - 60, kind: "deploy", version: "v7" }]);
  });

  it("fills the root card and next steps from the diagnosis", () => {
    const withDeploy = input();
    withDeploy.changes = [{ service: "ledger", at: ONSET - 240, kind: "deploy", version: "v7" }];
    const d = diagnose(withDeploy);
    const card = cardDiagnosis(d);
    expect(card.cause).toMatch(/ledger/);
    expect(card.confidence).toBe(itemAt(d.hypotheses, 0).confidence);
    expect(card.verdict).toBe(d.uncertainty);
    expect(card.nextSteps!.join(" ")).toMatch(/roll it back/);
    // The card recommending ledger's rollback already says so: the step is not repeated under it.
    expect(cardDiagnosis(d, "ledger").nextSteps!.join(" ")).not.toMatch(/roll it back/);
    expect(cardDiagnosis(d, "payments").nextSteps!.join(" ")).toMatch(/roll it back/);
    expect(nextSteps(diagnose({ anomalyStart: ONSET, services: [healthy("a")] }))[0]).toMatch(/no service shows a clear anomaly/);
  });

  it("asks to fill a gap of missing metrics only where it could change the answer", () => {
    const lead = (confidence: number) => ({ rank: 1, service: "orders-db", cause: "orders-db: its db longest transaction rose.", services: ["orders-db"], score: 1, confidence, evidence: [], counterEvidence: [], gaps: [] });
    const diagnosis = (confidence: number, gaps: string[]) => ({ hypotheses: [lead(confidence)], uncertainty: "confident" as const, headline: "", gaps, notes: [], elapsedMs: 1 });
    const elsewhere = "no metrics for 2 services: cart, payment-provider";
    // A clear cause: services it does not touch are no step for the on-call.
    expect(nextSteps(diagnosis(0.91, [elsewhere])).join(" ")).not.toMatch(/Fill the gap/);
    // An unclear one: they might hold it.
    expect(nextSteps(diagnosis(0.6, [elsewhere]))).toContain(`Fill the gap: ${elsewhere}.`);
    // The leader's own missing metrics, or a source that failed, always are.
    expect(nextSteps(diagnosis(0.91, ["no metrics for 2 services: cart, orders-db"]))).toContain("Fill the gap: no metrics for 2 services: cart, orders-db.");
    expect(nextSteps(diagnosis(0.91, [elsewhere, "k8s pods: failed (timeout)"]))).toContain("Fill the gap: k8s pods: failed (timeout).");
    // bad-deploy walk: a common cause without metrics, beside a deploy blamed at 91 %.
    const common = "inventory has no metrics, yet 3 services that depend on it are anomalous (checkout, cart, reporting): it could be their common cause";
    expect(nextSteps(diagnosis(0.91, [common])).join(" ")).not.toMatch(/Fill the gap/);
    expect(nextSteps(diagnosis(0.6, [common]))).toContain(`Fill the gap: ${common}.`);
  });

  it("describes what changed between two diagnoses, one line per change", () => {
    const before = diagnose(input());
    const later = input();
    later.changes = [{ service: "ledger", at: ONSET - 240, kind: "deploy", version: "v7" }];
    const after = diagnose(later);
    const changes = diffDiagnoses(before, after);
    expect(changes.find((c) => c.kind === "strengthened" && c.service === "ledger")?.text).toMatch(/Hypothesis strengthened: ledger \(\d+ % → \d+ %\): deploy v7/);
    expect(itemAt(changes, 0).kind).toBe("leader");
    expect(changes.some((c) => c.service === "payments" && (c.kind === "weakened" || c.kind === "dropped"))).toBe(true);
    // nothing new → nothing to say
    expect(diffDiagnoses(after, diagnose(later))).toEqual([]);
    // first diagnosis: every top hypothesis is new
    expect(diffDiagnoses(undefined, after).every((c) => c.kind === "new")).toBe(true);
  });
});
