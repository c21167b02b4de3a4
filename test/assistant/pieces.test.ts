import { describe, expect, it } from "vitest";
import { answerMessage, sectionsOf } from "../../blocks/answer.ts";
import { runbookMessage } from "../../blocks/assistant.ts";
import { SLACK_LIMITS } from "../../blocks/limits.ts";
import { parseShareValue, readingText, statusCardMessage } from "../../blocks/status-card.ts";
import { matchServices, serviceArgs } from "../../handlers/commands/status.ts";
import { incidentSignal, mentions, mitigationSteps } from "../../src/assistant/answers.ts";
import { compactForModel, toMrkdwn, withFollowUp } from "../../src/assistant/assistant.ts";
import { contextText, conversationFrom, hypothesesFrom, type IncidentContext } from "../../src/assistant/context.ts";
import { kindOfSli, parseQuestion } from "../../src/assistant/intents.ts";
import { judge, reading, type ServiceHealth } from "../../src/assistant/service-health.ts";
import { customerFacing, impactText, progressText, summaryFor, userFacingAlert } from "../../src/assistant/summaries.ts";
import type { Answer } from "../../src/assistant/types.ts";
import type { TimelineEntry } from "../../src/domain/incident.ts";
import type { StoredAlert } from "../../src/store/repos/alerts.ts";
import { SERVICES } from "./phrasings.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const at = (min: number) => new Date(Date.UTC(2026, 10, 23, 10, min)).toISOString();
let id = 0;
const entry = (kind: TimelineEntry["kind"], text: string, data: Record<string, unknown> = {}, min = 0, actor = "aisre"): TimelineEntry => ({ id: ++id, incidentId: "INC-1", at: at(min), kind, actor, text, data });

const snapshot = {
  uncertainty: "confident",
  headline: "inventory: the deploy 2.3.0 is the likely trigger",
  gaps: [],
  hypotheses: [
    {
      rank: 1,
      service: "inventory",
      cause: "inventory: the deploy 2.3.0, 3 min before onset, is the likely trigger",
      confidence: 0.9,
      evidence: [
        { kind: "change", summary: "deploy 2.3.0 at 10:02Z, 3 min before onset", weight: 2 },
        { kind: "log", summary: "60× KeyError: 'warehouse_id'", weight: 1 },
      ],
      counterEvidence: [],
      gaps: ["no traces"],
    },
    { rank: 2, service: "orders-db", cause: "orders-db is saturated", confidence: 0.06, evidence: [{ kind: "metric", summary: "cpu up 10%", weight: 0.2 }], counterEvidence: [{ kind: "metric", summary: "query latency normal", weight: 0.5 }], gaps: [] },
  ],
};

function ctxOf(over: Partial<IncidentContext> = {}): IncidentContext {
  const alerts = [
    { fingerprint: "a", source: "alertmanager", name: "SLOErrorBudgetBurn", status: "firing", severity: "critical", service: "checkout", summary: "", labels: {}, startsAt: at(5), flaps: 0, lastSeenAt: at(5) },
    { fingerprint: "b", source: "alertmanager", name: "HighErrorRate", status: "firing", severity: "warning", service: "inventory", summary: "", labels: {}, startsAt: at(6), flaps: 0, lastSeenAt: at(6) },
  ] as unknown as StoredAlert[];
  const timeline = [
    entry("alert", "SLOErrorBudgetBurn fired on checkout", { fingerprint: "a" }, 5),
    entry("change", "deploy of inventory 2.3.0 — 3 min before the incident", {}, 5),
    entry("hypothesis", `Diagnosis: ${snapshot.headline}`, { event: "analysis", snapshot }, 6),
    entry("message", "<@UBOT> show me checkout errors", { mention: true, question: "show me checkout errors", intent: "metric", service: "checkout", metric: "errors", answer: { text: "checkout error rate 30%" } }, 7, "U_ALICE"),
    entry("message", "rolling back now", {}, 8, "U_BOB"),
  ];
  return {
    incident: { id: "INC-1", title: "checkout is burning its error budget: 30% of requests fail", status: "open", severity: "sev2", origin: "alert", services: ["checkout", "frontend", "inventory"], createdAt: at(5), updatedAt: at(8) },
    card: { impact: "checkout: 30 % of requests fail", diagnosis: { cause: itemAt(snapshot.hypotheses, 0).cause, confidence: 0.9, verdict: "confident", nextSteps: ["Recommended: rollback of inventory"] } },
    alerts,
    timeline,
    hypotheses: hypothesesFrom(timeline),
    conversation: conversationFrom(timeline),
    ...over,
  };
}

