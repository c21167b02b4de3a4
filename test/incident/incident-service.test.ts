import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { blockKitFeedbackPresenter } from "../../blocks/feedback.ts";
import { ACTION } from "../../blocks/ids.ts";
import { blockKitIncidentPresenter } from "../../blocks/incident-thread.ts";
import { FeedbackService } from "../../src/feedback/feedback-service.ts";
import type { Alert } from "../../src/domain/alert.ts";
import type { Topology } from "../../src/domain/topology.ts";
import { IncidentService } from "../../src/incident/incident-service.ts";
import { OutboxSender } from "../../src/incident/outbox-sender.ts";
import { silentLogger } from "../../src/log.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { MemorySlack } from "../support/memory-slack.ts";
import { clockOf } from "../../src/domain/clock.ts";
import { itemAt } from "../../src/domain/indexed.ts";
import { defined } from "../support/defined.ts";
import { reusedDatabases } from "../support/reused-databases.ts";

const topology: Topology = {
  services: ["frontend", "checkout", "payments", "orders-db", "reporting"],
  edges: [
    { from: "frontend", to: "checkout" },
    { from: "checkout", to: "payments" },
    { from: "payments", to: "orders-db" },
  ],
};

let clock = Date.parse("2026-11-23T10:00:00Z");
const alert = (name: string, service: string, status: "firing" | "resolved" = "firing", startsAt = "2026-11-23T10:00:00Z"): Alert => ({
  fingerprint: `fp-${name}-${service}`,
  source: "alertmanager",
  name,
  status,
  severity: "sev2",
  service,
  summary: `${name} on ${service}`,
  labels: { alertname: name, service },
  startsAt,
  endsAt: status === "resolved" ? "2026-11-23T10:01:00Z" : undefined,
});

