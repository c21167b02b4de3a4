import { describe, expect, it } from "vitest";
import { timelineModal } from "../../blocks/timeline-modal.ts";
import type { Incident, TimelineEntry } from "../../src/domain/incident.ts";
import { mitigationSteps } from "../../src/assistant/answers.ts";
import { postmortemLinkText } from "../../src/incident/incident-service.ts";
import { comparedWithUsual, listWords, noun, plural, possessive, verb } from "../../src/text/words.ts";
import { itemAt } from "../../src/domain/indexed.ts";

describe("plain-English words", () => {
  it("counts things without '(s)'", () => {
    expect(plural(1, "service")).toBe("1 service");
    expect(plural(3, "service")).toBe("3 services");
    expect(plural(2, "hop")).toBe("2 hops");
    expect(plural(2, "entry")).toBe("2 entries");
    expect(plural(0, "alert")).toBe("0 alerts");
    expect(plural(2, "anomaly", "anomalies")).toBe("2 anomalies");
    expect(noun(1, "pod")).toBe("pod");
    expect(noun(4, "match")).toBe("matches");
  });

  it("agrees verbs and makes possessives", () => {
    expect(`order-processor ${verb(1, "shows")}`).toBe("order-processor shows");
    expect(`2 services ${verb(2, "shows")}`).toBe("2 services show");
    expect(verb(2, "is")).toBe("are");
    expect(possessive("payments")).toBe("payments'");
    expect(possessive("checkout")).toBe("checkout's");
    expect(listWords(["a", "b", "c"])).toBe("a, b and c");
  });

  it("compares a value with its usual level as an engineer says it", () => {
    expect(comparedWithUsual(0.0335, 0.0058)).toBe("5.8× the usual");
    expect(comparedWithUsual(3.9, 0.96)).toBe("4.1× the usual");
    expect(comparedWithUsual(45, 1)).toBe("45× the usual");
    expect(comparedWithUsual(1.4, 1)).toBe("+40 % over the usual");
    expect(comparedWithUsual(1, 1)).toBe("about the usual");
    expect(comparedWithUsual(0.5, 1)).toBe("50 % below the usual");
    expect(comparedWithUsual(0.1, 1)).toBe("10 % of the usual");
    expect(comparedWithUsual(3, 0)).toBeUndefined();
  });
});

describe("the timeline modal", () => {
  const incident: Incident = { id: "INC-1", title: "checkout <failing>", status: "open", severity: "sev2", origin: "alert", services: ["checkout"], createdAt: "2026-11-23T10:00:00Z", updatedAt: "2026-11-23T10:00:00Z" };
  const entry = (i: number, text: string): TimelineEntry => ({ id: i, incidentId: "INC-1", at: new Date(Date.UTC(2026, 10, 23, 10, 0) + i * 1000).toISOString(), kind: "alert", actor: "x", text, data: {} });

  it("shows every entry, escaped, with Slack dates; the newest kept when Slack's limits cut", () => {
    const v = timelineModal(incident, [entry(1, "HighErrorRate fired <!channel>"), entry(2, "deploy of inventory 2.3.0")]);
    const body = JSON.stringify(v);
    expect(body).toContain("HighErrorRate fired &lt;!channel&gt;");
    expect(body).toContain("<!date^1795428001^{time}|10:00 UTC>");
    expect(body).toContain("2 entries");
    const many = Array.from({ length: 3000 }, (_, i) => entry(i, `entry number ${i} ${"x".repeat(200)}`));
    const big = timelineModal(incident, many);
    expect(big.blocks.length).toBeLessThanOrEqual(100);
    for (const b of big.blocks as Array<{ text?: { text: string } }>) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(big)).toContain("entry number 2999");
    expect(JSON.stringify(big)).toMatch(/the newest \d+ shown/);
  });
});

describe("the card's postmortem link", () => {
  it("says the status once", () => {
    expect(`Postmortem: ${postmortemLinkText("draft")}`).toBe("Postmortem: Draft, in the thread");
    expect(`Postmortem: ${postmortemLinkText("in_review")}`).toBe("Postmortem: In review, in the thread");
  });
});

describe("runbook steps", () => {
  it("keep a step that wraps onto the next line whole", () => {
    const body = "# X\n\n## Mitigation\n\n1. Roll back the deploy with\n   `kubectl rollout undo deployment/inventory`, then watch the error ratio.\n2. If errors stay,\npage the owning team.\n\nMore prose here.\n\n## Verification\n- done\n";
    expect(mitigationSteps({ body })).toEqual(["Roll back the deploy with `kubectl rollout undo deployment/inventory`, then watch the error ratio.", "If errors stay, page the owning team."]);
  });
});

describe("the digest's anomaly lines", () => {
  it("compare the latest value with the level before the anomaly, not a baseline that followed it up", async () => {
    const { digestFromTimeline } = await import("../../src/incident/digest.ts");
    const e = (id: number, state: string, baseline: number, deviation: number) => ({
      id,
      incidentId: "INC-1",
      at: new Date(Date.UTC(2026, 10, 23, 10, id)).toISOString(),
      kind: "anomaly" as const,
      actor: "aisre",
      text: "",
      data: { key: "checkout/error-ratio", service: "checkout", sli: "error-ratio", unit: "ratio", state, first: { explanation: { baseline: 0.006, deviation: 0.03, since: 0 } }, latest: { explanation: { baseline, deviation } } },
    });
    const v = digestFromTimeline("INC-1", [e(1, "detected", 0.006, 0.03), e(2, "worsened", 0.595, 0.01)]);
    expect(v.anomalies).toHaveLength(1);
    expect(itemAt(v.anomalies, 0).usual).toBe(0.006);
    expect(itemAt(v.anomalies, 0).value).toBeCloseTo(0.605);
  });
});
