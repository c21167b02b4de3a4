import { clockOf, systemClock } from "../../src/domain/clock.ts";
import { itemAt } from "../../src/domain/indexed.ts";
import { PostmortemService, type PostmortemServiceOptions } from "../../src/postmortem/postmortem-service.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockKitRemediationPresenter } from "../../blocks/remediation-card.ts";
import { silentLogger } from "../../src/log.ts";
import { PolicySource } from "../../src/remediate/policy-file.ts";
import { RemediationService } from "../../src/remediate/remediation-service.ts";
import type { SymptomCheck } from "../../src/remediate/types.ts";
import { defined } from "../support/defined.ts";
import { eventually } from "../support/eventually.ts";
import { loadConfig } from "../../src/config.ts";
import { jiraAdapterOptions } from "../../src/integrations/jira/config.ts";
import { createJiraClientAdapter } from "../../src/integrations/jira/jira-client-adapter.ts";
import { JiraApiError } from "../../src/integrations/jira/errors.ts";
import type { JiraPort } from "../../src/integrations/jira/port.ts";
import { JiraWriteQueue, memoryKeptCommentStore } from "../../src/integrations/jira/write-queue.ts";
import { createJiraSandbox, type JiraSandbox } from "../../src/sandbox/jira/jira-sandbox.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { perTestDatabases, secondReplica, testDatabases } from "../support/databases.ts";
import { serveRouter, type Served } from "../sandbox/jira/serve.ts";
import { blockKitIncidentPresenter } from "../../blocks/incident-thread.ts";
import { blockKitSyncPresenter } from "../../blocks/paging.ts";
import { IncidentEventRelay } from "../../src/incident/event-relay.ts";
import { IncidentService } from "../../src/incident/incident-service.ts";
import { KeptMessages } from "../../src/incident/kept-message.ts";
import type { PagerDutyPort } from "../../src/integrations/pagerduty/port.ts";
import { EchoMemory } from "../../src/sync/echo-memory.ts";
import { PagerDutySync } from "../../src/sync/pagerduty-sync.ts";
import { People } from "../../src/sync/people.ts";
import { syncSettings } from "../../src/sync/sync-config.ts";
import { MemoryPagerDuty } from "../support/memory-pagerduty.ts";
import { MemorySlack } from "../support/memory-slack.ts";
import { FakeVerifier, remediationHarness } from "../remediate/fakes.ts";

/**
 * Work a replica had begun is finished by another when it dies (simulated in-process: the first
 * holder stops and its lease is abandoned), without starting it again from the beginning and
 * without doing anything twice; work due later (a postmortem held on resolution) is done by a replica
 * that was not there when it was scheduled.
 */

describe.each(testDatabases())("remediation verification taken over on $name", { timeout: 120_000 }, (tdb) => {
  const { open, cleanup } = perTestDatabases(tdb);
  it("continues the watch window the first replica opened, instead of opening a new one", async () => {
    const h = await remediationHarness({ db: await open() });
    const other = await secondReplica(h.db);
    if (other !== h.db) cleanup.push(() => other.close());
    // Replica A watches cart (still unhealthy) and freezes at its third reading, as a dead process would.
    h.verifier.healthy.set("cart", false);
    const read = h.verifier.read.bind(h.verifier);
    h.verifier.read = (s: SymptomCheck[]) => (h.verifier.reads >= 2 ? new Promise<never>(() => undefined) : read(s));
    const r = await h.remediation.recommend(h.incident.id, { type: "rollout_restart", target: { service: "cart" }, reason: "memory leak" });
    const id = r.actionId;
    defined(id, "action id");
    const watch = await eventually(async () => {
      const w = (await h.remediation.records.get(id))?.detail.watch;
      return h.verifier.reads >= 2 && w ? w : undefined;
    }, "replica A watching");
    // A is gone: its lease is abandoned and runs out. Time goes on to 50 s into A's 60 s window.
    await h.db.query("UPDATE actions SET lease_owner = 'replica-a-gone', lease_until = now() - interval '1 second' WHERE id = $1", [id]);
    h.clock.t = watch.startedAt + 50_000;

    const verifier = new FakeVerifier();
    verifier.healthy.set("cart", false);
    const policy = new PolicySource({ file: h.policyFile, logger: silentLogger, watch: false });
    const b = new RemediationService({ store: createStore(other), slack: h.slack, logger: silentLogger, policy, defaultChannel: "#incidents", ports: { kubernetes: h.k8s, verifier, escalator: h.escalator, sandboxUrl: "http://sandbox.test", namespace: "shop" }, presenter: blockKitRemediationPresenter, clock: h.clock });
    await b.recover();
    const done = await eventually(async () => {
      const a = await h.remediation.records.get(id);
      return a?.state === "verifying" ? undefined : a;
    }, "replica B's verdict");
    expect(done.state).toBe("unverified");
    // B read once, at the end of A's window (not six times over a window of its own).
    expect(verifier.reads).toBe(1);
    expect(h.clock.t).toBe(watch.startedAt + 60_000);
    expect(done.detail.steps.map((s) => s.text)).toContainEqual(expect.stringMatching(/taken over from a replica that stopped; 10 s of the 60 s window left/));
    b.close();
    h.remediation.close();
  });
});

