import { describe, expect, it } from "vitest";
import type { Incident, TimelineEntry } from "../../src/domain/incident.ts";
import { effective, generateDoc, toJiraText, toMarkdown } from "../../src/postmortem/document.ts";
import { computeFacts, errorBudget } from "../../src/postmortem/facts.ts";
import type { PostmortemRecord } from "../../src/postmortem/model.ts";
import { narrativeInput, parseNarrative } from "../../src/postmortem/narrator.ts";
import { Redactor } from "../../src/redact/redactor.ts";
import { actionItemsText, parseActionItems, templateSections } from "../../src/postmortem/template.ts";
import { keyTimeline } from "../../src/postmortem/timeline.ts";
import { itemAt } from "../../src/domain/indexed.ts";

// The postmortem's pure parts: facts from the records, the template, edits, the Jira and KB forms,
// redaction and the narrator's answer.

const T0 = Date.parse("2026-11-23T10:00:00Z");
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
let id = 0;
const entry = (min: number, kind: TimelineEntry["kind"], actor: string, text: string, data: Record<string, unknown> = {}): TimelineEntry => ({ id: ++id, incidentId: "INC-1", at: at(min), kind, actor, text, data });

const incident: Incident = { id: "INC-1", title: "Checkout errors", status: "resolved", severity: "sev2", origin: "alert", services: ["checkout", "inventory"], createdAt: at(3), updatedAt: at(40), resolvedAt: at(40), acknowledgedBy: "U_ALICE" };

const timeline: TimelineEntry[] = [
  entry(-10, "change", "github", "deploy of inventory 2.3.0 — a change to inventory", { kind: "deploy", service: "inventory", version: "2.3.0", previousVersion: "2.2.1", author: "maria-dev", at: at(-10) }),
  entry(3, "status", "aisre", "Incident opened (alert)", { status: "open", origin: "alert" }),
  entry(3, "alert", "alertmanager", "HighErrorRate fired on inventory — first alert (new)", { fingerprint: "a", status: "firing" }),
  ...Array.from({ length: 5 }, (_, i) => entry(4, "alert", "alertmanager", "HighErrorRate fired on inventory — repeat", { fingerprint: "a", status: "firing", n: i })),
  entry(5, "alert", "alertmanager", "SLOErrorBudgetBurn fired on checkout — related", { fingerprint: "b", status: "firing" }),
  entry(5, "sync", "aisre", "Jira ticket OPS-7 created"),
  entry(6, "hypothesis", "aisre", "inventory 2.3.0 regression", { confidence: 0.82 }),
  entry(12, "status", "U_ALICE", "Status open → acknowledged: acknowledged in PagerDuty by Alice Chen", { from: "open", to: "acknowledged", why: "acknowledged in PagerDuty by Alice Chen" }),
  entry(14, "message", "U_BOB", "rolling back inventory, token=abc123secretvalue987 from 10.1.2.3, ping bob@example.com"),
  entry(20, "action", "U_ALICE", "Rolled back inventory to 2.2.1", { event: "executed", type: "rollback" }),
  entry(25, "action", "aisre", "Verified: error rate back under 1%", { event: "verified", type: "rollback" }),
  entry(30, "alert", "alertmanager", "HighErrorRate resolved on inventory", { fingerprint: "a", status: "resolved" }),
  entry(40, "status", "U_ALICE", "Status acknowledged → resolved: rolled back", { from: "acknowledged", to: "resolved", why: "rolled back" }),
];
const alerts = [
  { name: "HighErrorRate", service: "inventory", severity: "sev2" as const, source: "alertmanager", startsAt: at(0), status: "resolved" as const },
  { name: "SLOErrorBudgetBurn", service: "checkout", severity: "sev2" as const, source: "alertmanager", startsAt: at(2), status: "firing" as const },
];

const facts = computeFacts({ incident, timeline, alerts, links: { jira: { key: "OPS-7" }, pagerduty: { ref: "PagerDuty #3" } }, slo: { objective: 99.9, windowDays: 30 }, now: at(60) });

