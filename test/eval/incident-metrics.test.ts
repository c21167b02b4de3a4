import { describe, expect, it } from "vitest";
import { faultMetrics, summarise, type RunRecord } from "../../src/eval/incidents/metrics.ts";
import { isReopenNote, readActionCard, readCard, staleFields } from "../../src/eval/incidents/observe.ts";
import { defined } from "../support/defined.ts";

// The incident eval's reading of the channel and its per-run metrics, on messages shaped as the
// product's own cards are.

const M = 60_000;
const T0 = Date.parse("2026-12-05T12:00:00Z");
const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });
const card = (o: { sev: string; status?: "open" | "resolved"; cause?: string; impact?: boolean; next?: boolean; buttons?: string[] }) => ({
  ts: "100.1",
  bot_id: "B1",
  blocks: [
    { type: "header", text: { type: "plain_text", text: `${o.status === "resolved" ? ":white_check_mark:" : ":red_circle:"} ${o.sev} · Checkout failing 30 %${o.status === "resolved" ? " (resolved)" : ""}` } },
    { type: "section", fields: [{ type: "mrkdwn", text: "*Status*\nopen" }, ...(o.impact === false ? [] : [{ type: "mrkdwn", text: "*Impact*\ncheckout: 30 % of requests fail" }])] },
    section(`*What caused it*\n${o.cause ?? "Investigating…"}`),
    ...(o.next === false ? [] : [section("*What to do next*\n• Recommended: rollback of inventory")]),
    { type: "context", elements: [{ type: "mrkdwn", text: "INC-20261205-abc123 · <http://x/jira/browse/OPS-1|Jira OPS-1>" }] },
    { type: "actions", elements: (o.buttons ?? ["incident_acknowledge", "incident_resolve"]).map((a) => ({ type: "button", action_id: a, text: { type: "plain_text", text: a } })) },
  ],
});
const actionCard = (title: string, service: string, approvable = true) => ({
  ts: "101.1",
  bot_id: "B1",
  blocks: [section(`:wrench: *${title}* \`${service}\` — caution, reversible`), ...(approvable ? [{ type: "actions", elements: [{ type: "button", action_id: "remediation_approve", text: { type: "plain_text", text: "Approve and run" } }] }] : [])],
});

describe("reading the channel", () => {
  it("reads the card's severity, status, leading cause and links, and the proposed remedy", () => {
    expect(readCard(card({ sev: "SEV2", cause: "inventory: the deploy 2.3.0 is the likely trigger" }))).toMatchObject({ incidentId: "INC-20261205-abc123", severity: "sev2", status: "open", causeService: "inventory", unsure: false, jiraKey: "OPS-1" });
    expect(readCard(card({ sev: "SEV3", cause: "Unsure: cache or payments. cache: evictions" }))).toMatchObject({ causeService: "cache", unsure: true });
    expect(readCard(card({ sev: "SEV3" })).causeService).toBeUndefined();
    expect(readActionCard(actionCard("Roll back", "cart"))).toEqual({ action: "rollback", service: "cart", approvable: true });
    expect(readActionCard(actionCard("Rollout restart", "cart", false))).toEqual({ action: "rollout_restart", service: "cart", approvable: false });
  });

  it("counts what a resolved card still shows of the open incident", () => {
    expect(staleFields(card({ sev: "SEV2", status: "resolved", buttons: ["incident_reopen"], impact: false, next: false }), [])).toEqual([]);
    expect(staleFields(card({ sev: "SEV2", status: "resolved" }), [actionCard("Roll back", "inventory")])).toEqual(["impact", "recommendations", "incident buttons", "action card still approvable (rollback)"]);
  });
});

