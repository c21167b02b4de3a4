import { describe, expect, it } from "vitest";
import { incidentCardMessage } from "../../blocks/incident-card.ts";
import { incidentDigestMessage } from "../../blocks/incident-digest.ts";
import { SLACK_LIMITS } from "../../blocks/limits.ts";
import type { Incident, TimelineEntry } from "../../src/domain/incident.ts";
import { digestFromTimeline } from "../../src/incident/digest.ts";

const incident: Incident = { id: "INC-1", title: "checkout 5xx", status: "open", severity: "sev2", origin: "alert", services: ["checkout"], createdAt: "2026-11-23T10:00:00Z", updatedAt: "2026-11-23T10:00:00Z" };

type AnyBlock = { type: string; text?: { text: string }; fields?: Array<{ text: string }>; elements?: Array<{ text?: { text: string } | string; action_id?: string }> };

function checkLimits(blocks: unknown[]) {
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
  for (const b of blocks as AnyBlock[]) {
    if (b.type === "header") expect(b.text!.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    if (b.type === "section" && b.text) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionFieldText);
    if (b.type === "actions") expect(b.elements!.length).toBeLessThanOrEqual(SLACK_LIMITS.actionsElements);
  }
}

describe("incident card", () => {
  it("shows the three headers and says Investigating… before a diagnosis", () => {
    const m = incidentCardMessage({ incident, alerts: { total: 3, firing: 2, names: ["HighErrorRate"] }, links: {} });
    const text = JSON.stringify(m.blocks);
    expect(text).toContain("What's going on");
    expect(text).toContain("What caused it");
    expect(text).toContain("What to do next");
    expect(text).toContain("Investigating…");
    expect(text).toContain("incident_acknowledge");
  });

  it("shows the cause with its confidence, links, and looks resolved when resolved", () => {
    const m = incidentCardMessage({
      incident: { ...incident, status: "resolved" },
      alerts: { total: 3, firing: 0, names: [] },
      diagnosis: { cause: "inventory v2.3 deploy", confidence: 0.82, nextSteps: ["Roll back inventory"] },
      links: { jira: { key: "OPS-7", url: "http://jira/OPS-7" }, pagerduty: { id: "P1" } },
    });
    const text = JSON.stringify(m.blocks);
    expect(text).toContain("confidence 82% — high");
    expect(text).toContain("OPS-7");
    expect(text).toContain("(resolved)");
    expect(text).toContain("incident_reopen");
    expect(text).not.toContain("incident_acknowledge");
  });

  it("heads with the current understanding; once resolved, impact, recommendations and actions give way to the resolution", () => {
    const open = incidentCardMessage({
      incident,
      headline: "Checkout failing 30 % — inventory deploy 2.3.0 likely",
      impact: "checkout: 30 % of requests fail",
      alerts: { total: 3, firing: 3, names: [] },
      diagnosis: { cause: "inventory: the deploy", confidence: 0.9, nextSteps: ["Recommended: rollback of inventory; see the action card in the thread."] },
      links: {},
    });
    expect(JSON.stringify(open.blocks)).toContain("SEV2 · Checkout failing 30 % — inventory deploy 2.3.0 likely");
    expect(open.text).toContain("Checkout failing 30 %");
    const done = incidentCardMessage({
      incident: { ...incident, status: "resolved", resolvedAt: "2026-11-23T10:40:00Z" },
      headline: "Checkout failing 30 % — inventory deploy 2.3.0 likely",
      resolution: "Resolved by aisre: all alerts resolved. Fix: rollback of inventory (verified). Lasted 40 min.",
      impact: "checkout: 30 % of requests fail",
      alerts: { total: 3, firing: 0, names: [] },
      diagnosis: { cause: "inventory: the deploy", confidence: 0.9, nextSteps: ["Recommended: rollback of inventory; see the action card in the thread."] },
      links: {},
    });
    const text = JSON.stringify(done.blocks);
    expect(text).toContain("Resolution");
    expect(text).toContain("Fix: rollback of inventory (verified)");
    expect(text).toContain("inventory: the deploy");
    expect(text).not.toContain("Impact");
    expect(text).not.toContain("30 % of requests fail");
    expect(text).not.toContain("Recommended");
    expect(text).not.toContain("What to do next");
    expect(text).not.toContain("incident_resolve");
  });

  it("the resolution names the person who resolved it as a live mention; any other mention stays text", () => {
    const done = incidentCardMessage({
      incident: { ...incident, status: "resolved", resolvedAt: "2026-11-23T10:40:00Z" },
      resolution: "Resolved by <@U_ALICE>: fixed <@U_MALLORY> <!channel>. Lasted 40 min.",
      resolvedBy: "U_ALICE",
      alerts: { total: 1, firing: 0, names: [] },
      links: {},
    });
    const text = JSON.stringify(done.blocks);
    expect(text).toContain("Resolved by <@U_ALICE>");
    expect(text).toContain("&lt;@U_MALLORY&gt;");
    expect(text).toContain("&lt;!channel&gt;");
  });

  it("stays within Slack's limits whatever the input size", () => {
    const huge = "x".repeat(10_000);
    const m = incidentCardMessage({
      incident: { ...incident, title: huge, services: Array.from({ length: 500 }, (_, i) => `service-${i}`) },
      alerts: { total: 1e6, firing: 1e6, names: Array.from({ length: 10 }, () => huge) },
      impact: huge,
      diagnosis: { summary: huge, cause: huge, nextSteps: [huge, huge] },
      links: {},
    });
    checkLimits(m.blocks);
    const alerts = Array.from({ length: 2000 }, (_, i) => ({ fingerprint: `f${i}`, name: `Alert${i}${huge}`, severity: "sev3" as const, status: "firing" as const, service: "svc", since: "2026-11-23T10:00:00Z", flips: 0 }));
    const digest = incidentDigestMessage({ incidentId: incident.id, alerts, anomalies: [], changes: [] });
    checkLimits(digest.blocks);
    expect(JSON.stringify(digest.blocks)).toContain("more (see Timeline)");
  });
});