describe("facts", () => {
  it("times from the records: first symptom, detection, acknowledgement, resolution", () => {
    expect(facts).toMatchObject({ startedAt: at(0), detectedAt: at(3), acknowledgedAt: at(12), acknowledgedBy: "U_ALICE", resolvedAt: at(40), resolvedBy: "U_ALICE", resolvedWhy: "rolled back", durationMinutes: 40, timeToDetectMinutes: 3, timeToAcknowledgeMinutes: 12, timeToResolveMinutes: 40 });
    expect(facts.changes).toEqual([{ kind: "deploy", service: "inventory", version: "2.3.0", previousVersion: "2.2.1", author: "maria-dev", at: at(-10), minutesBefore: 10 }]);
    expect(facts.leadingCause).toEqual({ text: "inventory 2.3.0 regression", confidence: 0.82 });
    expect(facts.responders).toEqual(["U_ALICE", "U_BOB"]);
    expect(facts.alerts.map((a) => [a.name, a.count])).toEqual([
      ["HighErrorRate", 1],
      ["SLOErrorBudgetBurn", 1],
    ]);
  });

  it("an alert that flapped counts from when it first fired in the incident, not from its latest episode", () => {
    // cascading-failure walk: RedisEvictionsHigh opened the incident, flapped for hours, and its row's
    // startsAt (the latest episode) made the postmortem say the error-ratio anomaly came first.
    const flapper = { name: "RedisEvictionsHigh", service: "cache", severity: "sev3" as const, source: "alertmanager", startsAt: at(50), status: "resolved" as const, fingerprint: "r" };
    const early = [entry(-2, "alert", "alertmanager", "RedisEvictionsHigh fired on cache", { fingerprint: "r", status: "firing" }), ...timeline];
    const f = computeFacts({ incident, timeline: early, alerts: [{ ...itemAt(alerts, 0), fingerprint: "a" }, flapper], links: {}, slo: { objective: 99.9, windowDays: 30 }, now: at(60) });
    expect(f.alerts.map((a) => [a.name, a.firstAt])).toEqual([
      ["RedisEvictionsHigh", at(-2)],
      ["HighErrorRate", at(0)],
    ]);
    expect(templateSections(f, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } }).sections.detection).toContain("(RedisEvictionsHigh first)");
  });

  it("a page answered in Slack but never acknowledged: the response counts, and only a slow one is what went wrong", () => {
    // cascading-failure walk: the on-call approved the fix in the thread; the postmortem said nobody acknowledged the page.
    const noAck = timeline.filter((e) => !(e.kind === "status" && e.data.to === "acknowledged"));
    const dueDays = { sev1: 7, sev2: 14, sev3: 30, sev4: 30 };
    const of = (t: TimelineEntry[]) => templateSections(computeFacts({ incident: { ...incident, acknowledgedBy: undefined }, timeline: t, alerts, links: { pagerduty: { ref: "PagerDuty #3" } }, slo: { objective: 99.9, windowDays: 30 }, now: at(60) }), { dueDays });
    const soon = of(noAck);
    expect(soon.sections.detection).toContain("Never acknowledged; <@U_BOB> first responded in Slack at 10:14:00 UTC (14 minutes after the first symptom).");
    expect(soon.sections.wentWrong).not.toContain("acknowledged");
    expect(soon.actionItems.map((i) => i.text).join("\n")).not.toContain("Review paging");
    const late = of(noAck.map((e) => (e.actor === "U_BOB" ? { ...e, at: at(50) } : e)).filter((e) => e.actor !== "U_ALICE"));
    expect(late.sections.wentWrong).toContain("The page was never acknowledged, and the first response in Slack came 50 minutes after the first symptom.");
    expect(late.actionItems.map((i) => i.text).join("\n")).toContain("the page was never acknowledged and the first response came after 50 minutes");
    expect(of([]).sections.wentWrong).toContain("Nobody acknowledged the page.");
  });

  it("a ranking recorded after the resolution is not a hypothesis of the incident", () => {
    const late = computeFacts({ incident, timeline: [...timeline, entry(41, "hypothesis", "aisre", "Diagnosis: cache evictions", { confidence: 0.4 })], alerts, links: {}, slo: { objective: 99.9, windowDays: 30 }, now: at(60) });
    expect(late.hypotheses.map((h) => h.text)).toEqual(["inventory 2.3.0 regression"]);
    expect(late.leadingCause).toEqual({ text: "inventory 2.3.0 regression", confidence: 0.82 });
  });

  it("a runbook the diagnosis matched is not asked for again: the action item checks it covers the case", () => {
    const plain = templateSections(facts, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } }).actionItems.map((i) => i.text);
    expect(plain).toContain("Write or link a runbook for HighErrorRate on inventory");
    const snapshot = {
      hypotheses: [
        {
          service: "inventory",
          evidence: [
            { kind: "change", summary: "deploy 2.3.0" },
            { kind: "runbook", summary: 'runbook "Pods in CrashLoopBackOff" (strong match)' },
          ],
        },
      ],
    };
    const withRunbook = computeFacts({ incident, timeline: [...timeline, entry(7, "hypothesis", "aisre", "Diagnosis: inventory", { snapshot })], alerts, links: {}, slo: { objective: 99.9, windowDays: 30 }, now: at(60) });
    expect(withRunbook.runbooks).toEqual(["Pods in CrashLoopBackOff"]);
    const items = templateSections(withRunbook, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } }).actionItems.map((i) => i.text);
    expect(items).toContain('Check that the runbook "Pods in CrashLoopBackOff" covers what happened here (the deploy of inventory 2.3.0)');
    expect(items.some((i) => i.startsWith("Write or link a runbook"))).toBe(false);
  });

  it("a runbook is asked for the cause's alert, not the alert that happened to open the incident", () => {
    const query = { name: "PostgresLongRunningQuery", service: "orders-db", severity: "sev3" as const, source: "alertmanager", startsAt: at(-2), status: "resolved" as const };
    const snapshot = { hypotheses: [{ service: "inventory", cause: "inventory: the deploy 2.3.0 is the likely trigger", confidence: 0.91, evidence: [{ kind: "change", summary: "deploy 2.3.0" }] }] };
    const f = computeFacts({ incident, timeline: [...timeline, entry(7, "hypothesis", "aisre", "Diagnosis: inventory", { snapshot })], alerts: [query, ...alerts], links: {}, slo: { objective: 99.9, windowDays: 30 }, now: at(60) });
    expect(f.alerts[0]?.name).toBe("PostgresLongRunningQuery");
    const items = templateSections(f, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } }).actionItems.map((i) => i.text);
    expect(items).toContain("Write or link a runbook for HighErrorRate on inventory");
    expect(items.join("\n")).not.toContain("runbook for PostgresLongRunningQuery");
  });

  it("severity: the one it paged at, not the one it fell to as its alerts resolved before the resolution", () => {
    const fell = computeFacts({
      incident: { ...incident, severity: "sev3" },
      timeline: [...timeline, entry(39, "status", "aisre", "Severity sev2 → sev3: SLOErrorBudgetBurn on checkout resolved", { from: "sev2", to: "sev3", why: "SLOErrorBudgetBurn on checkout resolved" })],
      alerts,
      links: {},
      slo: { objective: 99.9, windowDays: 30 },
      now: at(60),
    });
    expect(fell).toMatchObject({ severity: "sev2", severityAtEnd: "sev3" });
    const t = templateSections(fell, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } }).sections;
    expect(t.summary).toContain("(SEV2)");
    expect(t.impact).toContain("Severity: SEV2 at peak (SEV3 when it ended");
    // A person's own severity is a judgement: what it held before does not count.
    const set = computeFacts({ incident: { ...incident, severity: "sev3" }, timeline: [...timeline, entry(20, "status", "U_ALICE", "Severity sev2 → sev3", { from: "sev2", to: "sev3" })], alerts, links: {}, slo: { objective: 99.9, windowDays: 30 }, now: at(60) });
    expect(set.severity).toBe("sev3");
    expect(set.severityAtEnd).toBeUndefined();
  });

  it("error budget: the impact window against the SLO's budget, said to be an upper bound", () => {
    expect(facts.errorBudget).toMatchObject({ budgetMinutes: 43.2, usedMinutes: 40, usedPercent: 92.6 });
    expect(facts.errorBudget.basis).toContain("upper bound");
    expect(errorBudget(10, { objective: 99.5, windowDays: 7 }, "x")).toMatchObject({ budgetMinutes: 50.4, usedPercent: 19.8 });
  });

  it("error budget: minutes count at the share of requests that failed, when the impact says it; never 'at most' over 100 %", () => {
    const long = computeFacts({ incident, timeline, alerts, links: {}, impact: "checkout: 30 % of requests fail; frontend: 3 % of requests fail", slo: { objective: 99.9, windowDays: 30 }, now: at(60) });
    expect(long.errorBudget).toMatchObject({ usedMinutes: 12, failingShare: 0.3, usedPercent: 27.8 });
    expect(long.errorBudget.basis).toContain("30 % of requests failing");
    const text = templateSections(long, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } }).sections.impact;
    expect(text).toContain("Error budget used: about 27.8% of the 30-day budget of a 99.9% SLO (43.2 min)");
    const unknown = { ...facts, errorBudget: errorBudget(208, { objective: 99.9, windowDays: 30 }, "208 min counted in full") };
    const line = templateSections(unknown, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } }).sections.impact;
    expect(line).not.toMatch(/at most \d+(\.\d+)?%/);
    expect(line).toContain("longer than the 30-day budget");
  });
});

