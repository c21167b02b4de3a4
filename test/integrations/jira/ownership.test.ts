import { describe, expect, it } from "vitest";
import { ownerOf, planFieldSync } from "../../../src/integrations/jira/ownership.ts";
import type { JiraSyncValues } from "../../../src/integrations/jira/port.ts";
import { itemAt } from "../../../src/domain/indexed.ts";

const current: JiraSyncValues = { status: "To Do", summary: "Checkout errors", description: "d", priority: "High", severity: "sev2", timeline: "t1", labels: ["aisre"], assignee: null };

describe("Jira field ownership", () => {
  it("declares aisre the owner of status, priority, severity and timeline, humans of the rest", () => {
    expect(["status", "priority", "severity", "timeline"].map((f) => ownerOf(f as keyof JiraSyncValues))).toEqual(["aisre", "aisre", "aisre", "aisre"]);
    expect(ownerOf("assignee")).toBe("human");
    expect(ownerOf("summary")).toBe("human");
  });

  it("always brings aisre-owned fields to aisre's values, even over a human's change", () => {
    const plan = planFieldSync({ desired: { status: "In Progress", priority: "Highest", timeline: "t1" }, current: { ...current, priority: "Low" }, lastSynced: { priority: "High" } });
    expect(plan.write).toEqual({ status: "In Progress", priority: "Highest" });
    expect(plan.synced).toMatchObject({ status: "In Progress", priority: "Highest", timeline: "t1" });
  });

  it("fills an empty human-owned field once, then leaves it to humans", () => {
    const first = planFieldSync({ desired: { assignee: "acc-alice" }, current, lastSynced: {} });
    expect(first.write).toEqual({ assignee: "acc-alice" });
    const humanChanged = planFieldSync({ desired: { assignee: "acc-alice" }, current: { ...current, assignee: "acc-bob" }, lastSynced: first.synced });
    expect(humanChanged.write).toEqual({});
    expect(humanChanged.keptHumanEdits).toEqual([{ field: "assignee", human: "acc-bob", wanted: "acc-alice" }]);
    // The last-synced value stays aisre's, so the human's edit keeps winning on every later sync.
    expect(humanChanged.synced.assignee).toBe("acc-alice");
    const later = planFieldSync({ desired: { assignee: "acc-carol" }, current: { ...current, assignee: "acc-bob" }, lastSynced: humanChanged.synced });
    expect(later.write).toEqual({});
  });

  it("updates a human-owned field aisre set while nobody has touched it", () => {
    const plan = planFieldSync({ desired: { summary: "Checkout and payments errors" }, current, lastSynced: { summary: "Checkout errors" } });
    expect(plan.write).toEqual({ summary: "Checkout and payments errors" });
    const nonEmptyNeverSynced = planFieldSync({ desired: { summary: "x" }, current, lastSynced: {} });
    expect(nonEmptyNeverSynced.write).toEqual({});
  });

  it("compares labels as sets and respects a custom ownership", () => {
    const plan = planFieldSync({ desired: { labels: ["incident", "aisre"] }, current: { ...current, labels: ["aisre", "incident"] }, lastSynced: { labels: ["aisre"] } });
    expect(plan.write).toEqual({});
    const custom = planFieldSync({ desired: { status: "Done" }, current: { ...current, status: "In Progress" }, lastSynced: { status: "To Do" }, ownership: { status: "human" } });
    expect(custom.write).toEqual({});
    expect(itemAt(custom.keptHumanEdits, 0).field).toBe("status");
  });
});
