import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Assistant } from "../../src/assistant/assistant.ts";
import type { Incident } from "../../src/domain/incident.ts";
import { eventually, startTestAisre, type SlackMessageShape, type TestAisre } from "../support/harness.ts";
import { FakeOpenAI } from "../support/openai-server.ts";
import { itemAt } from "../../src/domain/indexed.ts";

/**
 * The LLM path through the real @mention flow: the product runs on the sandbox with
 * OPENAI_BASE_URL pointing at a scripted OpenAI-compatible server. The tools the model calls run
 * for real against the simulation (bad-deploy); what leaves for the model is recorded and checked.
 */

const M = 60_000;
const flat = (m: SlackMessageShape) => `${m.text ?? ""}\n${JSON.stringify(m.blocks ?? [])}`;

const fake = new FakeOpenAI();
let t: TestAisre;
let incident: Incident;
let root: { channel: string; ts: string };
let bot: string;

/** Chat requests of the assistant's tool loop (they carry the tools). */
const loopRequests = () => fake.chats().filter((r) => Array.isArray(r.body.tools));

beforeAll(async () => {
  await fake.start();
  t = await startTestAisre({ env: { OPENAI_API_KEY: "sk-test-not-a-real-key-000000000000", OPENAI_BASE_URL: fake.url, OPENAI_MODEL: "fake-model", AISRE_LLM_TIMEOUT_MS: "8000", AISRE_LLM_MAX_STEPS: "3" } });
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
  sim.tick(3 * M);
  await sim.flush();
  await eventually(async () => ((await store.incidents.card(incident.id)).diagnosis?.cause ? true : undefined), "the diagnosis on the card", 30_000);
  root = (await eventually(async () => store.slackMessages.get(incident.id, "root"), "the root message"))!;
}, 120_000);

afterAll(async () => {
  await t?.close();
  await fake.stop();
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.script = [];
});

/** Asks in the incident's thread and waits for the placeholder to become an answer. */
async function ask(question: string, user = "U_ALICE"): Promise<SlackMessageShape> {
  const before = new Set((await t.replies(root.channel, root.ts)).map((m) => m.ts));
  await t.message(user, root.channel, `<@${bot}> ${question}`, root.ts);
  return eventually(async () => (await t.replies(root.channel, root.ts)).find((m) => !before.has(m.ts) && m.user === bot && /Rules-based answer|robot_face/.test(flat(m))), `the answer to "${question}"`, 20_000);
}