describe("key timeline", () => {
  it("keeps every moment but folds an alert's repeats, and cuts the message-free reasons", () => {
    const k = keyTimeline(timeline);
    expect(k.map((m) => m.text)).toEqual([
      "deploy of inventory 2.3.0 — a change to inventory",
      "Incident opened (alert)",
      "HighErrorRate fired on inventory",
      "SLOErrorBudgetBurn fired on checkout",
      "Jira ticket OPS-7 created",
      "inventory 2.3.0 regression",
      "Status open → acknowledged: acknowledged in PagerDuty by Alice Chen",
      "rolling back inventory, token=abc123secretvalue987 from 10.1.2.3, ping bob@example.com",
      "Rolled back inventory to 2.2.1",
      "Verified: error rate back under 1%",
      "HighErrorRate resolved on inventory",
      "Status acknowledged → resolved: rolled back",
      "(5 repeated alert events folded into the lines above)",
    ]);
    expect(keyTimeline(timeline, { messages: false }).some((m) => m.kind === "message")).toBe(false);
    // A change is placed at its own time, not when it was attached to the incident.
    const late = keyTimeline([entry(3, "status", "aisre", "Incident opened (detected)", { status: "open" }), entry(3.25, "change", "github", "deploy of inventory 2.3.0 — 3 min before the incident", { kind: "deploy", service: "inventory", at: at(0) })]);
    expect(late.map((m) => [m.at, m.text])).toEqual([
      [at(0), "deploy of inventory 2.3.0 — 3 min before the incident"],
      [at(3), "Incident opened (detected)"],
    ]);
    const cut = keyTimeline(timeline, { maxLines: 5 });
    expect(cut).toHaveLength(5);
    expect(itemAt(cut, 2).text).toMatch(/more moments in the full timeline/);
  });

  it("two pods' alerts of one name firing at once are one line with a count, not the same line twice", () => {
    const pods = keyTimeline([
      entry(3, "alert", "alertmanager", "KubePodCrashLooping fired on cart — same service", { fingerprint: "p1", status: "firing" }),
      entry(3, "alert", "alertmanager", "KubePodCrashLooping fired on cart — same service", { fingerprint: "p2", status: "firing" }),
      entry(30, "alert", "alertmanager", "KubePodCrashLooping resolved on cart", { fingerprint: "p1", status: "resolved" }),
      entry(31, "alert", "alertmanager", "KubePodCrashLooping resolved on cart", { fingerprint: "p2", status: "resolved" }),
    ]);
    expect(pods.map((m) => m.text)).toEqual(["KubePodCrashLooping fired on cart ×2", "KubePodCrashLooping resolved on cart", "KubePodCrashLooping resolved on cart"]);
  });
});

