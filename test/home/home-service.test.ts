import { afterEach, describe, expect, it } from "vitest";
import { appHomeView } from "../../blocks/app-home.ts";
import { clockOf } from "../../src/domain/clock.ts";
import { IncidentEvents } from "../../src/incident/incident-events.ts";
import { HomeService, type HomeRemediation } from "../../src/home/home-service.ts";
import { blockKitHomePresenter } from "../../blocks/app-home.ts";
import { silentLogger } from "../../src/log.ts";
import type { RemediationAction } from "../../src/remediate/types.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { MemorySlack } from "../support/memory-slack.ts";
import { reusedDatabases } from "../support/reused-databases.ts";

/** The Home service over a real (PGlite) store and an in-memory Slack: what it shows, and when it republishes. */

const closers: Array<() => Promise<void>> = [];
const databases = reusedDatabases();
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

const action = (over: Partial<RemediationAction> = {}): RemediationAction =>
  ({
    id: "A1",
    incidentId: "INC-1",
    type: "rollback",
    target: { kind: "Deployment", service: "checkout" },
    params: {},
    state: "pending",
    risk: "medium",
    requiredApprovals: 2,
    approvedBy: [],
    proposedBy: "aisre",
    reason: "bad deploy",
    detail: { title: "Roll back checkout", approvers: ["U_ALICE", "U_CAROL"] },
    createdAt: "2026-12-05T10:00:00Z",
    updatedAt: "2026-12-05T10:00:00Z",
    ...over,
  }) as RemediationAction;

async function setup(o: { pending?: RemediationAction[] } = {}) {
  let now = Date.parse("2026-12-05T10:30:00Z");
  const db = await databases.open();
  closers.push(() => db.close());
  const store: Store = createStore(
    db,
    clockOf(() => now),
  );
  const slack = new MemorySlack();
  const events = new IncidentEvents();
  const listeners = new Set<() => void>();
  let automation = { enabled: true } as Awaited<ReturnType<HomeRemediation["automation"]>>;
  const remediation: HomeRemediation = { automation: async () => automation, pending: async () => o.pending ?? [], onChange: (fn) => (listeners.add(fn), () => listeners.delete(fn)) };
  const home = new HomeService({
    store,
    slack,
    clock: clockOf(() => now),
    logger: silentLogger,
    incidents: { events },
    remediation,
    oncall: async (service) => (service === "checkout" ? [{ name: "Alice", slackUserId: "U_ALICE", level: 1 }] : []),
    presenter: blockKitHomePresenter,
    debounceMs: 50,
    refreshMs: 0,
  });
  home.start();
  closers.push(() => home.stop());
  const publishes = () => slack.calls.filter((c) => c.method === "views.publish");
  return {
    store,
    slack,
    events,
    home,
    publishes,
    tick: (ms: number) => (now += ms),
    switchOff: (by: string) => {
      automation = { enabled: false, by, at: new Date(now).toISOString(), reason: "freeze" };
      for (const fn of listeners) fn();
    },
  };
}

const text = (v: unknown) => JSON.stringify(v);

