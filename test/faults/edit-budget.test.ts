import { afterEach, describe, expect, it } from "vitest";
import { blockKitIncidentPresenter } from "../../blocks/incident-thread.ts";
import { IncidentService } from "../../src/incident/incident-service.ts";
import { OutboxSender, rootRef } from "../../src/incident/outbox-sender.ts";
import { EditBudget } from "../../src/integrations/slack/edit-budget.ts";
import type { SlackCallResult, SlackPort } from "../../src/integrations/slack/slack-port.ts";
import { WebApiSlack } from "../../src/integrations/slack/web-api-slack.ts";
import { systemClock } from "../../src/domain/clock.ts";
import { silentLogger } from "../../src/log.ts";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/server.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { reusedDatabases } from "../support/reused-databases.ts";
import { firingAlert } from "../support/alerts.ts";
import { eventually } from "../support/eventually.ts";
import { MemorySlack } from "../support/memory-slack.ts";
import { BOT_TOKEN, SIGNING_SECRET } from "../sandbox/slack/harness.ts";

/**
 * A storm re-renders many incidents' cards at once. Slack counts chat.update per workspace (Tier 3,
 * about 50 a minute), whatever the channel: the outbox paces edits by a workspace-wide budget, a
 * card changed while its edit waits has that edit replaced (the latest render wins), and a 429's
 * Retry-After pauses every edit of the workspace. The sandbox Slack enforces the limit as Slack
 * does (429 + Retry-After); both limits are scaled down here so it bites within seconds.
 */

/** The sandbox's Slack Web API through the real SDK client, each call recorded with its outcome. */
class RecordedSlack implements SlackPort {
  /** `at`: when the call was made; `answeredAt`: when its answer came. */
  readonly calls: Array<{ method: string; at: number; answeredAt: number; ok: boolean; code?: string; retryAfterMs?: number }> = [];
  private readonly inner: WebApiSlack;
  constructor(url: string) {
    this.inner = new WebApiSlack({ token: BOT_TOKEN, slackApiUrl: `${url}/api/`, timeoutMs: 5000 });
  }
  async call(method: string, payload: Record<string, unknown>): Promise<SlackCallResult> {
    const at = Date.now();
    const r = await this.inner.call(method, payload);
    this.calls.push({ method, at, answeredAt: Date.now(), ok: r.ok, ...(r.ok ? {} : { code: r.error.code, retryAfterMs: r.error.retryAfterMs }) });
    return r;
  }
  edits() {
    return this.calls.filter((c) => c.method === "chat.update");
  }
}

const SERVICES = ["checkout", "ledger", "search", "cart", "payments", "shipping"];
const ROUNDS = 12;

let sandbox: RunningSandbox | undefined;
let db: Db | undefined;
let outbox: OutboxSender | undefined;
const databases = reusedDatabases();
afterEach(async () => {
  await outbox?.stop();
  await db?.close();
  await sandbox?.close();
  [outbox, db, sandbox] = [undefined, undefined, undefined];
});

/**
 * Six incidents, half in #incidents and half in #sre (one workspace), each taking a new alert every
 * round, rendered at once (faster than the budget lets their cards be edited); then until every
 * card shows its last alert count and nothing is left to send.
 */
async function storm(o: { budget?: EditBudget; updateRate: { perSecond: number; burst: number } }): Promise<{ slack: RecordedSlack; store: Store; cards: string[] }> {
  sandbox = await startSandbox({ port: 0, signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, eventsUrl: "http://127.0.0.1:9/slack/events", updateRate: o.updateRate });
  const slack = new RecordedSlack(sandbox.url);
  db = await databases.open();
  const store = createStore(db);
  outbox = new OutboxSender({ store, slack, logger: silentLogger, minIntervalMs: 50, ...(o.budget ? { editBudget: o.budget } : {}) });
  const routing = { services: Object.fromEntries(SERVICES.map((s, i) => [s, i % 2 ? "#sre" : "#incidents"])), teams: {} };
  const incidents = new IncidentService({ store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing, defaultChannel: "#incidents", outbox, threadFlushMs: 0, clock: systemClock });
  outbox.start();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const svc of SERVICES) await incidents.ingest({ alerts: [firingAlert(`${svc}-${round}`, svc, `Alert${round}`)], changes: [] });
    await incidents.tick();
    await new Promise((r) => setTimeout(r, 50));
  }
  const ids = (await store.incidents.listOpen()).map((i) => i.id);
  expect(ids).toHaveLength(SERVICES.length);
  const cards = async () => {
    const out: string[] = [];
    for (const id of ids) {
      const root = await store.slackMessages.get(id, "root");
      const m = root ? sandbox!.workspace.message(root.channel, root.ts) : undefined;
      out.push(JSON.stringify(m?.blocks ?? []));
    }
    return out;
  };
  const latest = `${ROUNDS} firing / ${ROUNDS} total`;
  const done = await eventually(
    async () => {
      await incidents.tick();
      const shown = await cards();
      return shown.every((c) => c.includes(latest)) && (await store.outbox.pendingCount()) === 0 ? shown : undefined;
    },
    "every card at its latest state and the outbox empty",
    120_000,
  );
  return { slack, store, cards: done };
}