/** Two stores on one database, as two replicas see it (PGlite: the same handle). */
function replicas(tdb: ReturnType<typeof testDatabases>[number]) {
  const { open, cleanup } = perTestDatabases(tdb);
  return async (): Promise<[Store, Store]> => {
    const db: Db = await open();
    const other = await secondReplica(db);
    if (other !== db) cleanup.push(() => other.close());
    return [createStore(db), createStore(other)];
  };
}

const never = () => new Promise<never>(() => undefined);

describe.each(testDatabases())("Jira writes taken over on $name", { timeout: 120_000 }, (tdb) => {
  const two = replicas(tdb);
  let sandbox: JiraSandbox;
  let server: Served;
  let jira: JiraPort;
  beforeAll(async () => {
    sandbox = createJiraSandbox();
    server = await serveRouter(sandbox.router);
    jira = createJiraClientAdapter(jiraAdapterOptions(loadConfig({}).jira, server.url));
  });
  afterAll(async () => {
    await server.close();
  });

  it("a comment (and a kept comment) written just before its writer died is not written again by the replica that takes the batch over", async () => {
    const [a, b] = await two();
    const { key } = await jira.createIssue({ incidentId: "INC-T1", title: "Takeover", description: "d", severity: "sev2", services: ["inventory"] });
    const kept = memoryKeptCommentStore();
    // Replica A's Jira calls go through; its second comment is taken by Jira, and A dies before it hears the answer.
    let added = 0;
    const dying: JiraPort = new Proxy(jira, {
      get(target, prop) {
        if (prop !== "addComment") return Reflect.get(target, prop);
        return async (...args: Parameters<JiraPort["addComment"]>) => {
          const r = await target.addComment(...args);
          return ++added >= 2 ? never() : r;
        };
      },
    });
    const A = new JiraWriteQueue({ port: dying, rows: a.jiraWrites, keptComments: kept, schedule: { debounceMs: 200, maxDelayMs: 1_000 }, leaseMs: 300, pollMs: 20 });
    await A.comment(key, "Remediation: rolled back inventory");
    await A.keepComment(key, "postmortem", "Postmortem draft v1");
    A.start();
    await eventually(async () => (added >= 2 ? true : undefined), "replica A writing its batch");
    A.close(); // no more lease renewals: A is gone
    expect(sandbox.store.issue(key).comments.map((c) => c.body)).toEqual(["Remediation: rolled back inventory", "Postmortem draft v1"]);

    // Replica B queues more and takes A's batch over once A's lease has run out.
    const B = new JiraWriteQueue({ port: jira, rows: b.jiraWrites, keptComments: kept, schedule: { debounceMs: 0, maxDelayMs: 0, baseBackoffMs: 20, maxBackoffMs: 50 }, pollMs: 20 });
    await B.comment(key, "Resolved by aisre after 12 min.");
    await B.keepComment(key, "postmortem", "Postmortem draft v2");
    await new Promise((r) => setTimeout(r, 400));
    B.start();
    await B.idle();
    B.close();
    // Each said once; the postmortem comment edited in place, not posted again.
    expect(sandbox.store.issue(key).comments.map((c) => c.body)).toEqual(["Remediation: rolled back inventory", "Postmortem draft v2", "Resolved by aisre after 12 min."]);
    expect(await b.jiraWrites.keys()).toEqual([]);
  });

  it("a comment whose answer was lost (Jira took it, the call failed) is looked up before the retry, not posted twice", async () => {
    const [a] = await two();
    const { key } = await jira.createIssue({ incidentId: "INC-T2", title: "Lost answer", description: "d", severity: "sev2", services: ["cart"] });
    let lost = 1;
    const flaky: JiraPort = new Proxy(jira, {
      get(target, prop) {
        if (prop !== "addComment") return Reflect.get(target, prop);
        return async (...args: Parameters<JiraPort["addComment"]>) => {
          const r = await target.addComment(...args);
          if (lost-- > 0) throw new JiraApiError(503, "the answer was lost");
          return r;
        };
      },
    });
    const q = new JiraWriteQueue({ port: flaky, rows: a.jiraWrites, schedule: { debounceMs: 0, maxDelayMs: 0, baseBackoffMs: 20, maxBackoffMs: 50 }, pollMs: 20 });
    await q.comment(key, "Hypothesis: cart cache evictions");
    q.start();
    await q.idle();
    q.close();
    expect(sandbox.store.issue(key).comments.map((c) => c.body)).toEqual(["Hypothesis: cart cache evictions"]);
  });
});