describe("@mentions answered by the LLM tool loop", () => {
  it("calls the real read-only tools, feeds their results back, and cites them", async () => {
    const since = new Date(t.aisre.sandbox!.sim!.now() - 2 * 3_600_000).toISOString();
    fake.script = [
      {
        toolCalls: [
          { name: "recent_changes", arguments: { services: ["inventory"], since } },
          { name: "service_health", arguments: { service: "checkout" } },
        ],
      },
      { content: "*inventory 2.3.0* (maria-dev) went out minutes before checkout's errors began: the likely trigger. Roll it back." },
    ];
    const reply = await ask("what changed, and is it why checkout fails?");
    const text = flat(reply);
    expect(text).toContain("inventory 2.3.0* (maria-dev) went out");
    expect(text).toContain(":robot_face: fake-model · 2 steps · 240 tokens");
    expect(text).toMatch(/recent_changes\(services=inventory since=[^)]*\): ok: 1 change: deploy of inventory 2\.3\.0/);
    expect(text).toMatch(/service_health\(service=checkout\): ok: checkout is unhealthy/);

    const reqs = loopRequests();
    expect(reqs).toHaveLength(2);
    const first = itemAt(reqs, 0).body as { model: string; tools: Array<{ function: { name: string } }>; messages: Array<{ role: string; content: string }> };
    expect(first.model).toBe("fake-model");
    const names = first.tools.map((x) => x.function.name);
    expect(names).toEqual(expect.arrayContaining(["recent_changes", "service_metrics", "k8s_pod_state", "log_signatures", "runbook_matches", "who_is_on_call", "service_health", "propose_action"]));
    // The context: the system's clock, the incident and its diagnosis, from the timeline.
    expect(itemAt(first.messages, 1).content).toContain("Current time (the monitored system's clock)");
    expect(itemAt(first.messages, 1).content).toContain(incident.id);
    expect(itemAt(first.messages, 1).content).toMatch(/Leading cause: .*inventory/);
    const second = itemAt(reqs, 1).body as { messages: Array<{ role: string; content: string; tool_call_id?: string }> };
    const toolMsgs = second.messages.filter((m) => m.role === "tool");
    expect(toolMsgs).toHaveLength(2);
    expect(itemAt(toolMsgs, 0).content).toContain("2.3.0");
    expect(itemAt(toolMsgs, 1).content).toContain('"verdict":"unhealthy"');
  });

  it("a proposal becomes a remediation card for approval; nothing runs; unknown actions are refused", async () => {
    fake.script = [
      {
        toolCalls: [
          { name: "propose_action", arguments: { type: "rollout_restart", service: "checkout", reason: "checkout pods may hold bad connections" } },
          { name: "propose_action", arguments: { type: "drop_database", service: "orders-db", reason: "start over" } },
        ],
      },
      { content: "A restart of checkout could help; a person has to approve it." },
    ];
    const reply = await ask("what should we do?");
    const text = flat(reply);
    expect(text).toContain(":bulb: *Proposed* (a person decides)");
    expect(text).toMatch(/\*rollout_restart\* on \*checkout\*.*card posted in the thread for approval/);
    expect(text).toMatch(/\*drop_database\* on \*orders-db\*.*not an action aisre knows/);
    const actions = await t.aisre.services.remediation.records.byIncident(incident.id);
    const restart = actions.find((a) => a.type === "rollout_restart" && a.target.service === "checkout");
    expect(restart).toMatchObject({ state: "pending", proposedBy: "aisre-assistant" });
    expect(t.aisre.sandbox!.sim!.actions().filter((a) => a.action === "rollout_restart")).toEqual([]);
  });

  it("stops at the step limit and falls back to the rules-based answer, saying so", async () => {
    fake.script = Array.from({ length: 5 }, () => ({ toolCalls: [{ name: "k8s_pod_state", arguments: { services: ["inventory"] } }] }));
    const reply = await ask("what changed?");
    const text = flat(reply);
    expect(text).toContain(":warning: Rules-based answer (the language model did not answer)");
    expect(text).toContain("The language model did not answer: no answer within 3 steps");
    expect(text).toMatch(/\*deploy\* of \*inventory\* `2\.3\.0`/);
    expect(loopRequests()).toHaveLength(3);
  });

  it("falls back on a timeout and on a server error", async () => {
    fake.script = [{ delayMs: 10_000, then: { content: "too late" } }];
    const slow = flat(await ask("who is on call?"));
    expect(slow).toContain("The language model did not answer: no answer within 8 s");
    expect(slow).toContain("<@U_ALICE>");
    fake.script = [{ status: 500, error: "upstream exploded" }];
    const broken = flat(await ask("timeline so far"));
    expect(broken).toMatch(/The language model did not answer: it failed \(500/);
    expect(broken).toContain(`Timeline of \`${incident.id}\``);
  });

  it("stops at the token budget", async () => {
    const base = t.aisre.services.assistant;
    const tight = new Assistant({ ...base.o, llm: { ...base.o.llm!, limits: { ...base.o.llm!.limits, maxTokens: 200 } } });
    fake.script = Array.from({ length: 3 }, () => ({ toolCalls: [{ name: "k8s_pod_state", arguments: {} }] }));
    const a = await tight.ask({ text: "is inventory healthy?", user: "U_ALICE", channel: root.channel, incidentId: incident.id });
    expect(a.mode).toBe("fallback");
    expect(a.notes[0]).toContain("token budget of 200 used up");
    expect(a.text).toContain("*inventory* is *unhealthy*");
  });

  it("redacts secrets and personal data in everything sent: thread messages, the question, tool results", async () => {
    // A person pastes a connection string in the thread: it goes on the timeline, which is the context.
    await t.message("U_BOB", root.channel, "db is postgres://app:hunter2@orders-db:5432/orders, ping bob.martin@example.com; token xoxb-1234567890-abcdefghijklmnop", root.ts);
    await eventually(async () => ((await t.aisre.services.store.timeline.list(incident.id, ["message"])).some((e) => e.text.includes("hunter2")) ? true : undefined), "the thread message on the timeline");
    fake.script = [{ toolCalls: [{ name: "log_signatures", arguments: { service: "inventory" } }] }, { content: "Nothing secret here." }];
    const reply = await ask("can you check AKIAABCDEFGHIJKLMNOP and Bearer abcdefghijklmnopqrstuvwxyz012345 for me? what changed?");
    expect(flat(reply)).toContain("Nothing secret here.");
    const sent = JSON.stringify(loopRequests().map((r) => r.body));
    for (const secret of ["hunter2", "bob.martin@example.com", "xoxb-1234567890", "AKIAABCDEFGHIJKLMNOP", "abcdefghijklmnopqrstuvwxyz012345"]) expect(sent).not.toContain(secret);
    expect(sent).toContain("[REDACTED:password]");
    expect(sent).toContain("[REDACTED:email]");
    expect(sent).toContain("[REDACTED:aws-access-key]");
    // The tool's own result went back to the model too (log signatures of inventory).
    expect(sent).toContain("warehouse_id");
  });
});
