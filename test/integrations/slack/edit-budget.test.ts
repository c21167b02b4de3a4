import { describe, expect, it } from "vitest";
import { EditBudget, workspaceOfChannel } from "../../../src/integrations/slack/edit-budget.ts";

describe("EditBudget", () => {
  it("lets the burst go at once, then refills so that no 60 s window holds more than perMinute", () => {
    const b = new EditBudget({ perMinute: 50, burst: 10 });
    let sent = 0;
    // One attempt every 100 ms for two minutes, in one workspace.
    const times: number[] = [];
    for (let t = 0; t < 120_000; t += 100)
      if (b.take("", t) === 0) {
        sent++;
        times.push(t);
      }
    for (let i = 0; i < times.length; i++) expect(times.filter((x) => x >= times[i]! && x < times[i]! + 60_000).length).toBeLessThanOrEqual(50);
    expect(sent).toBeGreaterThanOrEqual(10 + 79);
    expect(sent).toBeLessThanOrEqual(10 + 81);
  });

  it("counts per workspace, and a 429's pause stops every edit of that workspace only, until its end", () => {
    const b = new EditBudget({ perMinute: 20, burst: 2 });
    b.pause("T1", 5_000, 0);
    expect(b.take("T1", 1_000)).toBe(4_000);
    expect(b.take("", 1_000)).toBe(0);
    // After the pause the bucket starts empty: the first edit waits for a refill (60 s / 18 a minute).
    expect(b.take("T1", 5_000)).toBe(Math.ceil(60_000 / 18));
    expect(b.take("T1", 5_000 + Math.ceil(60_000 / 18))).toBe(0);
  });

  it("knows the workspace of a channel named with it", () => {
    expect(workspaceOfChannel("T0OTHER01/#payments-ops")).toBe("T0OTHER01");
    expect(workspaceOfChannel("#incidents")).toBe("");
    expect(() => new EditBudget({ perMinute: 5, burst: 5 })).toThrow();
  });
});