describe("the digest's alert lines", () => {
  const entry = (id: number, fp: string, pod: string, status: "firing" | "resolved"): TimelineEntry => ({
    id,
    incidentId: incident.id,
    at: new Date(Date.parse("2026-11-23T10:00:00Z") + id * 60_000).toISOString(),
    kind: "alert",
    actor: "alertmanager",
    text: `KubePodCrashLooping ${status} on cart`,
    data: { fingerprint: fp, name: "KubePodCrashLooping", status, severity: "sev2", service: "cart", labels: { alertname: "KubePodCrashLooping", severity: "critical", service: "cart", namespace: "shop", pod, container: "cart" } },
  });
  const alertsText = (entries: TimelineEntry[]) => {
    const m = incidentDigestMessage(digestFromTimeline(incident.id, entries));
    return (m.blocks as AnyBlock[]).find((b) => b.text?.text.startsWith("*Alerts*"))!.text!.text;
  };

  it("folds alerts of one name on one service, naming the pods that tell them apart", () => {
    const text = alertsText([entry(1, "a", "cart-7d9f8c6b5-x2k4q", "firing"), entry(2, "b", "cart-a1b2c3d4e5-p9z8y", "firing")]);
    expect(text.split("\n")).toHaveLength(2);
    expect(text).toContain("*KubePodCrashLooping* ×2 on `cart` (SEV2) firing since");
    expect(text).toContain("`cart-7d9f8c6b5-x2k4q`, `cart-a1b2c3d4e5-p9z8y`");
  });

  it("a long pod name is cut in the middle, so the suffix that tells two pods apart stays", () => {
    // memory-leak walk: both pods read `order-processor-rwvxhh227d-…`.
    const text = alertsText([entry(1, "a", "order-processor-rwvxhh227d-k2j9x", "firing"), entry(2, "b", "order-processor-rwvxhh227d-p7q4m", "firing")]);
    expect(text).toContain("`order-proces…wvxhh227d-k2j9x`, `order-proces…wvxhh227d-p7q4m`");
  });

  it("shows the pod on each line when the same name is on two lines (one firing, one resolved)", () => {
    const text = alertsText([entry(1, "a", "cart-7d9f8c6b5-x2k4q", "firing"), entry(2, "b", "cart-a1b2c3d4e5-p9z8y", "firing"), entry(3, "b", "cart-a1b2c3d4e5-p9z8y", "resolved")]);
    const [, firing, resolved] = text.split("\n");
    expect(firing).toMatch(/:red_circle: \*KubePodCrashLooping\* on `cart` .* — `cart-7d9f8c6b5-x2k4q`$/);
    expect(resolved).toMatch(/:large_green_circle: \*KubePodCrashLooping\* on `cart` .*resolved — `cart-a1b2c3d4e5-p9z8y`$/);
  });

  it("a label value is outside text: escaped, never live", () => {
    const text = alertsText([entry(1, "a", "<!channel> `x`", "firing"), entry(2, "b", "cart-2", "firing")]);
    expect(text).toContain("`&lt;!channel&gt; ˋxˋ`");
    expect(text).not.toContain("<!channel>");
  });

  it("an alert alone under its name gets no label and no count", () => {
    const text = alertsText([entry(1, "a", "cart-7d9f8c6b5-x2k4q", "firing")]);
    expect(text).not.toContain("×");
    expect(text).not.toContain("cart-7d9f8c6b5");
  });
});