describe("template", () => {
  const t = templateSections(facts, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } });

  it("writes every section from the facts", () => {
    expect(t.sections.summary).toContain("checkout, inventory had an incident: Checkout errors (SEV2)");
    expect(t.sections.summary).toContain("It lasted 40 minutes");
    expect(t.sections.impact).toContain("Error budget used: up to 92.6% of the 30-day budget of a 99.9% SLO (43.2 min), if every request failed");
    expect(t.sections.rootCause).toBe("inventory 2.3.0 regression (confidence 82%).");
    expect(t.sections.trigger).toContain("The deploy of inventory to 2.3.0 (from 2.2.1) by maria-dev at 09:50:00 UTC, 10 minutes before the first symptom.");
    expect(t.sections.detection).toContain("Detected by alertmanager alerts (HighErrorRate first) at 10:03:00 UTC, 3 minutes after the first symptom");
    expect(t.sections.detection).toContain("paged through PagerDuty #3");
    expect(t.sections.resolution).toContain("Resolved at 10:40:00 UTC by <@U_ALICE>: rolled back.");
    expect(t.sections.wentWell).toContain("Remediation verified");
    expect(t.sections.wentWrong).toContain("A deploy of inventory reached production");
    expect(t.sections.lessons).toContain("Changes to inventory");
  });

  it("action items have owners and due dates", () => {
    expect(t.actionItems.length).toBeGreaterThanOrEqual(2);
    for (const i of t.actionItems) expect(i).toMatchObject({ owner: "U_ALICE", due: "2026-12-07" });
    expect(itemAt(t.actionItems, 0).text).toMatch(/^Guard inventory deploys/);
  });

  it("says plainly when the records do not tell", () => {
    const bare = computeFacts({ incident: { ...incident, status: "open", resolvedAt: undefined, acknowledgedBy: undefined }, timeline: timeline.filter((e) => e.kind === "alert"), alerts, links: {}, slo: { objective: 99.9, windowDays: 30 }, now: at(20) });
    const s = templateSections(bare, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } }).sections;
    expect(s.rootCause).toMatch(/^Not established/);
    expect(s.trigger).toMatch(/trigger is unknown/);
    expect(s.resolution).toBe("Not resolved yet. No remediation action was recorded by aisre.");
    // Nothing was paged, so nothing was owed an acknowledgement (crashloop-config walk: "Nobody was paged … Never acknowledged; …").
    expect(s.detection).toContain("Nobody was paged through PagerDuty. Nobody responded in Slack.");
    const answered = computeFacts({ incident: { ...incident, acknowledgedBy: undefined }, timeline: timeline.filter((e) => e.kind === "alert" || e.kind === "message"), alerts, links: {}, slo: { objective: 99.9, windowDays: 30 }, now: at(60) });
    expect(templateSections(answered, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } }).sections.detection).toContain("Nobody was paged through PagerDuty. <@U_BOB> first responded in Slack at 10:14:00 UTC");
  });

  it("asks for an acknowledgement only of a page (a SEV3 nobody was paged for owes none)", () => {
    const dueDays = { sev1: 7, sev2: 14, sev3: 30, sev4: 30 };
    const quiet = computeFacts({ incident: { ...incident, severity: "sev3", acknowledgedBy: undefined }, timeline: timeline.filter((e) => e.kind === "alert"), alerts, links: {}, slo: { objective: 99.9, windowDays: 30 }, now: at(60) });
    const q = templateSections(quiet, { dueDays });
    expect(q.sections.wentWrong).not.toMatch(/acknowledged/i);
    expect(q.actionItems.map((i) => i.text).join("\n")).not.toMatch(/Review paging/);
    const paged = computeFacts({ incident: { ...incident, acknowledgedBy: undefined }, timeline: timeline.filter((e) => e.kind === "alert"), alerts, links: { pagerduty: { ref: "PagerDuty #3" } }, slo: { objective: 99.9, windowDays: 30 }, now: at(60) });
    const p = templateSections(paged, { dueDays });
    expect(p.sections.wentWrong).toContain("Nobody acknowledged the page.");
    expect(p.actionItems.map((i) => i.text)).toContainEqual(expect.stringMatching(/^Review paging and on-call for .*: nobody acknowledged the page$/));
  });

  it("action items round-trip through the edit form's text", () => {
    const text = actionItemsText(t.actionItems);
    expect(parseActionItems(text)).toEqual(t.actionItems);
    expect(parseActionItems("- Add a canary | @bob | 2026-12-01\n\n2) Fix alert | <@U_CAROL>\nJust text")).toEqual([{ text: "Add a canary", owner: "bob", due: "2026-12-01" }, { text: "Fix alert", owner: "U_CAROL" }, { text: "Just text" }]);
  });
});