describe.each(testDatabases())("PagerDuty escalation taken over on $name", { timeout: 120_000 }, (tdb) => {
  const two = replicas(tdb);

  /** One replica's PagerDuty sync: its own relay (leases of `leaseMs`), the shared PagerDuty. */
  const replica = (store: Store, port: PagerDutyPort, leaseMs: number) => {
    const relay = new IncidentEventRelay({ store, logger: silentLogger, leaseMs, retryBaseMs: 20, retryMaxMs: 50 });
    const incidents = new IncidentService({ clock: systemClock, durable: relay, store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", threadFlushMs: 0 });
    const settings = syncSettings({}, { project: "OPS", issueType: "Incident" }).pagerduty;
    const kept = new KeptMessages({ store, defaultChannel: "#incidents", logger: silentLogger });
    const sync = new PagerDutySync({
      port,
      store,
      incidents,
      settings,
      logger: silentLogger,
      echo: new EchoMemory({ store: store.syncEchoes }),
      people: new People({ slack: new MemorySlack() }),
      kept,
      presenter: () => blockKitSyncPresenter,
      retry: { baseMs: 10, maxMs: 20 },
      relay,
      escalateWaitMs: 300,
      findTimeoutMs: 200,
    });
    sync.start();
    return { relay, incidents, sync };
  };

  it("an escalation whose replica died after PagerDuty took it is finished by another: one escalation, one note, told once", async () => {
    const [a, b] = await two();
    const pd = new MemoryPagerDuty(undefined, 3);
    // Replica A: PagerDuty takes its note, and A dies before it hears back (its relay never runs again).
    const dying: PagerDutyPort = new Proxy(pd, {
      get(target, prop) {
        const v = Reflect.get(target, prop);
        if (prop !== "addNote" || typeof v !== "function") return typeof v === "function" ? v.bind(target) : v;
        return async (...args: Parameters<PagerDutyPort["addNote"]>) => {
          await target.addNote(...args);
          return never();
        };
      },
    });
    const A = replica(a, dying, 300);
    const inc = await A.incidents.declare({ title: "Checkout errors", severity: "sev2", services: ["checkout"], by: "U_CAROL" });
    expect((await A.sync.page(inc.id, "U_CAROL", "paged from Slack")).ok).toBe(true);
    await A.relay.idle(10_000);
    const asked = A.sync.escalate(inc.id, "rollback did not fix it");
    await eventually(async () => (pd.notes.length === 1 ? true : undefined), "PagerDuty has A's note");
    expect(await asked).toMatchObject({ ok: true, ref: expect.stringContaining("queued") });

    // Replica B takes the escalation over once A's lease has run out.
    await new Promise((r) => setTimeout(r, 400));
    const B = replica(b, pd, 30_000);
    expect(await B.relay.idle(30_000)).toBe(true);
    const page = pd.incidents.get(`aisre:${inc.id}`);
    defined(page, "page");
    expect(page.escalationLevel).toBe(2);
    expect(pd.calls.filter((c) => c.method === "escalate")).toHaveLength(1);
    expect(pd.notes.map((n) => n.content)).toEqual([expect.stringMatching(/^Escalated by aisre: rollback did not fix it \[aisre [0-9a-f]{8}\]$/)]);
    const told = (await b.timeline.list(inc.id, ["sync"])).filter((t) => t.text.startsWith("Escalated PagerDuty"));
    expect(told).toHaveLength(1);
    expect((await b.links.get(inc.id, "pagerduty"))?.synced).toMatchObject({ level: 2 });
    await B.sync.stop();
  });
});

describe.each(testDatabases())("a postmortem held on resolution, taken over on $name", { timeout: 120_000 }, (tdb) => {
  const { open, cleanup } = perTestDatabases(tdb);
  let now = Date.parse("2026-11-23T10:00:00Z");
  const clock = clockOf(() => now);

  /** Two stores on one database, as two replicas see it (PGlite: the same handle), on the system's clock moved by hand. */
  const two = async (): Promise<[Store, Store]> => {
    const db = await open();
    const other = await secondReplica(db);
    if (other !== db) cleanup.push(() => other.close());
    return [createStore(db, clock), createStore(other, clock)];
  };

  /** One replica's incident and postmortem services; `kept` is how its drafts reach the thread. */
  const replica = (store: Store, kept?: PostmortemServiceOptions["kept"]) => {
    const incidents = new IncidentService({ clock, store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", threadFlushMs: 0 });
    const postmortems = new PostmortemService({
      store,
      incidents,
      settings: syncSettings({}, { project: "OPS", issueType: "Incident" }).postmortem,
      people: { slackName: async (id) => id },
      kept: kept ?? new KeptMessages({ store, defaultChannel: "#incidents", logger: silentLogger }),
      redact: (t) => t,
      logger: silentLogger,
      clock,
      holdPollMs: 20,
      holdLeaseMs: 600,
    });
    postmortems.start();
    return { incidents, postmortems };
  };

  const resolvedByAisre = async (r: ReturnType<typeof replica>, service: string) => {
    const opened = await r.incidents.ingest({
      alerts: [{ fingerprint: `fp-${service}`, source: "alertmanager", name: "RedisEvictionsHigh", status: "firing", severity: "sev2", service, summary: "evicting", labels: { alertname: "RedisEvictionsHigh", service }, startsAt: new Date(now - 60_000).toISOString() }],
      changes: [],
    });
    const id = opened.opened[0];
    defined(id, "incident");
    await r.incidents.changeStatus(id, "resolved", "aisre", "all alerts resolved and quiet for 5 min");
    return id;
  };
  const postmortemPosts = async (store: Store, id: string) => Number(itemAt(await store.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE method = 'chat.postMessage' AND payload->'_meta'->'record'->>'purpose' = 'postmortem' AND payload->'_meta'->'record'->>'incidentId' = $1", [id]), 0).n);
  const drafted = async (store: Store, id: string) => (await store.timeline.list(id, ["note"])).filter((e) => e.data.postmortem === true).map((e) => e.text.replace(/ \(.*$/, ""));

  it("a replica that dies inside the hold is replaced by one that drafts it when the hold is over, in the system's time", async () => {
    const [a, b] = await two();
    const A = replica(a);
    const id = await resolvedByAisre(A, "cache");
    // Two minutes into the hold, replica A is gone (its process, and any timer it had, with it).
    now += 2 * 60_000;
    await A.postmortems.stop();

    const B = replica(b);
    await B.postmortems.idle();
    expect(await B.postmortems.get(id)).toBeUndefined();
    expect(await b.postmortemHolds.get(id)).toMatchObject({ by: "aisre", attempts: 0 });
    // The hold is over (5 min after the resolution): B drafts it, once.
    now += 3 * 60_000;
    await B.postmortems.idle();
    expect(await B.postmortems.get(id)).toMatchObject({ version: 1, status: "draft" });
    expect(await b.postmortemHolds.get(id)).toBeUndefined();
    expect(await postmortemPosts(b, id)).toBe(1);
    expect(await drafted(b, id)).toEqual(["Postmortem drafted"]);
    await B.postmortems.stop();
  });

  it("a replica that dies while drafting (its draft saved, not yet in the thread) leaves it to another, which publishes that draft instead of a second", async () => {
    const [a, b] = await two();
    // Replica A saves its draft and dies before the thread message is queued.
    let reached = false;
    const A = replica(a, {
      upsert: () => {
        reached = true;
        return never();
      },
    });
    const id = await resolvedByAisre(A, "payments");
    now += 5 * 60_000;
    await eventually(async () => (reached ? true : undefined), "replica A drafting");
    void A.postmortems.stop(); // no more lease renewals: A is gone (its draft never finishes)
    const B = replica(b);
    // A renewal A sent just before it stopped may land after the lease is expired here: A's claim
    // (the hold's first attempt) is expired until B has claimed the hold.
    await eventually(async () => {
      await a.db.query("UPDATE postmortem_holds SET lease_until = now() - interval '1 second' WHERE incident_id = $1 AND attempts = 1", [id]);
      await B.postmortems.idle(200);
      return (await b.postmortemHolds.get(id))?.attempts === 1 ? undefined : true;
    }, "replica B claiming the hold");
    await B.postmortems.idle();
    expect(await B.postmortems.get(id)).toMatchObject({ version: 1 });
    expect(await b.postmortemHolds.get(id)).toBeUndefined();
    expect(await postmortemPosts(b, id)).toBe(1);
    expect(await drafted(b, id)).toEqual(["Postmortem drafted"]);
    await B.postmortems.stop();
  });

  it("a reopen inside the hold drops it for every replica: nobody drafts a postmortem of an incident still going on", async () => {
    const [a, b] = await two();
    const A = replica(a);
    const B = replica(b);
    const id = await resolvedByAisre(A, "checkout");
    now += 2 * 60_000;
    await B.incidents.changeStatus(id, "open", "aisre", "RedisEvictionsHigh on checkout fired again");
    now += 10 * 60_000;
    await Promise.all([A.postmortems.idle(), B.postmortems.idle()]);
    expect(await a.postmortemHolds.get(id)).toBeUndefined();
    expect(await A.postmortems.get(id)).toBeUndefined();
    expect(await postmortemPosts(a, id)).toBe(0);
    await Promise.all([A.postmortems.stop(), B.postmortems.stop()]);
  });
});