describe("incident context from the timeline", () => {
  it("reads the latest diagnosis snapshot into ranked hypotheses with their evidence", () => {
    const hs = hypothesesFrom(ctxOf().timeline);
    expect(hs.map((h) => [h.rank, h.service, h.confidence])).toEqual([
      [1, "inventory", 0.9],
      [2, "orders-db", 0.06],
    ]);
    expect(itemAt(hs, 0).evidence).toEqual(["[change] deploy 2.3.0 at 10:02Z, 3 min before onset", "[log] 60× KeyError: 'warehouse_id'"]);
    expect(itemAt(hs, 0).gaps).toEqual(["no traces"]);
    expect(itemAt(hs, 1).counterEvidence).toEqual(["[metric] query latency normal"]);
  });

  it("falls back to one hypothesis per entry without a snapshot, newest per service", () => {
    const hs = hypothesesFrom([entry("hypothesis", "cache is evicting", { service: "cache", confidence: 0.2 }, 1), entry("hypothesis", "cache is full", { service: "cache", confidence: 0.4 }, 2), entry("hypothesis", "db is slow", { service: "orders-db", confidence: 0.5, evidence: ["p99 3 s"] }, 3)]);
    expect(hs.map((h) => h.text)).toEqual(["db is slow", "cache is full"]);
    expect(itemAt(hs, 0).evidence).toEqual(["p99 3 s"]);
  });

  it("keeps the questions asked of the bot (and the gist of its answers) as the conversation", () => {
    expect(conversationFrom(ctxOf().timeline)).toEqual([{ at: at(7), user: "U_ALICE", question: "show me checkout errors", intent: "metric", service: "checkout", metric: "errors", answer: "checkout error rate 30%" }]);
  });

  it("renders the context for the LLM: the system's clock, incident, diagnosis, timeline, conversation", () => {
    const text = contextText(ctxOf(), at(10), { services: SERVICES });
    expect(text).toContain(`Current time (the monitored system's clock): ${at(10)}`);
    expect(text).toContain("Incident INC-1: checkout is burning its error budget");
    expect(text).toContain("Leading cause: inventory: the deploy 2.3.0");
    expect(text).toContain("Hypothesis #2: orders-db is saturated (6%)");
    expect(text).toContain("U_BOB: rolling back now");
    expect(text).toContain("U_ALICE asked: show me checkout errors\n  aisre answered: checkout error rate 30%");
    expect(contextText(undefined, at(10))).toContain("not asked in an incident thread");
  });
});

describe("follow-up questions", () => {
  const prev = { at: at(7), user: "U_ALICE", question: "show me checkout errors", intent: "metric", service: "checkout", metric: "errors" };
  const q = (text: string) => withFollowUp(parseQuestion(text, SERVICES), prev);

  it("keep the previous intent when only a service, metric or window is named", () => {
    expect(q("and payments?")).toMatchObject({ intent: "metric", service: "payments", metric: "errors" });
    expect(q("what about latency?")).toMatchObject({ intent: "metric", service: "checkout", metric: "latency" });
    expect(withFollowUp(parseQuestion("and cart?", SERVICES), { ...prev, intent: "health", service: "checkout" })).toMatchObject({ intent: "health", service: "cart" });
  });

  it("leave clear questions and non-carried intents alone", () => {
    expect(q("who is on call?")).toMatchObject({ intent: "oncall" });
    expect(q("is payments healthy?")).toMatchObject({ intent: "health", service: "payments" });
    expect(q("tell me a joke")).toMatchObject({ intent: "unknown" });
    expect(withFollowUp(parseQuestion("and payments?", SERVICES), { ...prev, intent: "summary" })).toMatchObject({ intent: "health", service: "payments" });
  });
});