describe("HomeService", { timeout: 120_000 }, () => {
  it("opening Home publishes the person's view: open incidents with age and leading cause, their approvals, on call, automation", async () => {
    const h = await setup({ pending: [action(), action({ id: "A2", detail: { title: "Restart search", approvers: ["U_CAROL"] } as never }), action({ id: "A3", approvedBy: ["U_ALICE"] })] });
    await h.store.incidents.create({ id: "INC-1", title: "Checkout failing", severity: "sev2", origin: "alert", services: ["checkout"], createdAt: "2026-12-05T10:18:00Z" });
    await h.store.incidents.mergeCard("INC-1", { diagnosis: { cause: "deploy 2.3.0 of inventory", confidence: 0.72 } });
    await h.home.opened("U_ALICE");
    const [call] = h.publishes();
    expect(call?.payload.user_id).toBe("U_ALICE");
    const view = call?.payload.view as { type: string; blocks: unknown[] };
    expect(view.type).toBe("home");
    const shown = text(view.blocks);
    expect(shown).toContain("Open incidents (1)");
    expect(shown).toContain("Checkout failing");
    expect(shown).toContain("open for 12 min");
    expect(shown).toContain("Leading cause: deploy 2.3.0 of inventory (72 %)");
    // Alice may approve A1 (not yet approved by her); A2 is Carol's only; A3 she already approved.
    expect(shown).toContain("Waiting for your approval (1)");
    expect(shown).toContain("Roll back checkout");
    expect(shown).not.toContain("Restart search");
    expect(shown).toContain("<@U_ALICE> (L1)");
    expect(shown).toContain("Automation is on");
    expect(await h.store.appHome.viewers()).toEqual(["U_ALICE"]);
    const carol = await h.home.view("U_CAROL");
    expect(carol.approvals.map((a) => a.actionId)).toEqual(["A1", "A2", "A3"]);
  });

  it("republishes to everyone who opened Home when things change, once per burst", async () => {
    const h = await setup();
    await h.home.opened("U_ALICE");
    await h.home.opened("U_BOB");
    expect(h.publishes()).toHaveLength(2);
    const incident = await h.store.incidents.create({ id: "INC-2", title: "Search slow", severity: "sev3", origin: "alert", services: ["search"] });
    h.events.emit("opened", incident);
    h.events.emit("severity", { ...incident, severity: "sev2" }, "U_CAROL", "sev3");
    h.events.emit("opened", incident);
    await new Promise((r) => setTimeout(r, 20));
    await h.home.idle();
    const after = h.publishes().slice(2);
    expect(after.map((c) => c.payload.user_id).sort()).toEqual(["U_ALICE", "U_BOB"]);
    expect(text(after[0]?.payload.view)).toContain("Search slow");

    h.tick(60_000);
    h.switchOff("U_CAROL");
    await new Promise((r) => setTimeout(r, 20));
    await h.home.idle();
    const off = h.publishes().slice(4);
    expect(off).toHaveLength(2);
    expect(text(off[0]?.payload.view)).toMatch(/Automation is off.*turned off by <@U_CAROL>/);
  });

  it("lists the last resolved incidents with how right aisre was", async () => {
    const h = await setup();
    await h.store.incidents.create({ id: "INC-3", title: "Payments down", severity: "sev1", origin: "alert", services: ["payments"] });
    await h.store.incidents.mergeCard("INC-3", { diagnosis: { cause: "db failover", confidence: 0.6 } });
    await h.store.incidents.update("INC-3", { status: "resolved" });
    await h.store.feedback.grade({ incidentId: "INC-3", userId: "U_ALICE", grade: "right", score: 100 });
    await h.store.feedback.grade({ incidentId: "INC-3", userId: "U_BOB", grade: "partly", score: 65 });
    const v = await h.home.view("U_ALICE");
    expect(v.resolved).toEqual([expect.objectContaining({ id: "INC-3", cause: "db failover", confidence: 0.6, score: 83, grade: "right", graders: 2 })]);
    expect(v.accuracy).toEqual({ graded: 1, meanScore: 83 });
    const shown = text(appHomeView(v).blocks);
    expect(shown).toContain("*Right* 83/100 (2 grades)");
    expect(shown).toContain("Open incidents (0)");
    expect(shown).toContain("No open incidents");
  });

  it("a failed publish is logged and does not stop the others", async () => {
    const h = await setup();
    await h.home.opened("U_ALICE");
    await h.home.opened("U_BOB");
    h.slack.failures.push({ code: "not_enabled", transient: false });
    expect(await h.home.republishAll()).toBe(1);
    await expect(h.home.publish("U_ALICE").then(() => h.slack.failures.push({ code: "user_not_found", transient: false }))).resolves.not.toThrow();
    await expect(h.home.publish("U_ALICE")).rejects.toThrow(/user_not_found/);
  });
});