describe("the workspace's edit budget (Slack Tier 3 for chat.update)", { timeout: 180_000 }, () => {
  it("cards changing faster than the budget: Slack sees at most the budget's edits in any window, every card ends at its latest state, no 429", async () => {
    const budget = new EditBudget({ perMinute: 120, burst: 4 });
    // The sandbox's limit is above the budget (as Slack's 50 a minute is above the product's default).
    const { slack, cards } = await storm({ budget, updateRate: { perSecond: 2.5, burst: 6 } });
    expect(cards).toHaveLength(SERVICES.length);
    const edits = slack.edits();
    // Coalesced: far fewer edits than changes (each card changed every round; cards and digests).
    expect(edits.length).toBeLessThan(SERVICES.length * ROUNDS);
    // The budget in every window between two edits: burst + refill × its length (one more for clock granularity).
    const refillPerMs = (budget.perMinute - budget.burst) / 60_000;
    for (let i = 0; i < edits.length; i++)
      for (let j = i; j < edits.length; j++) {
        const n = j - i + 1;
        expect(n, `edits ${i}..${j} within ${edits[j]!.at - edits[i]!.at} ms`).toBeLessThanOrEqual(budget.burst + refillPerMs * (edits[j]!.at - edits[i]!.at) + 1);
      }
    expect(edits.filter((e) => e.code === "ratelimited")).toEqual([]);
  });

  it("a budget above what Slack allows: Slack's 429 pauses every edit of the workspace for its Retry-After, and every card still ends at its latest state", async () => {
    const { slack, cards } = await storm({ budget: new EditBudget({ perMinute: 6000, burst: 50 }), updateRate: { perSecond: 2, burst: 3 } });
    expect(cards).toHaveLength(SERVICES.length);
    const edits = slack.edits();
    const limited = edits.filter((e) => e.code === "ratelimited");
    expect(limited.length).toBeGreaterThan(0);
    // Once a 429 was answered no edit was tried, in either channel, before its Retry-After had passed.
    for (const l of limited) {
      const next = edits.find((e) => e.at >= l.answeredAt);
      if (next) expect(next.at - l.answeredAt).toBeGreaterThanOrEqual((l.retryAfterMs ?? 1000) - 50);
    }
  });
});

describe("the outbox under a short edit budget", () => {
  it("edits an incident's root card before other edits queued earlier", async () => {
    db = await databases.open();
    const store = createStore(db);
    const slack = new MemorySlack();
    const root = await slack.call("chat.postMessage", { channel: "C_INCIDENTS", text: "root" });
    const rootTs = root.ok ? String(root.data.ts) : "";
    const digest = await slack.call("chat.postMessage", { channel: "C_INCIDENTS", text: "digest", thread_ts: rootTs });
    await store.incidents.create({ id: "INC-1", title: "checkout errors", severity: "sev2", origin: "alert", services: ["checkout"], channel: "C_INCIDENTS" });
    await store.slackMessages.put({ incidentId: "INC-1", purpose: "root", channel: "C_INCIDENTS", ts: rootTs });
    await store.outbox.enqueue({ channel: "C_INCIDENTS", method: "chat.update", payload: { text: "digest 2", ts: digest.ok ? String(digest.data.ts) : "" } });
    await store.outbox.enqueue({ channel: "C_INCIDENTS", method: "chat.update", payload: { text: "card 2", ts: rootRef("INC-1") } });
    outbox = new OutboxSender({ store, slack, logger: silentLogger, minIntervalMs: 0, editBudget: new EditBudget({ perMinute: 2, burst: 1 }) });
    await outbox.sendDue();
    expect(slack.calls.filter((c) => c.method === "chat.update").map((c) => c.payload.text)).toEqual(["card 2"]);
    expect(await store.outbox.pendingCount()).toBe(1);
  });
});

describe("the sandbox Slack's Tier 3 limit on chat.update", () => {
  it("answers 429 ratelimited with Retry-After once a workspace's edits, in any channel, go over the limit", async () => {
    sandbox = await startSandbox({ port: 0, signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, eventsUrl: "http://127.0.0.1:9/slack/events", updateRate: { perSecond: 0.5, burst: 2 } });
    const api = async (method: string, body: Record<string, unknown>) => {
      const res = await fetch(`${sandbox!.url}/api/${method}`, { method: "POST", headers: { authorization: `Bearer ${BOT_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as { ok: boolean; error?: string; ts?: string; channel?: string } };
    };
    const a = await api("chat.postMessage", { channel: "#incidents", text: "a" });
    const b = await api("chat.postMessage", { channel: "#sre", text: "b" });
    expect((await api("chat.update", { channel: a.body.channel, ts: a.body.ts, text: "a1" })).status).toBe(200);
    expect((await api("chat.update", { channel: b.body.channel, ts: b.body.ts, text: "b1" })).status).toBe(200);
    const third = await api("chat.update", { channel: a.body.channel, ts: a.body.ts, text: "a2" });
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ ok: false, error: "ratelimited" });
    expect(Number(third.retryAfter)).toBeGreaterThanOrEqual(1);
    // Posts are not edits: the channel still takes them.
    expect((await api("chat.postMessage", { channel: "#sre", text: "c" })).status).toBe(200);
  });
});