describe("answer helpers", () => {
  it("matches 'the database' to orders-db/postgres hypotheses, not to others", () => {
    expect(mentions({ service: "orders-db", text: "orders-db is saturated" }, "database")).toBe(true);
    expect(mentions({ text: "postgres long-running query" }, "the database")).toBe(true);
    expect(mentions({ service: "inventory", text: "inventory deploy" }, "database")).toBe(false);
    expect(mentions({ service: "cache", text: "redis evictions" }, "cache")).toBe(true);
    expect(mentions({ service: "inventory", text: "inventory deploy" }, "inventory")).toBe(true);
  });

  it("takes a runbook's first mitigation steps", () => {
    const body = "# Bad deploy\n\n## Checks\n- look\n\n## Mitigation\n1. Rollout in progress: **pause_rollout**.\n2. **rollback** to the previous ReplicaSet.\n3. Escalate.\n\n## Verify\n- errors back";
    expect(mitigationSteps({ body }, 2)).toEqual(["Rollout in progress: **pause_rollout**.", "**rollback** to the previous ReplicaSet."]);
    expect(mitigationSteps({ body: "# nothing here" })).toEqual([]);
  });

  it("turns a model's Markdown into Slack mrkdwn, leaving code alone", () => {
    expect(toMrkdwn("### Cause\n**inventory 2.3.0** broke it, see [the deploy](https://ci.example.com/42)\n- roll back\n* verify `a**b**`")).toBe("*Cause*\n*inventory 2.3.0* broke it, see <https://ci.example.com/42|the deploy>\n• roll back\n• verify `a**b**`");
    expect(toMrkdwn("*already mrkdwn* _fine_")).toBe("*already mrkdwn* _fine_");
  });

  it("summarises long series before they go to the model", () => {
    const values = Array.from({ length: 100 }, (_, i) => i / 100);
    const c = compactForModel({ status: "ok", data: { series: [{ metric: "error_ratio", timestamps: values.map((_, i) => 1000 + i), values }] } }) as { data: { series: Array<{ values: { points: number; max: number; lastTen: number[] } }> } };
    expect(itemAt(c.data.series, 0).values).toMatchObject({ points: 100, max: 0.99, median: 0.5 });
    expect(itemAt(c.data.series, 0).values.lastTen).toHaveLength(10);
    expect(compactForModel([1, 2, 3])).toEqual([1, 2, 3]);
  });

  it("reads now (last 3 min) against the baseline (the hour before the last 10 min), and judges", () => {
    const ts = Array.from({ length: 70 }, (_, i) => 1_000_000 + i * 60);
    const values = ts.map((_, i) => (i >= 67 ? 0.3 : 0.005));
    const r = reading({ metric: "error_ratio", timestamps: ts, values }, "ratio")!;
    expect(r.now).toBeCloseTo(0.3);
    expect(r.baseline).toBeCloseTo(0.005);
    const j = judge({ errorRate: r, pods: { ready: 3, total: 3, restarts: 0, signals: [] }, openIncidents: [] });
    expect(j.verdict).toBe("unhealthy");
    expect(j.reasons[0]).toBe("error rate 30.0% (baseline 0.5%)");
    expect(judge({ pods: { ready: 2, total: 3, restarts: 1, signals: [] }, openIncidents: [] }).verdict).toBe("degraded");
    expect(judge({ pods: { ready: 3, total: 3, restarts: 0, signals: ["CrashLoopBackOff (cart-1)"] }, openIncidents: [] }).verdict).toBe("unhealthy");
  });

  it("takes the baseline from before an open incident, not from inside it", () => {
    // Failing at 30 % for the last 50 minutes of two hours: the hour before the last 10 minutes is mostly the incident.
    const ts = Array.from({ length: 120 }, (_, i) => 1_000_000 + i * 60);
    const values = ts.map((_, i) => (i >= 70 ? 0.304 : 0.006));
    expect(reading({ metric: "error_ratio", timestamps: ts, values }, "ratio")!.baseline).toBeCloseTo(0.304);
    const r = reading({ metric: "error_ratio", timestamps: ts, values }, "ratio", itemAt(ts, 70) - 300)!;
    expect(r.now).toBeCloseTo(0.304);
    expect(r.baseline).toBeCloseTo(0.006);
  });
});

