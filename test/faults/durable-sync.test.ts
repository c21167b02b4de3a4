import { systemClock } from "../../src/domain/clock.ts";
import { describe, expect, it } from "vitest";
import { blockKitIncidentPresenter } from "../../blocks/incident-thread.ts";
import { IncidentEventRelay } from "../../src/incident/event-relay.ts";
import type { DurableIncidentEvent } from "../../src/incident/incident-events.ts";
import { IncidentService } from "../../src/incident/incident-service.ts";
import type { CommentMark, JiraPort, MarkedComment } from "../../src/integrations/jira/port.ts";
import { JiraWriteQueue } from "../../src/integrations/jira/write-queue.ts";
import { takeDue } from "../../src/integrations/jira/write-slots.ts";
import { DEFAULT_SCHEDULE } from "../../src/integrations/jira/write-schedule.ts";
import { silentLogger } from "../../src/log.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { EchoMemory } from "../../src/sync/echo-memory.ts";
import { perTestDatabases, secondReplica, testDatabases } from "../support/databases.ts";
import { firingAlert } from "../support/alerts.ts";
import { observedDb } from "../support/observed-db.ts";

/**
 * The outbound sync's state lives in the database, so a replica may die at any instruction and
 * another finishes its work: incident events as durable rows (relay with leases), the Jira write
 * outbox, the echo memory, and remediation verification leases.
 */

const alert = firingAlert;

/** A Jira port that records writes (only what the write queue calls). */
function recordingJira(): { port: JiraPort; comments: string[]; updates: number } {
  const r = { comments: [] as string[], updates: 0 };
  const marks: MarkedComment[] = [];
  const port = {
    async getIssue(key: string) {
      return { ref: { key, id: "1", url: "" }, values: { status: "Open", summary: "", description: "", priority: null, severity: null, timeline: null, labels: [], assignee: null }, statusCategory: "new", assignee: null, updated: "" };
    },
    async updateFields() {
      r.updates++;
    },
    async transitionTo() {
      return { changed: false, status: "Open" };
    },
    async addComment(_key: string, text: string, mark?: CommentMark) {
      r.comments.push(text);
      marks.push({ id: String(r.comments.length), ...mark });
      return { id: String(r.comments.length) };
    },
    async markedComments() {
      return marks.filter((m) => m.writes || m.slot);
    },
  } as unknown as JiraPort;
  return Object.assign(r, { port });
}

