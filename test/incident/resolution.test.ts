import { describe, expect, it } from "vitest";
import type { Incident, TimelineEntry } from "../../src/domain/incident.ts";
import { resolutionSummary } from "../../src/incident/resolution.ts";

const T0 = Date.parse("2026-11-23T10:00:00Z");
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
const incident: Incident = { id: "INC-1", title: "x", status: "resolved", severity: "sev2", origin: "alert", services: ["inventory"], createdAt: at(0), updatedAt: at(42), resolvedAt: at(42) };
let n = 0;
const e = (min: number, kind: TimelineEntry["kind"], actor: string, data: Record<string, unknown>): TimelineEntry => ({ id: ++n, incidentId: "INC-1", at: at(min), kind, actor, text: "", data });

describe("resolution summary", () => {
  it("says who resolved it and why, the fix that ran (verified) and how long it lasted", () => {
    const s = resolutionSummary(incident, [
      e(20, "action", "U_ALICE", { event: "executed", type: "rollback", actionId: "a1", target: { service: "inventory" } }),
      e(25, "action", "aisre", { event: "verified", type: "rollback", actionId: "a1", target: { service: "inventory" } }),
      e(42, "status", "aisre", { from: "open", to: "resolved", why: "all alerts resolved and quiet for 300 s" }),
    ]);
    expect(s).toBe("Resolved by aisre: all alerts resolved and quiet for 300 s. Fix: rollback of inventory (verified). Lasted 42 min.");
  });

  it("a person's resolve without an action", () => {
    expect(resolutionSummary(incident, [e(42, "status", "U_CAROL", { from: "acknowledged", to: "resolved", why: "resolved from Slack" })])).toBe("Resolved by <@U_CAROL>: resolved from Slack. Lasted 42 min.");
  });
});

describe("resolution summary of a merged incident", () => {
  it("says where it went and why, not that it was resolved", () => {
    const s = resolutionSummary(incident, [e(3, "status", "aisre", { from: "open", to: "resolved", mergedInto: "INC-0", why: "merged into INC-0: both explain SLOErrorBudgetBurn on checkout" })]);
    expect(s).toBe("Merged into INC-0 (both explain SLOErrorBudgetBurn on checkout): it goes on there. Lasted 42 min.");
    // The dependency chains of each side stay in the surviving thread, not in the card's sentence.
    const long = resolutionSummary(incident, [
      e(3, "status", "aisre", {
        from: "open",
        to: "resolved",
        mergedInto: "INC-0",
        why: "merged into INC-0: both explain SLOErrorBudgetBurn on checkout: checkout depends on payments (checkout calls payments; 1 hop) (INC-1); checkout depends on cache, its suspected cause (checkout calls cart, cart calls cache; 2 hops) (INC-0)",
      }),
    ]);
    expect(long).toBe("Merged into INC-0 (both explain SLOErrorBudgetBurn on checkout): it goes on there. Lasted 42 min.");
  });
});
