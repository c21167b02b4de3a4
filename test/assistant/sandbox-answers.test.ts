import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerQuestion } from "../../src/assistant/answers.ts";
import { loadIncidentContext, type IncidentContext } from "../../src/assistant/context.ts";
import { parseQuestion, type ParsedQuestion } from "../../src/assistant/intents.ts";
import type { Answer } from "../../src/assistant/types.ts";
import type { Incident } from "../../src/domain/incident.ts";
import { eventually, startTestAisre, type SlackMessageShape, type TestAisre } from "../support/harness.ts";
import { CASES } from "./phrasings.ts";

/**
 * The assistant in the sandbox world during `bad-deploy` (inventory 2.3.0 breaks reservations;
 * checkout fails with it): every phrasing of the intent set gets the answer it should, from the
 * real toolsets against the simulation; then the commands and the @mention flow through Slack.
 */

const M = 60_000;
const flat = (m: SlackMessageShape) => `${m.text ?? ""}\n${JSON.stringify(m.blocks ?? [])}`;

let t: TestAisre;
let incident: Incident;
let ctx: IncidentContext;
let bot: string;

beforeAll(async () => {
  t = await startTestAisre();
  bot = t.aisre.sandbox!.workspace.botUserId;
  const sim = t.aisre.sandbox!.sim!;
  const store = t.aisre.services.store;
  expect((await fetch(`${t.sandboxUrl}/sandbox/scenarios/bad-deploy`, { method: "POST" })).ok).toBe(true);
  for (let i = 0; i < 30 && !incident; i++) {
    sim.tick(M);
    await sim.flush();
    await new Promise((r) => setTimeout(r, 30));
    incident = (await store.incidents.listOpen()).find((x) => x.services.includes("checkout") || x.services.includes("inventory"))!;
  }
  expect(incident).toBeDefined();
  // A few more minutes of the fault, and the diagnosis on the card.
  for (let i = 0; i < 4; i++) {
    sim.tick(M);
    await sim.flush();
  }
  await eventually(async () => ((await store.incidents.card(incident.id)).diagnosis?.cause ? true : undefined), "the diagnosis on the card", 30_000);
  ctx = (await loadIncidentContext(store, incident.id))!;
}, 120_000);

afterAll(async () => {
  await t?.close();
});