describe("summaries", () => {
  it("an alert is user-facing by its words, not by letters inside them", () => {
    for (const name of ["SLOErrorBudgetBurn", "ErrorBudgetBurn", "checkout_slo_burn", "api-availability-low", "ApdexLow", "SLABreach"]) expect(userFacingAlert(name), name).toBe(true);
    // db-report-query's status page named orders-db: "PostgresLongRunningQuery" holds "sLo".
    for (const name of ["PostgresLongRunningQuery", "PostgresSlowQueries", "HighLatencyP99", "IsLowDisk"]) expect(userFacingAlert(name), name).toBe(false);
  });

  it("status page: customer-facing words, no internals, the phase from the evidence", () => {
    const ctx = ctxOf();
    expect(customerFacing(ctx)).toEqual(["checkout"]);
    const text = summaryFor("status_page", ctx, { now: Date.parse(at(20)), actions: [] });
    expect(text).toContain("*Identified*: Elevated error rates affecting checkout");
    expect(text).toContain("since 10:05 UTC");
    expect(text).not.toMatch(/inventory|2\.3\.0|orders-db|U_/);
    const unsure = summaryFor("status_page", ctxOf({ card: {} }), { now: Date.parse(at(20)), actions: [] });
    expect(unsure).toContain("*Investigating*");
    const resolved = summaryFor("status_page", ctxOf({ incident: { ...ctx.incident, status: "resolved", resolvedAt: at(40) } }), { now: Date.parse(at(50)), actions: [] });
    expect(resolved).toContain("Between 10:05 UTC and 10:40 UTC");
  });

  it("leadership: impact, cause with confidence, what is being done, owner, next update", () => {
    const actions = [{ type: "rollback", state: "pending", target: { service: "inventory" }, detail: { title: "Roll back" } }] as never;
    const text = summaryFor("leadership", ctxOf(), { now: Date.parse(at(20)), actions });
    expect(text).toContain("`INC-1` · SEV2 · open, 15 min so far");
    expect(text).toContain("*Impact:* checkout: 30 % of requests fail");
    expect(text).toContain("(high confidence, 90%)");
    expect(text).toContain("*What we are doing:* roll back of inventory: awaiting approval");
    expect(text).toContain("*Next update:* in 30 min");
  });

  it("leadership's update is titled with the card's headline, not the first signal's words", () => {
    const text = summaryFor("leadership", ctxOf({ card: { ...ctxOf().card, headline: "Checkout failing 30 % — inventory deploy 2.3.0 likely" } }), { now: Date.parse(at(20)), actions: [] });
    expect(text).toContain("*Update for leadership: Checkout failing 30 % — inventory deploy 2.3.0 likely*");
  });

  it("'is it fixed?': still firing, quiet but not resolved, resolved — with the fixes and how they went", () => {
    const rollback = (state: string) => [{ type: "rollback", state, target: { service: "inventory" }, detail: { title: "Roll back" } }] as never;
    const firing = progressText(ctxOf(), { now: Date.parse(at(20)), actions: rollback("pending") });
    expect(firing).toContain(":red_circle: *Not fixed yet*: 2 of 2 alerts still firing. `INC-1` · SEV2 · open for 15 min");
    expect(firing).toContain("*Still firing:* SLOErrorBudgetBurn on checkout, HighErrorRate on inventory");
    expect(firing).toContain("*Fix:* roll back of inventory: awaiting approval");
    expect(firing).toContain("*Impact (last reading):* checkout: 30 % of requests fail");
    // After a verified fix, only the detector's anomalies lagging: fixed (the bad-deploy walk said "Not fixed yet" a minute before it resolved).
    const lagging = [...ctxOf().alerts.map((a) => ({ ...a, status: "resolved" as const })), { ...ctxOf().alerts[0]!, fingerprint: "c", source: "anomaly", name: "error-ratio anomaly" }];
    expect(progressText(ctxOf({ alerts: lagging }), { now: Date.parse(at(30)), actions: rollback("verified") })).toContain(":large_yellow_circle: *Fixed, not resolved yet*: the fix was verified; only an anomaly of the detector still fires, lagging the recovery.");
    expect(progressText(ctxOf({ alerts: lagging }), { now: Date.parse(at(30)), actions: rollback("pending") })).toContain(":red_circle: *Not fixed yet*");
    const quietAlerts = ctxOf().alerts.map((a) => ({ ...a, status: "resolved" as const }));
    const quiet = progressText(ctxOf({ alerts: quietAlerts }), { now: Date.parse(at(30)), actions: rollback("verified") });
    expect(quiet).toContain(":large_yellow_circle: *Quiet, not resolved yet*: no alert is firing and the fix was verified");
    expect(quiet).toContain("*Fix:* roll back of inventory: done, and the symptoms recovered");
    expect(quiet).not.toContain("Still firing");
    const done = progressText(ctxOf({ alerts: quietAlerts, incident: { ...ctxOf().incident, status: "resolved", resolvedAt: at(45) } }), { now: Date.parse(at(50)), actions: rollback("verified") });
    expect(done).toContain(":white_check_mark: *Resolved* 10:45 UTC, after 40 min.");
    expect(done).not.toContain("Impact");
    // Nothing tried: the recommended step.
    expect(progressText(ctxOf(), { now: Date.parse(at(20)), actions: [] })).toContain("*Fix:* none tried yet; Recommended: rollback of inventory");
  });

  it("'how many customers are affected?': the impact now, the worst, who faces it — not a status-page draft", () => {
    const text = impactText(ctxOf({ card: { ...ctxOf().card, peak: { service: "checkout", errorRatio: 0.304 } } }), { now: Date.parse(at(20)) });
    expect(text).toContain("*Impact of `INC-1`* (SEV2, open) for 15 min so far:");
    expect(text).toContain("*Now:* checkout: 30 % of requests fail");
    expect(text).toContain("*Worst:* checkout: up to 30 % of requests failed");
    expect(text).toContain("*Customer-facing:* checkout (elevated error rates)");
    const over = impactText(ctxOf({ incident: { ...ctxOf().incident, status: "resolved", resolvedAt: at(45) } }), { now: Date.parse(at(50)) });
    expect(over).toContain("for 40 min, until it was resolved 10:45 UTC");
    expect(over).toContain("*Now:* over");
  });

  it("responders: the TL;DR with firing alerts, cause, changes and next steps", () => {
    const text = summaryFor("responders", ctxOf(), { now: Date.parse(at(20)), actions: [] });
    expect(text).toContain("*TL;DR `INC-1`*: SEV2 · open · 15 min · checkout, frontend, inventory");
    expect(text).toContain("SLOErrorBudgetBurn/checkout, HighErrorRate/inventory");
    expect(text).toContain("*Changes:* deploy of inventory 2.3.0");
    expect(text).toContain("*Next:* Recommended: rollback of inventory");
  });
});