describe("document, edits and copies", () => {
  const doc = generateDoc(facts, keyTimeline(timeline), { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 }, now: at(60) });
  const record = (edits: PostmortemRecord["edits"], followUps: PostmortemRecord["followUps"] = {}): PostmortemRecord => ({ incidentId: "INC-1", status: "draft", generated: doc, edits, followUps, narrative: "template", version: 2, createdAt: at(60), updatedAt: at(61) });

  it("applies people's edits on top of the generated text, action items included, keeping their Jira issues", () => {
    const e = effective(record({ summary: "Our words.", actionItems: "Add a canary | <@U_BOB> | 2026-12-01" }, { "add a canary": { key: "ENG-9" } }));
    expect(e.sections.summary).toBe("Our words.");
    expect(e.sections.rootCause).toBe(doc.sections.rootCause);
    expect(e.edited).toEqual(["summary", "actionItems"]);
    expect(e.actionItems).toEqual([{ text: "Add a canary", owner: "U_BOB", due: "2026-12-01", jiraKey: "ENG-9" }]);
  });

  it("the Jira copy and the knowledge base entry carry every section and the timeline, with names instead of Slack ids", () => {
    const e = effective(record({}));
    const names = (x: string) => ({ U_ALICE: "Alice Chen", U_BOB: "Bob Martin" })[x] ?? x;
    const jira = toJiraText(e, { name: names });
    for (const h of ["h2. Postmortem (Draft, v2): Checkout errors", "h3. Summary", "h3. Impact", "h3. Root cause", "h3. Trigger", "h3. Detection", "h3. Timeline (UTC)", "h3. Resolution", "h3. What went well", "h3. What went wrong", "h3. Lessons learned", "h3. Action items"]) expect(jira).toContain(h);
    expect(jira).toContain("* 10:03:00 UTC — Incident opened (alert)");
    expect(jira).toContain("owner: Alice Chen");
    expect(jira).toContain("(Bob Martin)");
    expect(jira).not.toContain("<@U_");
    const md = toMarkdown(e, { name: names });
    expect(md).toContain("# Postmortem: Checkout errors");
    expect(md).toContain("## Timeline (UTC)");
    expect(md).toContain("- 10:40:00 UTC — Status acknowledged → resolved: rolled back");
  });
});