describe.each(testDatabases())("durable sync state on $name", { timeout: 300_000 }, (tdb) => {
  const { open, cleanup } = perTestDatabases(tdb);
  let db: Db;
  let other: Db;
  let a: Store;
  let b: Store;
  const two = async () => {
    db = await open();
    other = await secondReplica(db);
    if (other !== db) cleanup.push(() => other.close());
    a = createStore(db);
    b = createStore(other);
  };

  it("a crash after the incident commits does not drop its sync: another replica handles the stored events, in order", async () => {
    await two();
    // Replica A commits incidents and dies before handling anything: its relay never runs.
    const dead = new IncidentEventRelay({ store: a, logger: silentLogger });
    dead.subscribe("pagerduty", async () => {
      throw new Error("replica A died before this ran");
    });
    const incidents = new IncidentService({ clock: systemClock, store: a, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", durable: dead, threadFlushMs: 0 });
    const r1 = await incidents.ingest({ alerts: [alert("fp-1", "checkout")], changes: [] });
    await incidents.changeStatus(r1.opened[0]!, "acknowledged", "U_ALICE", "on it");
    const r2 = await incidents.ingest({ alerts: [alert("fp-2", "ledger")], changes: [] });
    expect(await a.incidentEvents.pendingCount("pagerduty")).toBeGreaterThanOrEqual(4);

    // Replica B picks them up.
    const seen: Array<{ incident: string; kind: string }> = [];
    const relay = new IncidentEventRelay({ store: b, logger: silentLogger });
    relay.subscribe("pagerduty", async (e: DurableIncidentEvent) => {
      seen.push({ incident: e.incident.id, kind: e.kind });
    });
    expect(await relay.idle(60_000)).toBe(true);
    const of = (id: string) => seen.filter((s) => s.incident === id).map((s) => s.kind);
    expect(of(r1.opened[0]!)[0]).toBe("opened");
    expect(of(r1.opened[0]!)).toContain("status");
    expect(of(r1.opened[0]!).indexOf("status")).toBeGreaterThan(of(r1.opened[0]!).indexOf("opened"));
    expect(of(r2.opened[0]!)[0]).toBe("opened");
    expect(await b.incidentEvents.pendingCount()).toBe(0);
  });

  it("two replicas never handle one event twice, and a failing event is retried, then parked without holding back the next", async () => {
    await two();
    for (let i = 0; i < 20; i++) await a.incidentEvents.append([{ incidentId: `INC-${i % 4}`, consumer: "jira", kind: "alerts", payload: { incident: { id: `INC-${i % 4}` }, n: i } }]);
    await a.incidentEvents.append([{ incidentId: "INC-bad", consumer: "jira", kind: "opened", payload: { incident: { id: "INC-bad" } } }]);
    await a.incidentEvents.append([{ incidentId: "INC-bad", consumer: "jira", kind: "status", payload: { incident: { id: "INC-bad" } } }]);
    const handled = new Map<string, number>();
    const relays = [a, b].map((store) => {
      const relay = new IncidentEventRelay({ store, logger: silentLogger, retryBaseMs: 5, retryMaxMs: 20, maxAttempts: 3 });
      relay.subscribe("jira", async (e) => {
        if (e.incident.id === "INC-bad" && e.kind === "opened") throw new Error("Jira says no");
        const key = `${e.incident.id}:${e.kind}:${(e as unknown as { n?: number }).n ?? ""}`;
        handled.set(key, (handled.get(key) ?? 0) + 1);
      });
      return relay;
    });
    const deadline = Date.now() + 60_000;
    while ((await a.incidentEvents.pendingCount()) > 0 && Date.now() < deadline) {
      await Promise.all(relays.map((r) => r.runOnce()));
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await a.incidentEvents.pendingCount()).toBe(0);
    expect([...handled.values()].every((n) => n === 1)).toBe(true);
    expect(handled.get("INC-bad:status:")).toBe(1);
    expect(await a.incidentEvents.parkedCount()).toBe(1);
  });

  it("asks what waits behind a claimed page's alerts events in one statement, and marks those a later one covers done in another", async () => {
    await two();
    // A storm: 10 incidents, each with an alerts event and a later one that covers it.
    for (let i = 0; i < 10; i++) for (const n of [1, 2]) await a.incidentEvents.append([{ incidentId: `INC-S${i}`, consumer: "jira", kind: "alerts", payload: { incident: { id: `INC-S${i}` }, n } }]);
    let statements = 0;
    const relay = new IncidentEventRelay({ store: createStore(observedDb(db, () => statements++)), logger: silentLogger });
    const handled: Array<{ id: string; n: number; waiting: boolean }> = [];
    relay.subscribe("jira", async (e, context) => {
      handled.push({ id: e.incident.id, n: (e as unknown as { n: number }).n, waiting: context.waiting });
    });
    // The page: each incident's first event, covered by its second — none handled, 3 statements (it was 1 + 2 per event: 21).
    expect(await relay.runOnce()).toBe(10);
    expect(handled).toEqual([]);
    expect(statements).toBe(3);
    expect(await a.incidentEvents.pendingCount("jira")).toBe(10);
    expect(await relay.runOnce()).toBe(10);
    expect(handled.map((h) => `${h.id}:${h.n}:${h.waiting}`).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `INC-S${i}:2:false`).sort());
    expect(await a.incidentEvents.pendingCount("jira")).toBe(0);
  });

  it("Jira writes queued by a replica that died are written by another, once", async () => {
    await two();
    const jira = recordingJira();
    const dying = new JiraWriteQueue({ port: jira.port, rows: a.jiraWrites, schedule: { debounceMs: 50_000, maxDelayMs: 60_000 } });
    await dying.sync("OPS-1", { severity: "sev1" });
    await dying.comment("OPS-1", "Hypothesis: inventory deploy");
    dying.close(); // the process is gone before the debounce ran out
    expect(await b.jiraWrites.keys()).toEqual(["OPS-1"]);

    const next = new JiraWriteQueue({ port: jira.port, rows: b.jiraWrites, schedule: { debounceMs: 10, maxDelayMs: 100 }, pollMs: 20 });
    next.start();
    await next.flushNow();
    await next.idle();
    next.close();
    expect(jira.comments).toEqual(["Hypothesis: inventory deploy"]);
    expect(jira.updates).toBe(1);
    expect(await a.jiraWrites.keys()).toEqual([]);
  });

  it("a Jira batch whose writer died mid-write is merged back under newer writes and written by another replica", async () => {
    await two();
    const jira = recordingJira();
    const queue = new JiraWriteQueue({ port: jira.port, rows: a.jiraWrites, schedule: { debounceMs: 0, maxDelayMs: 0 } });
    await queue.comment("OPS-2", "Remediation: rolled back inventory");
    queue.close();
    // Replica A took the batch (its lease: 1.5 s) and died writing it.
    const taken = await takeDue(a.jiraWrites, "OPS-2", "replica-a", Date.now() + 1, 1500);
    expect(taken?.comments).toEqual(["Remediation: rolled back inventory"]);
    expect(await takeDue(b.jiraWrites, "OPS-2", "replica-b", Date.now() + 1, 1500)).toBeUndefined();
    const later = new JiraWriteQueue({ port: jira.port, rows: b.jiraWrites, schedule: { ...DEFAULT_SCHEDULE, debounceMs: 0, maxDelayMs: 0 }, pollMs: 20 });
    await later.comment("OPS-2", "Resolved by aisre after 12 min.");
    await new Promise((r) => setTimeout(r, 1600));
    later.start();
    await later.idle();
    later.close();
    expect(jira.comments).toEqual(["Remediation: rolled back inventory\n\nResolved by aisre after 12 min."]);
  });

  it("remembers aisre's own changes for every replica: the echo that reaches another is absorbed once", async () => {
    await two();
    const [ea, eb] = [new EchoMemory({ store: a.syncEchoes }), new EchoMemory({ store: b.syncEchoes })];
    await ea.remember("pagerduty", "P1", "incident.acknowledged");
    expect(await eb.has("pagerduty", "P1", "incident.acknowledged")).toBe(true);
    const consumed = await Promise.all([eb.consume("pagerduty", "P1", "incident.acknowledged"), ea.consume("pagerduty", "P1", "incident.acknowledged")]);
    expect(consumed.filter(Boolean)).toHaveLength(1);
    expect(await eb.consume("pagerduty", "P1", "incident.resolved")).toBe(false);
  });

  it("verification is owned by one live replica; another takes it over when the lease runs out", async () => {
    await two();
    await a.incidents.create({ id: "INC-V", title: "t", severity: "sev2", origin: "alert", services: ["checkout"] });
    await a.actions.create({ id: "act-1", incidentId: "INC-V", type: "rollout_restart", target: { service: "checkout" }, params: {}, state: "verifying", risk: "low", requiredApprovals: 0, proposedBy: "aisre", reason: "" } as never);
    expect(await a.actions.unownedVerifications()).toEqual(["act-1"]);
    // Leases long enough that a loaded machine cannot let one run out before the next line.
    const claims = await Promise.all([a.actions.claimVerification("act-1", "replica-a", 30_000), b.actions.claimVerification("act-1", "replica-b", 30_000)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    const holder = claims[0] ? "replica-a" : "replica-b";
    const taker = holder === "replica-a" ? "replica-b" : "replica-a";
    expect(await a.actions.unownedVerifications()).toEqual([]);
    // The holder's last heartbeat gives it 1 ms more; then it dies: no more renewals, the lease
    // runs out and the other replica takes it over.
    expect(await a.actions.renewVerification("act-1", holder, 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(await b.actions.unownedVerifications()).toEqual(["act-1"]);
    expect(await b.actions.claimVerification("act-1", taker, 30_000)).toBe(true);
    expect(await a.actions.renewVerification("act-1", holder, 80)).toBe(false);
  });
});