/** What each intent's answer must say in this world. */
function expectAnswer(text: string, q: ParsedQuestion, a: Answer): void {
  const body = a.text;
  switch (q.intent) {
    case "changes":
      if (q.service && q.service !== "inventory") expect(body).toMatch(new RegExp(`No deploys or config changes to \\*${q.service}\\*`));
      else expect(body).toMatch(/\*deploy\* of \*inventory\* `2\.3\.0`/);
      expect(a.sources.join(" ")).toMatch(/recent_changes/);
      break;
    case "metric": {
      const service = q.service ?? ctx.incident.services[0];
      expect(body).toContain(service);
      expect(a.chart, body).toBeDefined();
      expect(a.chart!.png.subarray(1, 4).toString()).toBe("PNG");
      expect(a.chart!.title).toContain(service);
      break;
    }
    case "health":
      expect(body).toMatch(new RegExp(`\\*${q.service}\\* is \\*(healthy|degraded|unhealthy)\\*`));
      if (q.service === "checkout" || q.service === "inventory") expect(body).toContain("is *unhealthy*");
      break;
    case "impact":
      expect(body).toMatch(/\*Now:\* checkout: \d+ % of requests fail/);
      expect(body).toContain("*Customer-facing:* checkout");
      expect(body).not.toContain("Status page draft");
      break;
    case "progress":
      // Mid-incident: its alerts fire and the rollback waits for approval.
      expect(body).toContain(":red_circle: *Not fixed yet*");
      expect(body).toMatch(/\*Still firing:\* .*(checkout|inventory)/);
      expect(body).toMatch(/\*Fix:\* (roll back of inventory|none tried yet)/);
      break;
    case "why":
      expect(body).toContain("inventory");
      // orders-db may rank low: then it says so, and names the leader.
      if (q.subject === "database") expect(body).toMatch(/I do not think it is \*database\*|It is not my leading hypothesis, it ranks #\d/);
      if (q.subject === "inventory") expect(body).toMatch(/Yes, it is my leading hypothesis/);
      expect(body).toMatch(/Evidence:/);
      break;
    case "oncall":
      expect(body).toContain("<@U_ALICE>");
      break;
    case "similar":
      expect(body).toMatch(/no similar past incident|look similar/);
      break;
    case "next_steps":
      expect(body).toMatch(/rollback/i);
      expect(body).toMatch(/\*Runbooks:\*/);
      break;
    case "summary":
      expect(body).toContain(q.audience === "status_page" ? "Status page draft" : q.audience === "leadership" ? "Update for leadership" : "TL;DR");
      if (q.audience === "status_page") expect(body).not.toMatch(/inventory|2\.3\.0|maria/);
      break;
    case "timeline":
      expect(body).toContain(`Timeline of \`${incident.id}\``);
      expect(body).toMatch(/SLOErrorBudgetBurn|HighErrorRate/);
      break;
    case "help":
      expect(body).toContain("I can answer");
      break;
    default:
      expect(body).toContain("not sure what you mean");
      expect(body).toContain("I can answer");
  }
  void text;
}

describe("every phrasing of the intent set answers correctly in the sandbox world (bad-deploy)", () => {
  for (const [text, expected] of CASES) {
    it(`"${text}"`, async () => {
      const assistant = t.aisre.services.assistant;
      const q = parseQuestion(text, await assistant.knownServices());
      expect(q).toMatchObject(expected);
      const a = await answerQuestion({ question: q, text, ctx }, assistant.answerDeps());
      expect(a.intent).toBe(expected.intent);
      expectAnswer(text, q, a);
    }, 30_000);
  }
});

describe("a question that asks two things", () => {
  it("gets both answers, each clause read on its own (a walk: 'what changed … and is checkout recovering?' answered only 'no changes to checkout')", async () => {
    const assistant = t.aisre.services.assistant;
    const text = "what changed in the last hour and is checkout recovering?";
    const q = parseQuestion(text, await assistant.knownServices());
    expect(q).toMatchObject({ intent: "changes", windowMinutes: 60, also: { intent: "health", service: "checkout" } });
    expect(q.service).toBeUndefined();
    const a = await answerQuestion({ question: q, text, ctx }, assistant.answerDeps());
    expect(a.text).toMatch(/\*deploy\* of \*inventory\* `2\.3\.0`/);
    expect(a.text).toContain("*checkout* is *unhealthy*");
    expect(a.text.indexOf("inventory")).toBeLessThan(a.text.indexOf("*checkout* is"));
    expect(a.sources.join(" ")).toMatch(/recent_changes/);
  }, 30_000);
});

describe("/aisre status, oncall, runbook", () => {
  it("status <service>: the unhealthy card, ephemeral, with a Share button", async () => {
    const seen = await t.command("U_ALICE", "#sre", "status checkout");
    const card = seen.find((m) => flat(m).includes("checkout: unhealthy"));
    expect(card, seen.map(flat).join("\n")).toBeDefined();
    const text = flat(card!);
    for (const label of ["Pods", "Error rate", "P95 latency", "CPU / memory", "On call", "Open incidents", "Last changes"]) expect(text).toContain(label);
    expect(text.split("Open incidents").length - 1).toBe(1);
    expect(text).toContain(":red_circle:");
    expect(text).toContain("<@U_ALICE> (L1)");
    expect(text).toContain(incident.id);
    // checkout did not change; what it calls did.
    expect(text).toMatch(/Changes to what it calls \(2 h\)\*\\n• :point_right: deploy of \*inventory\* `2\.3\.0`/);
    expect(text).toContain('"action_id":"share_in_channel"');
    expect((await t.history("#sre")).some((m) => flat(m).includes("checkout: unhealthy"))).toBe(false);
  });

  it("Share in channel posts the card for everyone, naming who shared it", async () => {
    const seen = await t.command("U_BOB", "#sre", "status inventory");
    const card = seen.find((m) => flat(m).includes("share_in_channel"))!;
    const channel = await t.channelId("#sre");
    const after = await t.click("U_BOB", channel, card.ts, "share_in_channel");
    expect(after.map(flat).join("\n")).toContain("Shared in the channel");
    const shared = await eventually(async () => (await t.history("#sre")).find((m) => flat(m).includes("inventory: unhealthy")), "the shared card in #sre");
    expect(flat(shared)).toContain("Shared by <@U_BOB>");
    expect(flat(shared)).not.toContain("share_in_channel");
  });

  it("an unknown service gets 'did you mean' suggestions and the usage", async () => {
    const text = (await t.command("U_BOB", "#sre", "status checkot")).map(flat).join("\n");
    expect(text).toContain("Did you mean `checkout`?");
    expect(text).toContain("Usage: `/aisre status &lt;service&gt;");
  });

  it("no argument in the incident's channel: the incident's services", async () => {
    const text = (await t.command("U_CAROL", "#incidents", "status")).map(flat).join("\n");
    for (const s of incident.services.slice(0, 4)) expect(text).toContain(`${s}: `);
  });

  it("no argument where there is no incident: the usage, with the known services", async () => {
    const text = (await t.command("U_CAROL", "#sre", "status")).map(flat).join("\n");
    expect(text).toContain("Name a service");
    expect(text).toContain("`payments`");
  });

  it("oncall [service]: who is on call, with Slack users; typos get suggestions", async () => {
    const text = (await t.command("U_BOB", "#sre", "oncall payments")).map(flat).join("\n");
    expect(text).toContain("*payments*: <@U_ALICE> (L1, Shop primary on-call), <@U_CAROL> (L2)");
    expect((await t.command("U_BOB", "#sre", "oncall paymnts")).map(flat).join("\n")).toContain("Did you mean `payments`?");
    const all = (await t.command("U_BOB", "#sre", "oncall")).map(flat).join("\n");
    expect(all).toMatch(/cart.*checkout.*<@U_ALICE>/);
  });

  it("runbook <words>: matching runbooks with their first mitigation steps; no words: the usage", async () => {
    const text = (await t.command("U_BOB", "#sre", "runbook connection pool exhausted")).map(flat).join("\n");
    expect(text).toContain("Database connection pool exhausted");
    expect(text).toContain("kill_db_query");
    expect(text).toContain("share_in_channel");
    expect((await t.command("U_BOB", "#sre", "runbook")).map(flat).join("\n")).toMatch(/Usage: `\/aisre runbook &lt;words&gt;`/);
  });

  it("help lists the new commands", async () => {
    const text = (await t.command("U_BOB", "#sre", "help")).map(flat).join("\n");
    for (const c of ["/aisre status <service>", "/aisre oncall [service…]", "/aisre runbook <words>"]) expect(text).toContain(c);
  });
});

describe("@mentions through Slack", () => {
  async function ask(question: string, where: { channel: string; threadTs?: string }, expectText: (m: SlackMessageShape) => boolean): Promise<SlackMessageShape> {
    // Message ts follow the simulation's clock in the sandbox.
    const before = t.aisre.sandbox?.sim?.now() ?? Date.now();
    const sent = await t.message("U_ALICE", where.channel, `<@${bot}> ${question}`, where.threadTs);
    void sent;
    const thread = where.threadTs ?? (await t.history(where.channel)).find((m) => (m.text ?? "").includes(question))!.ts;
    return eventually(
      async () => {
        const replies = await t.replies(where.channel, thread);
        return replies.find((m) => m.ts !== thread && m.user === bot && expectText(m) && Number(m.ts) * 1000 >= before - 60_000);
      },
      `the answer to "${question}"`,
      20_000,
    );
  }

  it("in the incident's thread: the thread says what aisre reads while it works, then the answer is one new reply (what changed?)", async () => {
    const root = (await t.aisre.services.store.slackMessages.get(incident.id, "root"))!;
    const ws = t.aisre.sandbox!.workspace;
    const statuses: string[] = [];
    const stop = ws.subscribe((c) => {
      if (c.kind === "assistant_thread" && c.thread.channel === root.channel && c.thread.threadTs === root.ts) statuses.push(c.thread.status);
    });
    const reply = await ask("what changed?", { channel: root.channel, threadTs: root.ts }, (m) => flat(m).includes("Evidence: recent_changes"));
    stop();
    expect(flat(reply)).toMatch(/\*deploy\* of \*inventory\* `2\.3\.0` by maria-dev/);
    expect(flat(reply)).toContain("Evidence: recent_changes");
    expect(reply.edited).toBeUndefined();
    // Set when the question came, cleared by the answer.
    expect(statuses).toEqual(["Checking recent deploys and changes…", ""]);
  });

  it("a chart request uploads the PNG into the thread; a follow-up keeps the intent", async () => {
    const root = (await t.aisre.services.store.slackMessages.get(incident.id, "root"))!;
    const withFile = (name: string) => (m: SlackMessageShape) => Array.isArray(m.files) && (m.files as Array<{ name: string }>).some((f) => f.name === name);
    await ask("show me checkout's error rate", { channel: root.channel, threadTs: root.ts }, withFile("checkout-errors.png"));
    const answer = (await t.replies(root.channel, root.ts)).find((m) => flat(m).includes("*checkout error rate*"));
    expect(answer).toBeDefined();
    await ask("what about payments?", { channel: root.channel, threadTs: root.ts }, withFile("payments-errors.png"));
    const turns = (await t.aisre.services.store.timeline.list(incident.id, ["message"])).filter((e) => e.data.mention === true);
    expect(turns.map((e) => [e.data.intent, e.data.service])).toEqual(
      expect.arrayContaining([
        ["metric", "checkout"],
        ["metric", "payments"],
      ]),
    );
    expect(turns.every((e) => typeof (e.data.answer as { text?: string } | undefined)?.text === "string")).toBe(true);
  });

  it("the digest's 'Chart a signal…' select uploads the chosen signal's chart into the thread", async () => {
    const root = (await t.aisre.services.store.slackMessages.get(incident.id, "root"))!;
    const digest = await eventually(async () => (await t.replies(root.channel, root.ts)).find((m) => (m.text ?? "").startsWith("What the signals show")), "the digest", 20_000);
    const select = (digest.blocks as Array<{ type: string; elements?: Array<{ type: string; action_id?: string; options?: Array<{ text: { text: string }; value: string }> }> }>).flatMap((b) => b.elements ?? []).find((e) => e.type === "static_select" && e.action_id === "incident_chart");
    expect(select?.options?.map((o) => o.text.text)).toEqual(expect.arrayContaining(["inventory · error rate", "checkout · p95 latency"]));
    const choice = select!.options!.find((o) => o.text.text === "inventory · error rate")!;
    expect(choice.value).toBe(`${incident.id}|inventory|errors`);
    await t.click("U_ALICE", root.channel, digest.ts, "incident_chart", choice.value);
    const withChart = await eventually(async () => (await t.replies(root.channel, root.ts)).find((m) => Array.isArray(m.files) && (m.files as Array<{ name: string }>).some((f) => f.name === "inventory-errors.png")), "the chart of inventory's error rate in the thread", 20_000);
    expect((withChart.files as Array<{ title?: string }>)[0]?.title).toBe("inventory · error rate (%)");
  });

  it("a top-level mention in the incident's channel answers about that incident", async () => {
    const reply = await ask("why do you think it's inventory?", { channel: "#incidents" }, (m) => flat(m).includes("leading hypothesis"));
    expect(flat(reply)).toContain("Yes, it is my leading hypothesis");
    expect(flat(reply)).toMatch(/\[change\] deploy 2\.3\.0/);
  });

  it("where there is no incident, incident questions say so; the rest still work", async () => {
    const none = await ask("timeline so far", { channel: "#sre" }, (m) => flat(m).includes("I need an incident"));
    expect(flat(none)).toContain("/aisre incidents");
    const oncall = await ask("who is on call for payments?", { channel: "#sre" }, (m) => flat(m).includes("On call now"));
    expect(flat(oncall)).toContain("<@U_ALICE>");
  });
});