describe("redaction and the narrator's input", () => {
  it("removes secrets, emails and addresses before anything leaves for an LLM", () => {
    const r = Redactor.fromPatterns("ACME-\\d+;;internal\\.example");
    const redact = (t: string) => r.text(t);
    const out = redact("token=abc123secretvalue987 Bearer eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl1 xoxb-1234-5678-abcdef key AKIAABCDEFGHIJKLMNOP mail bob@example.com ip 10.1.2.3 url https://x.io/a?sig=zzz ACME-42 internal.example");
    expect(out).not.toMatch(/abc123secret|eyJ|xoxb-|AKIA|bob@example|10\.1\.2\.3|sig=zzz|ACME-42|internal\.example/);
    expect(out).toContain("token=[REDACTED:secret]");
    expect(out).toContain("[REDACTED:email]");
    expect(out).toContain("https://x.io/a?[REDACTED:query]");
  });

  it("the narrator only sees redacted facts, timeline and draft", () => {
    const doc = generateDoc(facts, keyTimeline(timeline), { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 }, now: at(60) });
    const input = narrativeInput(
      facts,
      doc.timeline,
      doc.sections,
      (t) => new Redactor().text(t),
      (a) => a,
    );
    const all = `${input.facts}\n${input.timeline}\n${JSON.stringify(input.draft)}`;
    expect(all).toContain("rolling back inventory");
    expect(all).not.toMatch(/abc123secret|bob@example\.com|10\.1\.2\.3/);
    expect(Object.keys(input.draft).sort()).toEqual(["lessons", "resolution", "rootCause", "summary", "trigger", "wentWell", "wentWrong"]);
  });

  it("takes only the narrative sections of the model's JSON, and nothing from a non-JSON answer", () => {
    expect(parseNarrative('```json\n{"summary":"S","impact":"not allowed","wentWell":["a","• b"],"lessons":""}\n```')).toEqual({ summary: "S", wentWell: "• a\n• b" });
    expect(parseNarrative("Sure! Here is the postmortem")).toEqual({});
  });

  it("a narrative replaces only what the model wrote", () => {
    const doc = generateDoc(facts, keyTimeline(timeline), { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 }, now: at(60), narrative: { name: "gpt-test", sections: { summary: "Model summary." } } });
    expect(doc.narrative).toBe("gpt-test");
    expect(doc.sections.summary).toBe("Model summary.");
    expect(doc.sections.impact).toContain("Error budget used");
  });
});