describe("IncidentService", () => {
  let db: Db;
  let store: Store;
  let slack: MemorySlack;
  let outbox: OutboxSender;
  let incidents: IncidentService;
  const databases = reusedDatabases();

  beforeEach(async () => {
    clock = Date.parse("2026-11-23T10:00:00Z");
    db = await databases.open();
    store = createStore(db);
    slack = new MemorySlack();
    outbox = new OutboxSender({ store, slack, logger: silentLogger, minIntervalMs: 0 });
    incidents = new IncidentService({ store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", topology: () => topology, outbox, threadFlushMs: 0, clock: clockOf(() => clock) });
  });
  afterEach(async () => {
    await outbox.stop();
    await db.close();
  });

  async function drain() {
    await incidents.tick();
    for (let i = 0; i < 50 && (await store.outbox.pendingCount()) > 0; i++) await outbox.sendDue();
  }

  it("turns a storm from one failure into one incident with one root message", async () => {
    const storm = ["HighLatency", "HighErrorRate", "PodRestarts"].flatMap((n) => ["checkout", "payments", "frontend"].map((s) => alert(n, s)));
    const r = await incidents.ingest({ alerts: storm, changes: [] });
    expect(r.opened.length).toBe(1);
    await drain();
    const again = await incidents.ingest({ alerts: storm, changes: [] });
    expect(again.duplicates).toBe(storm.length);
    await drain();
    expect(slack.roots().length).toBe(1);
    const [root] = slack.roots();
    defined(root, "root");
    expect(root.text).toContain("open");
    expect(root.edits).toBe(0);
    expect(JSON.stringify(root.blocks)).toContain("9 firing / 9 total");
    await incidents.ingest({ alerts: [alert("HighLatency", "checkout", "resolved")], changes: [] });
    await drain();
    expect(root.edits).toBe(1);
    expect(JSON.stringify(root.blocks)).toContain("8 firing / 9 total");
    // The joins are one digest message, edited in place: not a message per alert change.
    const replies = slack.replies(root.ts);
    expect(replies.map((m) => m.text)).toEqual(["What the signals show: 8 alerts firing, 1 resolved"]);
    const inc = itemAt(await store.incidents.listOpen(), 0);
    expect(inc.services.sort()).toEqual(["checkout", "frontend", "payments"]);
    expect((await store.alerts.countByIncident(inc.id)).total).toBe(9);
    const joined = (await store.timeline.list(inc.id, ["alert"])).filter((e) => e.text.includes(" fired"));
    expect(joined.length).toBe(9);
    expect(joined.some((e) => /hop|same service|first alert/.test(e.text))).toBe(true);
  });

  it("folds alert joins, flaps and changes into one digest edited in place, continued after a restart", async () => {
    await incidents.ingest({ alerts: [alert("HighErrorRate", "checkout")], changes: [] });
    await drain();
    const [root] = slack.roots();
    defined(root, "root");
    // The founding alert is on the card: no thread message yet.
    expect(slack.replies(root.ts)).toEqual([]);
    for (let i = 0; i < 6; i++) {
      clock += 60_000;
      const status = i % 2 === 0 ? "firing" : "resolved";
      await incidents.ingest({ alerts: [{ ...alert("RedisEvictions", "payments", status, "2026-11-23T10:00:00Z"), endsAt: status === "resolved" ? new Date(clock).toISOString() : undefined, startsAt: new Date(clock - 1000).toISOString() }], changes: [] });
      await drain();
    }
    await incidents.ingest({ alerts: [], changes: [{ id: "d1", source: "github", kind: "deploy", service: "payments", version: "v2.3", previousVersion: "v2.2", at: "2026-11-23T10:01:00Z" }] });
    await drain();
    let replies = slack.replies(root.ts);
    expect(replies).toHaveLength(1);
    const body = JSON.stringify(itemAt(replies, 0).blocks);
    expect(body).toContain("*RedisEvictions* on `payments` (SEV2) resolved · flapping (5 flips)");
    expect(body).toContain(":package: deploy of `payments` v2.3 (from v2.2) at <!date^");
    expect(body).toContain('"action_id":"incident_timeline"');
    expect(itemAt(replies, 0).edits).toBeGreaterThanOrEqual(6);

    // Another process (a restart, or another replica) carries on with the same message.
    const next = new IncidentService({ store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", topology: () => topology, outbox, threadFlushMs: 0, clock: clockOf(() => clock) });
    await next.ingest({ alerts: [alert("HighLatency", "frontend")], changes: [] });
    await next.tick();
    for (let i = 0; i < 10 && (await store.outbox.pendingCount()) > 0; i++) await outbox.sendDue();
    replies = slack.replies(root.ts);
    expect(replies).toHaveLength(1);
    expect(itemAt(replies, 0).text).toBe("What the signals show: 2 alerts firing, 1 resolved · 1 recent change".replace(" · ", ", "));
    expect(JSON.stringify(itemAt(replies, 0).blocks)).toContain("*HighLatency* on `frontend`");
  });

  it("gives an unrelated failure at the same time its own incident", async () => {
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments"), alert("DiskFull", "reporting")], changes: [] });
    await drain();
    expect((await store.incidents.listOpen()).length).toBe(2);
    expect(slack.roots().length).toBe(2);
  });

  it("treats a redelivery with the same fingerprint and state as a no-op", async () => {
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments")], changes: [] });
    const again = await incidents.ingest({ alerts: [alert("HighErrorRate", "payments")], changes: [] });
    expect(again).toMatchObject({ duplicates: 1, joined: 0, opened: [] });
  });

  it("resolves after the quiet period and reopens when the alert fires again", async () => {
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments")], changes: [] });
    const [inc] = await store.incidents.listOpen();
    defined(inc, "inc");
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "resolved")], changes: [] });
    clock += 60_000;
    expect(await incidents.autoResolve()).toEqual([]);
    clock += 10 * 60_000;
    expect(await incidents.autoResolve()).toEqual([inc.id]);
    expect((await store.incidents.get(inc.id))?.status).toBe("resolved");
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "firing", "2026-11-23T10:20:00Z")], changes: [] });
    expect((await store.incidents.get(inc.id))?.status).toBe("open");
    await drain();
    expect(slack.roots().length).toBe(1);
  });

  it("resolution is one thread message: the note carries the grading question; a second resolution asks again in its own note", async () => {
    const feedback = new FeedbackService({ store, incidents, outbox, logger: silentLogger, defaultChannel: "#incidents", presenter: blockKitFeedbackPresenter });
    feedback.start();
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments")], changes: [] });
    const [inc] = await store.incidents.listOpen();
    defined(inc, "inc");
    await store.incidents.mergeCard(inc.id, { diagnosis: { cause: "payments: its connection pool is full.", confidence: 0.9 } });
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "resolved")], changes: [] });
    clock += 11 * 60_000;
    expect(await incidents.autoResolve()).toEqual([inc.id]);
    await drain();
    const [root] = slack.roots();
    defined(root, "root");
    const said = () => slack.replies(root.ts).map((m) => JSON.stringify(m.blocks));
    const resolved = said().filter((m) => m.includes("→ *resolved*"));
    expect(resolved.length).toBe(1);
    expect(resolved[0]).toContain("Was this the cause?");
    expect(resolved[0]).toContain(ACTION.causeGradePrefix);
    expect(said().filter((m) => m.includes("Was this the cause?")).length).toBe(1);
    // Reopened and resolved again: the story gets its second resolution, asking in it.
    await incidents.changeStatus(inc.id, "open", "U_ALICE", "not over");
    await incidents.changeStatus(inc.id, "resolved", "U_ALICE", "fixed");
    await drain();
    expect(said().filter((m) => m.includes("Was this the cause?")).length).toBe(2);
    expect(said().filter((m) => m.includes("Was this the cause?") && !m.includes("→ *resolved*"))).toEqual([]);
    // Resolved before aisre named any cause: nothing to grade, the note alone.
    await incidents.ingest({ alerts: [alert("HighLatencyP99", "reporting")], changes: [] });
    const other = (await store.incidents.listOpen()).find((i) => i.services.includes("reporting"));
    defined(other, "the reporting incident");
    await incidents.changeStatus(other.id, "resolved", "U_ALICE", "fixed");
    await drain();
    const otherRoot = slack.roots().find((r) => JSON.stringify(r.blocks).includes(other.id));
    defined(otherRoot, "its root");
    const notes = slack.replies(otherRoot.ts).map((m) => JSON.stringify(m.blocks));
    expect(notes.filter((m) => m.includes("→ *resolved*")).length).toBe(1);
    expect(notes.filter((m) => m.includes("Was this the cause?"))).toEqual([]);
    feedback.stop();
  });

  it("severity follows the firing alerts down once the more severe ones have been quiet for the quiet period; a person's severity stays", async () => {
    const falls: Array<{ from: string; to: string; by: string }> = [];
    incidents.events.on("severity", (i, by, from) => falls.push({ from, to: i.severity, by }));
    await incidents.ingest({ alerts: [alert("SLOErrorBudgetBurn", "checkout"), { ...alert("HighLatencyP99", "checkout"), severity: "sev3" }], changes: [] });
    const [inc] = await store.incidents.listOpen();
    defined(inc, "inc");
    expect(inc.severity).toBe("sev2");
    await incidents.ingest({ alerts: [{ ...alert("SLOErrorBudgetBurn", "checkout", "resolved"), endsAt: new Date(clock).toISOString() }], changes: [] });
    clock += 60_000;
    await incidents.autoResolve();
    expect((await store.incidents.get(inc.id))?.severity).toBe("sev2");
    clock += 5 * 60_000;
    expect(await incidents.autoResolve()).toEqual([]);
    expect((await store.incidents.get(inc.id))?.severity).toBe("sev3");
    expect(falls).toEqual([{ from: "sev2", to: "sev3", by: "aisre" }]);
    const [entry] = (await store.timeline.list(inc.id, ["status"])).filter((e) => e.data.to === "sev3");
    expect(entry?.text).toBe("Severity sev2 → sev3: SLOErrorBudgetBurn on checkout resolved");
    // Said once: later passes change nothing.
    clock += 60_000;
    await incidents.autoResolve();
    expect(falls).toHaveLength(1);
    // The SEV2 alert back: the incident rises again (the page, if any, is the sync's business).
    await incidents.ingest({ alerts: [alert("SLOErrorBudgetBurn", "checkout", "firing", new Date(clock).toISOString())], changes: [] });
    expect((await store.incidents.get(inc.id))?.severity).toBe("sev2");
    // A person sets SEV1: theirs, never lowered by aisre.
    await incidents.setSeverity(inc.id, "sev1", "U_CAROL");
    await incidents.ingest({ alerts: [{ ...alert("SLOErrorBudgetBurn", "checkout", "resolved"), endsAt: new Date(clock).toISOString() }], changes: [] });
    clock += 30 * 60_000;
    await incidents.autoResolve();
    expect((await store.incidents.get(inc.id))?.severity).toBe("sev1");
  });

  it("a resolved card shows the severity the incident paged at, though it fell as its alerts resolved (live severity follows the alerts)", async () => {
    await incidents.ingest({ alerts: [alert("SLOErrorBudgetBurn", "checkout"), { ...alert("HighLatencyP99", "checkout"), severity: "sev3" }], changes: [] });
    const [inc] = await store.incidents.listOpen();
    defined(inc, "inc");
    await incidents.ingest({ alerts: [{ ...alert("SLOErrorBudgetBurn", "checkout", "resolved"), endsAt: new Date(clock).toISOString() }], changes: [] });
    clock += 6 * 60_000;
    await incidents.autoResolve();
    // While it goes on, the card says what still fires.
    expect((await store.incidents.get(inc.id))?.severity).toBe("sev3");
    const now = await store.incidents.get(inc.id);
    defined(now, "now");
    const live = blockKitIncidentPresenter.rootCard(await incidents.cardView(store, now));
    expect(JSON.stringify(live.blocks)).toContain("*Severity*\\nSEV3");
    // The SEV3 alert resolves a minute later, and the incident with it.
    await incidents.ingest({ alerts: [{ ...alert("HighLatencyP99", "checkout", "resolved"), severity: "sev3", endsAt: new Date(clock).toISOString() }], changes: [] });
    clock += 6 * 60_000;
    expect(await incidents.autoResolve()).toEqual([inc.id]);
    const done = await store.incidents.get(inc.id);
    defined(done, "done");
    expect(done.severity).toBe("sev3");
    const card = blockKitIncidentPresenter.rootCard(await incidents.cardView(store, done));
    const text = JSON.stringify(card.blocks);
    expect(text).toContain(":white_check_mark: SEV2 · ");
    expect(text).toContain("*Severity*\\nSEV2 at peak (SEV3 at the end)");
    expect(card.text.startsWith("SEV2 resolved")).toBe(true);
  });

  it.each([
    ["verified", "the fix was verified"],
    ["skipped", "the symptoms were seen healthy again"],
  ])("after a recovery remediation saw (%s), a lagging anomaly and a flapping alert no longer keep the incident open", async (event, said) => {
    const flap = alert("RedisEvictionsHigh", "payments");
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments"), { ...alert("error-ratio anomaly", "checkout"), source: "anomaly", severity: "sev3" }, flap], changes: [] });
    const [inc] = await store.incidents.listOpen();
    defined(inc, "inc");
    // The cache alert flaps (more than two flips in the flap window).
    for (let i = 0; i < 3; i++) {
      clock += 60_000;
      await incidents.ingest({ alerts: [{ ...flap, status: "resolved", endsAt: new Date(clock).toISOString() }], changes: [] });
      clock += 60_000;
      await incidents.ingest({ alerts: [{ ...flap, startsAt: new Date(clock).toISOString() }], changes: [] });
    }
    await incidents.ingest({ alerts: [{ ...alert("HighErrorRate", "payments", "resolved"), endsAt: new Date(clock).toISOString() }], changes: [] });
    clock += 10 * 60_000;
    // No fix yet: the anomaly and the flapping alert hold it open.
    expect(await incidents.autoResolve()).toEqual([]);
    // Remediation verified its fix (at the system's time, like the incident service's).
    await createStore(
      db,
      clockOf(() => clock),
    ).timeline.append({ incidentId: inc.id, kind: "action", actor: "aisre", text: "recovered", data: { actionId: "act_1", type: "rollout_restart", event, target: { service: "payments" } } });
    clock += 2 * 60_000;
    expect(await incidents.autoResolve()).toEqual([]);
    clock += 4 * 60_000;
    expect(await incidents.autoResolve()).toEqual([inc.id]);
    const [resolved] = (await store.timeline.list(inc.id, ["status"])).filter((e) => e.data.to === "resolved");
    expect(resolved?.data.why).toBe(`${said} and its alerts have been quiet for 5 min; the anomaly on checkout and the flapping RedisEvictionsHigh no longer hold it open`);
    // The flapping alert firing again does not reopen it.
    clock += 60_000;
    await incidents.ingest({ alerts: [{ ...flap, status: "resolved", endsAt: new Date(clock).toISOString() }], changes: [] });
    clock += 60_000;
    await incidents.ingest({ alerts: [{ ...flap, startsAt: new Date(clock).toISOString() }], changes: [] });
    expect((await store.incidents.get(inc.id))?.status).toBe("resolved");
  });

  it("tags the root card and thread posts with incident metadata (opened, updated, resolved), one object with the outbox id", async () => {
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments")], changes: [] });
    const [inc] = await store.incidents.listOpen();
    defined(inc, "inc");
    await drain();
    await incidents.ingest({ alerts: [alert("HighLatency", "payments")], changes: [] });
    await drain();
    const posts = () => slack.calls.filter((c) => c.method === "chat.postMessage" || c.method === "chat.update").map((c) => ({ method: c.method, thread: !!c.payload.thread_ts, metadata: c.payload.metadata as { event_type: string; event_payload: Record<string, unknown> } }));
    const [root, ...rest] = posts();
    defined(root, "root");
    expect(root).toMatchObject({ method: "chat.postMessage", thread: false, metadata: { event_type: "aisre_incident_opened", event_payload: { incident_id: inc.id, severity: inc.severity, services: ["payments"], status: "open" } } });
    expect(root.metadata.event_payload.outbox_id).toMatch(/^\d+$/);
    expect(rest.length).toBeGreaterThan(0);
    for (const p of rest) expect(p.metadata).toMatchObject({ event_type: "aisre_incident_updated", event_payload: { incident_id: inc.id } });
    const before = slack.calls.length;
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments", "resolved"), alert("HighLatency", "payments", "resolved")], changes: [] });
    clock += 11 * 60_000;
    expect(await incidents.autoResolve()).toEqual([inc.id]);
    await drain();
    const edits = slack.calls.slice(before).filter((c) => c.method === "chat.update");
    for (const e of edits) expect(e.payload.metadata).toMatchObject({ event_payload: { incident_id: inc.id } });
    const cardEdit = edits.filter((c) => c.payload.ts === itemAt(slack.roots(), 0).ts).at(-1)!;
    expect(cardEdit.payload.metadata).toMatchObject({ event_type: "aisre_incident_resolved", event_payload: { incident_id: inc.id, status: "resolved" } });
  });

  it("attaches a deploy of a dependency to the open incident and says why", async () => {
    await incidents.ingest({ alerts: [alert("HighErrorRate", "checkout")], changes: [] });
    const r = await incidents.ingest({ alerts: [], changes: [{ id: "d1", source: "github", kind: "deploy", service: "payments", version: "v2.3", at: "2026-11-23T10:01:00Z" }] });
    expect(r.changesAttached).toBe(1);
    const [inc] = await store.incidents.listOpen();
    defined(inc, "inc");
    const changes = await store.timeline.list(inc.id, ["change"]);
    expect(itemAt(changes, 0).text).toContain("checkout depends on payments");
  });

  it("keeps posts queued through a 429 and sends them after Retry-After", async () => {
    slack.failures.push({ code: "ratelimited", retryAfterMs: 50, transient: true });
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments")], changes: [] });
    await outbox.sendDue(); // conversations.list is rate limited
    expect(slack.roots().length).toBe(0);
    await new Promise((r) => setTimeout(r, 80));
    await drain();
    expect(slack.roots().length).toBe(1);
  });

  it("sends what was queued before a restart", async () => {
    await incidents.ingest({ alerts: [alert("HighErrorRate", "payments")], changes: [] });
    expect(await store.outbox.pendingCount()).toBeGreaterThan(0);
    const after = new OutboxSender({ store: createStore(db), slack, logger: silentLogger, minIntervalMs: 0 });
    for (let i = 0; i < 10; i++) await after.sendDue();
    expect(slack.roots().length).toBe(1);
  });
});
