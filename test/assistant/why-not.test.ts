import { describe, expect, it } from "vitest";
import { parseQuestion } from "../../src/assistant/intents.ts";
import { explainWhyNot, parseWhyNot } from "../../src/assistant/why-not.ts";
import type { Incident, TimelineEntry } from "../../src/domain/incident.ts";
import type { RemediationAction } from "../../src/remediate/types.ts";

const services = ["cart", "checkout", "payments", "search", "order-processor"];
const incident: Incident = { id: "INC-1", title: "cart crash-looping", status: "open", severity: "sev3", origin: "alert", services: ["cart"], createdAt: "2026-12-05T11:00:00Z", updatedAt: "2026-12-05T11:10:00Z" };
const change: TimelineEntry = { id: 1, incidentId: "INC-1", at: "2026-12-05T11:01:00Z", kind: "change", actor: "github", text: "deploy of cart 1.8.0", data: { kind: "deploy", service: "cart", version: "1.8.0", at: "2026-12-05T10:58:00Z" } };
const lead = { rank: 1, service: "cart", text: "cart: the deploy 1.8.0 is the likely trigger; pods show CrashLoopBackOff", confidence: 0.92, evidence: ["deploy 1.8.0 (cart) at 10:58Z, 2 min before onset", "CrashLoopBackOff ×12"], counterEvidence: [], gaps: [], at: "2026-12-05T11:05:00Z" };
const ctx = { incident, card: { diagnosis: { cause: lead.text, confidence: 0.92, verdict: "confident" } }, timeline: [change], hypotheses: [lead] };
const rollback = { id: "act_1", incidentId: "INC-1", type: "rollback", target: { service: "cart" }, params: {}, state: "pending", reason: "deploy 1.8.0 lines up with the onset", createdAt: "2026-12-05T11:06:00Z" } as unknown as RemediationAction;

describe("why not X?", () => {
  it("is recognised as a question about a remedy, with its service", () => {
    expect(parseWhyNot("<@U0AISREBOT> why not roll back cart?", services)).toEqual({ action: "rollback", service: "cart" });
    expect(parseWhyNot("why didn't you restart payments", services)).toEqual({ action: "rollout_restart", service: "payments" });
    expect(parseWhyNot("why not just kill the pod of order-processor?", services)).toEqual({ action: "delete_pod", service: "order-processor" });
    expect(parseWhyNot("why is checkout failing?", services)).toBeUndefined();
    expect(parseQuestion("@aisre why not roll back cart?", services)).toMatchObject({ intent: "why_not", service: "cart", remedy: { action: "rollback" } });
  });

  it("says a proposed remedy was proposed, and why", () => {
    expect(explainWhyNot({ action: "rollback", service: "cart" }, ctx, [rollback])).toContain("I did propose rolling back `cart`: deploy 1.8.0 lines up with the onset");
  });

  it("explains from the evidence why a restart was not proposed after a rollout, and what was instead", () => {
    const a = explainWhyNot({ action: "rollout_restart", service: "cart" }, ctx, [rollback]);
    expect(a).toContain("I did not propose restarting `cart` because `cart` changed just before (deploy 1.8.0 at 10:58 UTC): a restart brings the same template back");
    expect(a).toContain("I proposed *rollback* of `cart` instead");
    expect(a).toContain("CrashLoopBackOff ×12");
  });

  it("explains why a rollback of another service was not proposed", () => {
    const a = explainWhyNot({ action: "rollback", service: "search" }, { ...ctx, timeline: [change] }, [rollback]);
    expect(a).toContain("the evidence points at `cart`, not `search` (nothing in the diagnosis points there)");
    expect(a).toContain("there is no deploy or config change of `search` on this incident's timeline to roll back");
  });
});