describe("hypotheses in the template", () => {
  it("a ranking that led with the same service in other words is not another explanation; one led by another service is", () => {
    const snapshot = (service: string, cause: string, confidence: number) => ({ snapshot: { hypotheses: [{ service, cause, confidence }] } });
    const f = computeFacts({
      incident,
      timeline: [
        entry(5, "hypothesis", "aisre", "Diagnosis: Likely cause: cache: its cache evictions rate rose. (confidence 60 %)", { event: "analysis", ...snapshot("cache", "cache: its cache evictions rate rose.", 0.6) }),
        entry(9, "hypothesis", "aisre", "Leading hypothesis is now inventory (90 %), was cache", { event: "update", ...snapshot("inventory", "inventory: the deploy 2.3.0, 3 min before onset is the likely trigger; it explains the anomalies in checkout.", 0.9) }),
        entry(12, "hypothesis", "aisre", "Hypothesis strengthened: inventory", { event: "update", quiet: true, ...snapshot("inventory", "inventory: the deploy 2.3.0, 2 min before onset is the likely trigger; it explains the anomalies in 2 dependent services.", 0.91) }),
      ],
      alerts,
      diagnosis: { cause: "inventory: the deploy 2.3.0, 2 min before onset is the likely trigger; it explains the anomalies in 2 dependent services.", confidence: 0.91 },
      links: {},
      slo: { objective: 99.9, windowDays: 30 },
      now: at(60),
    });
    const s = templateSections(f, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } }).sections;
    expect(s.rootCause).toBe("inventory: the deploy 2.3.0, 2 min before onset is the likely trigger; it explains the anomalies in 2 dependent services (confidence 91%). Other explanations considered: cache: its cache evictions rate rose (confidence 60%).");
  });

  it("does not repeat the leading cause as an alternative, nor double the full stop", () => {
    const lead = "inventory: the deploy 2.3.0 is the likely trigger; its errors rose.";
    const f = computeFacts({
      incident,
      timeline: [entry(5, "hypothesis", "aisre", `Diagnosis: Likely cause: ${lead} (confidence 89 %)`, {}), entry(6, "hypothesis", "aisre", "orders-db connection pool exhausted", { confidence: 0.3 }), entry(7, "hypothesis", "aisre", "Diagnosis: orders-db connection pool exhausted", {})],
      alerts,
      diagnosis: { cause: lead, confidence: 0.89 },
      links: {},
      slo: { objective: 99.9, windowDays: 30 },
      now: at(60),
    });
    const s = templateSections(f, { dueDays: { sev1: 7, sev2: 14, sev3: 30, sev4: 30 } }).sections;
    expect(s.rootCause).toBe("inventory: the deploy 2.3.0 is the likely trigger; its errors rose (confidence 89%). Other explanations considered: orders-db connection pool exhausted (confidence 30%).");
    expect(s.summary).toContain("The leading explanation is: inventory: the deploy 2.3.0 is the likely trigger; its errors rose (confidence 89%).");
  });
});