const health = (service: string, over: Partial<ServiceHealth> = {}): ServiceHealth => ({
  service,
  verdict: "unhealthy",
  reasons: ["error rate 30.0% (baseline 0.5%)"],
  pods: { ready: 3, total: 3, restarts: 0, signals: [] },
  errorRate: { metric: "error_ratio", now: 0.3, baseline: 0.005, unit: "ratio" },
  latencyP95: { metric: "latency_p95", label: "p95 latency", now: 0.79, baseline: 0.78, unit: "seconds" },
  openIncidents: [],
  deploys: [],
  dependencyChanges: [{ service: "inventory", at: at(2), kind: "deploy", version: "2.3.0", author: "maria-dev", source: "github" }],
  oncall: [{ name: "Alice", level: 1, slackUserId: "U_ALICE" }],
  gaps: [],
  at: at(10),
  ...over,
});

describe("Block Kit within Slack's limits", () => {
  it("status card: header, fields, upstream changes, share button; several services in one message", () => {
    const one = statusCardMessage([health("checkout")], { now: Date.parse(at(10)), shareable: true });
    const s = JSON.stringify(one.blocks);
    expect(s).toContain(":red_circle: checkout: unhealthy");
    expect(s).toContain("30% :arrow_up: (baseline 0.5%)");
    expect(s).toContain("deploy of *inventory* `2.3.0` 8 min ago by maria-dev");
    expect(s).toContain('"value":"status|checkout"');
    const many = statusCardMessage(
      ["a", "b", "c", "d"].map((x) => health(x, { gaps: ["x".repeat(5000)] })),
      { now: Date.parse(at(10)), sharedBy: "U_BOB" },
    );
    expect(many.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
    expect(JSON.stringify(many.blocks)).toContain("Shared by <@U_BOB>");
    expect(JSON.stringify(many.blocks)).not.toContain("share_in_channel");
    for (const b of many.blocks as Array<{ elements?: Array<{ text?: string }> }>) for (const e of b.elements ?? []) expect((e.text ?? "").length).toBeLessThanOrEqual(2000);
    expect(readingText(undefined)).toBe("no data");
    expect(parseShareValue("status|checkout,cart")).toEqual({ kind: "status", arg: "checkout,cart" });
    expect(parseShareValue("junk")).toBeUndefined();
  });

  it("answers: long text split into sections, sources and notes in the context, the mode stated", () => {
    const long: Answer = { intent: "timeline", text: Array.from({ length: 400 }, (_, i) => `line ${i} ${"x".repeat(40)}`).join("\n"), sources: ["a".repeat(4000)], notes: ["n1", "n2"], mode: "fallback" };
    const m = answerMessage(long);
    const sections = (m.blocks as Array<{ type: string; text?: { text: string } }>).filter((b) => b.type === "section");
    expect(sections.length).toBeGreaterThan(5);
    for (const b of sections) expect(b.text!.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(JSON.stringify(m.blocks)).toContain("Rules-based answer (the language model did not answer)");
    expect(m.text.length).toBeLessThanOrEqual(3000);
    const llm = answerMessage({
      intent: "why",
      text: "because",
      sources: ["recent_changes: ok"],
      notes: [],
      mode: "llm",
      llm: { model: "m", steps: 2, tokens: 1234, elapsedMs: 900 },
      proposals: [{ type: "rollback", service: "inventory", reason: "bad deploy", offered: true, note: "card posted in the thread for approval" }],
    });
    expect(JSON.stringify(llm.blocks)).toContain(":robot_face: m · 2 steps · 1,234 tokens · 0.9 s");
    expect(JSON.stringify(llm.blocks)).toContain("*rollback* on *inventory*: bad deploy (card posted in the thread for approval)");
    expect(sectionsOf("a\nb", 3)).toEqual(["a\nb"]);
  });

  it("runbook results name the file, the actions and the steps", () => {
    const m = runbookMessage("pool", [{ title: "DB pool exhausted", score: 0.8, excerpt: "", path: "db.md", risk: "high", actions: ["kill_db_query"], services: ["*"], steps: ["kill the query"] }], { shareable: true });
    const s = JSON.stringify(m.blocks);
    expect(s).toContain('runbook \\"DB pool exhausted\\" (strong match)');
    expect(s).toContain("actions: kill db query");
    expect(s).toContain("1. kill the query");
    expect(s).toContain('"value":"runbook|pool"');
    expect(JSON.stringify(runbookMessage("zzz", []).blocks)).toContain("No runbook matches");
  });
});

describe("service arguments", () => {
  it("splits, matches case-insensitively and suggests for typos", () => {
    expect(serviceArgs(["checkout,cart", "cart", "#payments"])).toEqual(["checkout", "cart", "payments"]);
    expect(matchServices(["Checkout", "paymnts"], SERVICES)).toEqual({ ok: ["checkout"], unknown: [{ name: "paymnts", guesses: ["payments"] }] });
    expect(matchServices(["anything"], [])).toEqual({ ok: ["anything"], unknown: [] });
  });
});

describe("which chart a bare chart request means", () => {
  it("parses 'show me the chart' as a chart request without a metric (the answer decides)", () => {
    const q = parseQuestion("show me the chart", SERVICES);
    expect(q.intent).toBe("metric");
    expect(q.metric).toBeUndefined();
  });

  it("in an incident: an anomaly on the service the diagnosis leads with, else the first anomaly", () => {
    const base = ctxOf();
    const withAnomalies = (...xs: Array<[string, string]>) => ({ ...base, timeline: [...base.timeline, ...xs.map(([service, sli], i) => entry("anomaly", `${service} ${sli}`, { service, sli }, 9 + i))] });
    expect(incidentSignal(withAnomalies(["checkout", "p99-latency"], ["inventory", "error-ratio"]))).toEqual({ service: "inventory", kind: "errors" });
    expect(incidentSignal(withAnomalies(["checkout", "p99-latency"], ["frontend", "memory"]))).toEqual({ service: "checkout", kind: "latency" });
    expect(incidentSignal(withAnomalies(["checkout", "p99-latency"], ["frontend", "memory"]), "frontend")).toEqual({ service: "frontend", kind: "memory" });
    expect(incidentSignal(base)).toBeUndefined();
    expect(incidentSignal(undefined)).toBeUndefined();
    expect(kindOfSli("requests-per-second")).toBe("traffic");
    expect(kindOfSli("queue-depth")).toBeUndefined();
  });
});