describe("per-run metrics and targets", () => {
  const truth = { scenario: "bad-deploy", rootCause: "inventory", fix: "rollback", fixTarget: { kind: "deployment", name: "inventory" }, startedAt: T0 };
  const reply = (i: number, at: number, extra = {}) => ({ ts: `200.${i}`, bot_id: "B1", blocks: [section(`message ${i}`)], firstSeen: at, ...extra });
  const run = (o: { paged: boolean; replies: number; reopens?: number; remedy?: string }): RunRecord => ({
    id: "bad-deploy#1",
    kind: "single",
    seed: 1,
    speed: 60,
    faults: [truth],
    threads: [
      {
        rootTs: "100.1",
        firstSeen: T0 + 3 * M,
        root: card({ sev: "SEV2", status: "resolved", cause: "inventory: deploy", buttons: ["incident_reopen"], impact: false, next: false }),
        cards: [
          { at: T0 + 3 * M, card: readCard(card({ sev: "SEV3" })) },
          { at: T0 + 9 * M, card: readCard(card({ sev: "SEV2", cause: "inventory: the deploy 2.3.0" })) },
          { at: T0 + 50 * M, card: readCard(card({ sev: "SEV2", status: "resolved", cause: "inventory: deploy" })) },
        ],
        replies: [
          ...Array.from({ length: o.replies }, (_, i) => reply(i, T0 + (4 + i) * M)),
          // The ephemeral answer to the approver's click ("Running … on inventory") only they see.
          reply(50, T0 + 11 * M, { is_ephemeral: true }),
          { ...actionCard(o.remedy ?? "Roll back", "inventory", false), firstSeen: T0 + 10 * M },
          ...Array.from({ length: o.reopens ?? 0 }, (_, i) => reply(90 + i, T0 + 40 * M, { blocks: [section(":rotating_light: INC-1 resolved → *open* by aisre: fired again")] })),
          reply(99, T0 + 45 * M),
        ],
      },
    ],
    pagedKeys: o.paged ? ["aisre:INC-20261205-abc123"] : [],
    jiraComments: { "OPS-1": 3 },
    simMinutes: 60,
    errors: [],
  });

  it("measures cause, remedy, paging, messages in the first 30 minutes (not an ephemeral answer only the clicker sees), reopens and times", () => {
    const [m] = faultMetrics(run({ paged: true, replies: 5 }));
    defined(m, "fault metrics");
    expect(m).toMatchObject({
      rightCause: true,
      causeShown: "inventory",
      rightRemedy: true,
      firstRemedy: "rollback inventory",
      maxSeverity: "sev2",
      shouldPage: true,
      paged: true,
      missedPage: false,
      messages30: 7,
      reopens: 0,
      incidents: 1,
      minutesToCard: 3,
      minutesToDiagnosis: 9,
      resolved: true,
      staleFields: [],
      jiraComments: 3,
    });
    expect(summarise([run({ paged: true, replies: 5 })], [m]).meetsTargets).toBe(true);
  });

  it("counts a reopening once: the postmortem draft quoting it from the timeline is not another", () => {
    expect(isReopenNote(reply(1, T0, { blocks: [section(":rotating_light: INC-1 resolved → *open* by aisre: RedisEvictionsHigh on cache fired again")] }))).toBe(true);
    expect(isReopenNote(reply(2, T0, { blocks: [section("*Timeline*\n`19:44:45` Status resolved → open: RedisEvictionsHigh on cache fired again")] }))).toBe(false);
  });

  it("fails the targets on a missed page, a restart first, a noisy thread and a loop of reopens", () => {
    const r = run({ paged: false, replies: 14, reopens: 3, remedy: "Rollout restart" });
    const [m] = faultMetrics(r);
    defined(m, "fault metrics");
    expect(m).toMatchObject({ missedPage: true, rightRemedy: false, messages30: 16, reopens: 3 });
    const s = summarise([r], [m]);
    expect(s.meetsTargets).toBe(false);
    expect(s.failures).toEqual(["bad-deploy#1 bad-deploy: first remedy rollout_restart inventory", "bad-deploy#1 bad-deploy: reached SEV2 and nobody was paged", "bad-deploy#1 bad-deploy: 16 bot messages in the first 30 minutes", "bad-deploy#1 bad-deploy: reopened 3 times"]);
  });

  it("a thread merged into another is not an incident of its own: its card names where it went", () => {
    const mergedCard = {
      ts: "102.1",
      bot_id: "B1",
      blocks: [
        { type: "header", text: { type: "plain_text", text: ":white_check_mark: SEV3 · Anomaly: inventory p99-latency spiked (resolved)" } },
        section("*Resolution*\nMerged into INC-20261205-abc123 (both explain SLOErrorBudgetBurn on checkout): it goes on there. Lasted 2 min."),
        { type: "context", elements: [{ type: "mrkdwn", text: "INC-20261205-def456" }] },
      ],
    };
    expect(readCard(mergedCard)).toMatchObject({ incidentId: "INC-20261205-def456", status: "resolved", mergedInto: "INC-20261205-abc123" });
    const r = run({ paged: true, replies: 5 });
    r.threads.push({
      rootTs: "102.1",
      firstSeen: T0 + 5 * M,
      root: mergedCard,
      cards: [
        { at: T0 + 5 * M, card: readCard(card({ sev: "SEV3" })) },
        { at: T0 + 7 * M, card: readCard(mergedCard) },
      ],
      replies: [],
    });
    const [m] = faultMetrics(r);
    defined(m, "fault metrics");
    expect(m).toMatchObject({ incidents: 1, merged: 1, rightCause: true });
    // Without the merge, the same two threads are two incidents for one fault.
    r.threads[1]!.cards.pop();
    expect(faultMetrics(r)[0]).toMatchObject({ incidents: 2, merged: 0 });
  });
});