describe("times on the card", () => {
  it("the diagnosis's times of day become Slack date tokens; the start time falls back to readable UTC", () => {
    const m = incidentCardMessage({ incident, alerts: { total: 1, firing: 1, names: [] }, diagnosis: { cause: "checkout: error ratio rose to 28.4 % at 10:07 UTC", nextSteps: ["Look at checkout: rose at 10:07 UTC"] }, links: {} });
    const body = JSON.stringify(m.blocks);
    expect(body).toContain("at <!date^1795428420^{time}|10:07 UTC>");
    expect(body).not.toMatch(/[^|]10:07 UTC/);
    expect(body).toContain("|23 Nov 10:00 UTC>");
    expect(body).not.toContain("2026-11-23T10:00:00Z");
  });

  it("times with seconds (the postmortem's) become date tokens too", async () => {
    const { slackTimesIn } = await import("../../src/text/slack-markup.ts");
    expect(slackTimesIn("Duration: 7 minutes (10:20:45 UTC → 10:27:45 UTC)", Date.UTC(2026, 10, 23, 10, 0))).toBe("Duration: 7 minutes (<!date^1795429245^{time}|10:20:45 UTC> → <!date^1795429665^{time}|10:27:45 UTC>)");
    // Within a length: times are turned first first while the text stays within it; the rest stay as they are.
    expect(slackTimesIn("Duration: 7 minutes (10:20:45 UTC → 10:27:45 UTC)", Date.UTC(2026, 10, 23, 10, 0), 80)).toBe("Duration: 7 minutes (<!date^1795429245^{time}|10:20:45 UTC> → 10:27:45 UTC)");
  });
});

describe("text from outside is not read as Slack markup", () => {
  it("escapes <, > and & in alert summaries, reasons and the diagnosis", async () => {
    const alert = { fingerprint: "f", name: "LogErrors <n> & <!channel>", status: "firing" as const, severity: "sev3" as const, service: "inventory", since: "2026-11-23T10:00:00Z", flips: 0 };
    const text = JSON.stringify(incidentDigestMessage({ incidentId: incident.id, alerts: [alert], anomalies: [], changes: [] }).blocks);
    expect(text).toContain("LogErrors &lt;n&gt; &amp; &lt;!channel&gt;");
    expect(text).not.toContain("<!channel>");
    const card = JSON.stringify(incidentCardMessage({ incident, alerts: { total: 1, firing: 1, names: [] }, diagnosis: { cause: "deploy <v2>", nextSteps: ["roll back <now>"] }, links: {} }).blocks);
    expect(card).toContain("deploy &lt;v2&gt;");
    expect(card).toContain("roll back &lt;now&gt;");
  });
});
