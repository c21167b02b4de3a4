import { describe, expect, it } from "vitest";
import { migrate, migrationsCurrent } from "../../src/store/migrate.ts";
import { LOCKS, withLock } from "../../src/store/locks.ts";
import { PostmortemRepo } from "../../src/store/repos/postmortems.ts";
import { storePerBlock, testDatabases } from "../support/databases.ts";
import { defined } from "../support/defined.ts";
import { observedDb } from "../support/observed-db.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const alert = (fingerprint: string, status: "firing" | "resolved" = "firing") => ({
  fingerprint,
  source: "alertmanager",
  name: "HighErrorRate",
  status,
  severity: "sev2" as const,
  service: "checkout",
  summary: "5xx above 5%",
  labels: { alertname: "HighErrorRate", service: "checkout" },
  startsAt: "2026-11-23T10:00:00.000Z",
});

describe.each(testDatabases())("store contract on $name", ({ open }) => {
  const { db, store } = storePerBlock(open);

  it("applies migrations once and reports them current", async () => {
    expect(await migrationsCurrent(db)).toBe(true);
    expect(await migrate(db)).toEqual([]);
  });

  it("on a current schema, migrating reads the applied versions once and takes no lock (a restart's start-up)", async () => {
    const statements: string[] = [];
    expect(await migrate(observedDb(db, (sql) => statements.push(sql)))).toEqual([]);
    expect(statements).toEqual(["SELECT version FROM schema_migrations"]);
  });

  it("creates, updates and lists incidents", async () => {
    const inc = await store.incidents.create({ id: "INC-1", title: "checkout errors", severity: "sev2", origin: "alert", services: ["checkout"] });
    expect(inc.status).toBe("open");
    expect((await store.incidents.listOpen()).map((i) => i.id)).toContain("INC-1");
    const resolved = await store.incidents.update("INC-1", { status: "resolved", services: ["checkout", "payments"] });
    expect(resolved?.resolvedAt).toBeDefined();
    expect(resolved?.services).toEqual(["checkout", "payments"]);
    expect((await store.incidents.listOpen()).map((i) => i.id)).not.toContain("INC-1");
    const reopened = await store.incidents.update("INC-1", { status: "open" });
    expect(reopened?.resolvedAt).toBeUndefined();
  });

  it("touches many incidents in one statement: their services and severity as given", async () => {
    await store.incidents.create({ id: "INC-T1", title: "t", severity: "sev3", origin: "alert", services: ["a"] });
    await store.incidents.create({ id: "INC-T2", title: "t", severity: "sev3", origin: "alert", services: [] });
    const touched = await store.incidents.touchMany([
      { id: "INC-T1", services: ["a", "b"], severity: "sev2" },
      { id: "INC-T2", services: ["c"], severity: "sev3" },
      { id: "INC-NONE", services: [], severity: "sev1" },
    ]);
    expect([...touched.keys()].sort()).toEqual(["INC-T1", "INC-T2"]);
    expect(touched.get("INC-T1")).toMatchObject({ services: ["a", "b"], severity: "sev2", status: "open" });
    expect(await store.incidents.get("INC-T2")).toMatchObject({ services: ["c"], severity: "sev3" });
    expect(await store.incidents.touchMany([])).toEqual(new Map());
  });

  it("upserts alerts by fingerprint and counts flaps", async () => {
    await store.incidents.create({ id: "INC-2", title: "t", severity: "sev3", origin: "alert", services: [] });
    await store.alerts.upsert(alert("fp1"), "INC-2", "first alert");
    await store.alerts.upsert(alert("fp1", "resolved"), undefined, undefined);
    const again = await store.alerts.upsert(alert("fp1"), undefined, undefined);
    expect(again.flaps).toBe(2);
    expect(again.incidentId).toBe("INC-2");
    expect(again.joinReason).toBe("first alert");
    expect(await store.alerts.countByIncident("INC-2")).toEqual({ total: 1, firing: 1 });
  });

  it("moves an incident's alerts to another (a merge: all of them; a split: those of some services), and keeps the card's merged-into mark", async () => {
    await store.incidents.create({ id: "INC-M1", title: "t", severity: "sev3", origin: "alert", services: ["cache", "cart"] });
    await store.incidents.create({ id: "INC-M2", title: "t", severity: "sev3", origin: "alert", services: [] });
    await store.alerts.upsert({ ...alert("fp-m1"), service: "cache" }, "INC-M1", "first alert");
    await store.alerts.upsert({ ...alert("fp-m2"), service: "cart" }, "INC-M1", "same service");
    expect(await store.alerts.moveToIncident("INC-M1", "INC-M2", ["cart"])).toBe(1);
    expect((await store.alerts.byIncident("INC-M2")).map((a) => a.fingerprint)).toEqual(["fp-m2"]);
    expect(await store.alerts.moveToIncident("INC-M1", "INC-M2")).toBe(1);
    expect(await store.alerts.byIncident("INC-M1")).toEqual([]);
    expect((await store.alerts.get("fp-m1"))?.joinReason).toBe("first alert");
    await store.incidents.mergeCard("INC-M1", { mergedInto: "INC-M2" });
    expect((await store.incidents.card("INC-M1")).mergedInto).toBe("INC-M2");
  });

  it("finds the incidents an alert holds as they are: one firing that is no anomaly nor flapping, and one as severe as the incident", async () => {
    await store.incidents.create({ id: "INC-H1", title: "t", severity: "sev2", origin: "alert", services: [] });
    await store.incidents.create({ id: "INC-H2", title: "t", severity: "sev2", origin: "alert", services: [] });
    await store.alerts.upsertMany([
      { alert: alert("fh1"), incidentId: "INC-H1" },
      { alert: { ...alert("fh2"), severity: "sev3" }, incidentId: "INC-H2" },
    ]);
    const incidents = [
      { id: "INC-H1", severity: "sev2" as const },
      { id: "INC-H2", severity: "sev2" as const },
    ];
    // INC-H2's only firing alert is less severe than the incident: its severity may fall.
    expect(await store.alerts.heldAsTheyAre(incidents, [])).toEqual(new Set(["INC-H1"]));
    expect(await store.alerts.heldAsTheyAre([{ id: "INC-H2", severity: "sev3" }], [])).toEqual(new Set(["INC-H2"]));
    // A flapping alert, an anomaly or a resolved one does not hold an incident open.
    expect(await store.alerts.heldAsTheyAre(incidents, ["fh1"])).toEqual(new Set());
    await store.alerts.upsertMany([{ alert: { ...alert("fh3"), source: "anomaly" }, incidentId: "INC-H1" }]);
    expect(await store.alerts.heldAsTheyAre(incidents, ["fh1"])).toEqual(new Set());
    await store.alerts.upsertMany([{ alert: alert("fh4"), incidentId: "INC-H1" }]);
    expect(await store.alerts.heldAsTheyAre(incidents, ["fh1"])).toEqual(new Set(["INC-H1"]));
    await store.alerts.upsertMany([{ alert: alert("fh4", "resolved") }]);
    expect(await store.alerts.heldAsTheyAre(incidents, ["fh1"])).toEqual(new Set());
    expect(await store.alerts.heldAsTheyAre([], [])).toEqual(new Set());
  });

  it("keeps the timeline in order with its data", async () => {
    await store.timeline.append({ incidentId: "INC-2", kind: "alert", actor: "alertmanager", text: "fired", data: { n: 1 } });
    await store.timeline.append({ incidentId: "INC-2", kind: "message", actor: "U_ALICE", text: "looking" });
    const list = await store.timeline.list("INC-2");
    expect(list.map((e) => e.text)).toEqual(["fired", "looking"]);
    expect(itemAt(list, 0).data).toEqual({ n: 1 });
    expect((await store.timeline.list("INC-2", ["message"])).length).toBe(1);
  });

  it("keeps one root message per incident and finds the incident of a thread", async () => {
    expect(await store.slackMessages.put({ incidentId: "INC-2", purpose: "root", channel: "C1", ts: "100.1" })).toBe(true);
    expect(await store.slackMessages.put({ incidentId: "INC-2", purpose: "root", channel: "C1", ts: "100.2" })).toBe(false);
    expect((await store.slackMessages.get("INC-2", "root"))?.ts).toBe("100.1");
    expect(await store.slackMessages.incidentForThread("C1", "100.1")).toBe("INC-2");
    expect(await store.slackMessages.incidentForThread("C1", "999.9")).toBeUndefined();
  });

  it("records a webhook delivery once and lists unprocessed ones", async () => {
    expect(await store.deliveries.record("pagerduty", "d1", { a: 1 })).toBe(true);
    expect(await store.deliveries.record("pagerduty", "d1", { a: 1 })).toBe(false);
    expect((await store.deliveries.pending()).map((d) => d.deliveryId)).toContain("d1");
    await store.deliveries.markProcessed("pagerduty", "d1");
    expect((await store.deliveries.pending()).map((d) => d.deliveryId)).not.toContain("d1");
  });

  it("renews only the leases its owner holds on unfinished deliveries", async () => {
    const run = `rn${Date.now()}`;
    await store.deliveries.record("generic", `${run}-a`, {}, { owner: "replica-a", ms: 1 });
    await store.deliveries.record("generic", `${run}-b`, {}, { owner: "replica-b", ms: 1 });
    await store.deliveries.record("generic", `${run}-done`, {}, { owner: "replica-a", ms: 1 });
    await store.deliveries.markProcessed("generic", `${run}-done`);
    expect(await store.deliveries.renewLeases("replica-a", [`generic\n${run}-a`, `generic\n${run}-b`, `generic\n${run}-done`], 60_000)).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    // The renewed one is still held; the other's lease ran out, so another replica claims it.
    const claimed = (await store.deliveries.claim("replica-c", 10_000, 60_000)).map((d) => d.deliveryId).filter((id) => id.startsWith(run));
    expect(claimed).toEqual([`${run}-b`]);
  });

  it("claims a group commit's deliveries in the order they were acknowledged, not by their ids", async () => {
    const run = `ar${Date.now()}`;
    // One statement: one received_at for all. Ids that sort the other way round (a delivery id is often a hash).
    const ids = ["z", "m", "a"].map((x) => `${run}-${x}`);
    await store.deliveries.recordMany(
      ids.map((deliveryId) => ({ source: "generic", deliveryId, body: {} })),
      { owner: "replica-a", ms: 1 },
    );
    expect((await store.deliveries.pending(10_000)).map((d) => d.deliveryId).filter((id) => id.startsWith(run))).toEqual(ids);
    await new Promise((r) => setTimeout(r, 20));
    const claimed = (await store.deliveries.claim("replica-c", 10_000, 60_000)).map((d) => d.deliveryId).filter((id) => id.startsWith(run));
    expect(claimed).toEqual(ids);
  });

  it("stores a group with redeliveries in it: only the new ones, and the groups after it too; a body comes back as it went in", async () => {
    const run = `gr${Date.now()}`;
    const row = (id: string) => ({ source: "generic", deliveryId: `${run}-${id}`, body: { headers: { "x-id": id }, body: `{"id":"${id}","q":"\\"quoted\\""}`, receivedAt: "2026-12-07T10:00:00.000Z" } });
    const keys = (ids: string[]) => new Set(ids.map((id) => `generic\n${run}-${id}`));
    expect(await store.deliveries.recordMany([row("a"), row("b")])).toEqual(keys(["a", "b"]));
    // A redelivery and a delivery given twice in one group: the plain insert is refused, the group stored with ON CONFLICT.
    expect(await store.deliveries.recordMany([row("b"), row("c"), row("c")])).toEqual(keys(["c"]));
    expect(await store.deliveries.recordMany([row("d")])).toEqual(keys(["d"]));
    expect(await store.deliveries.recordMany([row("d"), row("e")], { owner: "replica-a", ms: 60_000 })).toEqual(keys(["e"]));
    expect(await store.deliveries.recordMany([row("f")])).toEqual(keys(["f"]));
    const stored = (await store.deliveries.pending(10_000)).filter((d) => d.deliveryId.startsWith(run));
    expect(stored.map((d) => d.deliveryId)).toEqual(["a", "b", "c", "d", "e", "f"].map((id) => `${run}-${id}`));
    expect(stored[2]!.body).toEqual(row("c").body);
  });

  it("queues Slack calls in order per channel, with dedupe and retry", async () => {
    const a = await store.outbox.enqueue({ channel: "C9", method: "chat.postMessage", payload: { text: "a" }, dedupeKey: "k-a" });
    expect(await store.outbox.enqueue({ channel: "C9", method: "chat.postMessage", payload: { text: "a" }, dedupeKey: "k-a" })).toBeUndefined();
    await store.outbox.enqueue({ channel: "C9", method: "chat.postMessage", payload: { text: "b" } });
    let due = await store.outbox.due();
    expect(due.filter((d) => d.channel === "C9").map((d) => d.payload.text)).toEqual(["a"]);
    await store.outbox.retryLater(a!, 60_000, "ratelimited");
    expect((await store.outbox.due()).filter((d) => d.channel === "C9")).toEqual([]);
    await store.outbox.markSent(a!, { ok: true });
    due = await store.outbox.due();
    expect(due.filter((d) => d.channel === "C9").map((d) => d.payload.text)).toEqual(["b"]);
  });

  it("keeps a channel's top-level posts, card edits, other edits and thread replies in lanes of their own: a root message never waits behind replies and edits, a waiting edit holds no post", async () => {
    const lane = async () => (await store.outbox.due(500)).filter((d) => d.channel === "CLN").map((d) => d.payload.text);
    await store.outbox.enqueue({ channel: "CLN", method: "chat.postMessage", payload: { text: "reply 1", thread_ts: "1.1" } });
    const edit = await store.outbox.enqueue({ channel: "CLN", method: "chat.update", payload: { text: "edit", ts: "1.1" } });
    const root = await store.outbox.enqueue({ channel: "CLN", method: "chat.postMessage", payload: { text: "root A" } });
    await store.outbox.enqueue({ channel: "CLN", method: "chat.postMessage", payload: { text: "root B" } });
    await store.outbox.enqueue({ channel: "CLN", method: "chat.update", payload: { text: "edit 2", ts: "1.1" } });
    // The oldest of each lane: the first reply, the first edit, and the first root (root B waits for root A).
    expect(await lane()).toEqual(["reply 1", "edit", "root A"]);
    await store.outbox.markSent(root!, { ok: true });
    expect(await lane()).toEqual(["reply 1", "edit", "root B"]);
    // The first edit waits (the workspace's edit budget, or Slack's 429 on it): the second waits behind it, the posts go on.
    await store.outbox.retryLater(edit!, 60_000, "ratelimited");
    expect(await lane()).toEqual(["reply 1", "root B"]);
    // An incident's root card edit has a lane of its own (the sender gives it the budget first).
    await store.outbox.enqueue({ channel: "CLN", method: "chat.update", payload: { text: "card", ts: "$root:INC-1" } });
    expect(await lane()).toEqual(["reply 1", "root B", "card"]);
  });

  it("hands over a channel's top-level posts by their incident's severity, then in order: a SEV2 root message never waits behind SEV3 ones queued before it", async () => {
    const root = (text: string, severity?: string) => store.outbox.enqueue({ channel: "CPR", method: "chat.postMessage", payload: { text, ...(severity ? { metadata: { event_type: "aisre_incident_opened", event_payload: { incident_id: text, severity, status: "open", services: [] } } } : {}) } });
    for (const [text, severity] of [["sev3 a", "sev3"], ["plain"], ["sev3 b", "sev3"], ["sev2 a", "sev2"], ["sev4", "sev4"], ["sev1", "sev1"], ["sev2 b", "sev2"]] as const) await root(text, severity);
    await store.outbox.enqueue({ channel: "CPR", method: "chat.postMessage", payload: { text: "reply", thread_ts: "1.1" } });
    const order: unknown[] = [];
    for (let i = 0; i < 7; i++) {
      const due = (await store.outbox.due(500)).filter((d) => d.channel === "CPR");
      // The replies' lane is its own, in order.
      expect(due.filter((d) => d.payload.thread_ts).map((d) => d.payload.text)).toEqual(["reply"]);
      const head = due.find((d) => !d.payload.thread_ts);
      defined(head, "the top-level lane's head");
      order.push(head.payload.text);
      await store.outbox.markSent(head.id, { ok: true });
    }
    expect(order).toEqual(["sev1", "sev2 a", "sev2 b", "sev3 a", "sev3 b", "sev4", "plain"]);
  });

  it("coalesces edits by key until one is being made; never replaces a post already tried", async () => {
    const mine = async () => (await store.outbox.due(500)).filter((d) => d.channel === "CCO");
    expect(await store.outbox.enqueueOrReplace({ channel: "CCO", method: "chat.update", payload: { text: "card 1" }, dedupeKey: "card:CO" })).toBe(true);
    expect(await store.outbox.enqueueOrReplace({ channel: "CCO", method: "chat.update", payload: { text: "card 2" }, dedupeKey: "card:CO" })).toBe(true);
    const [edit] = await mine();
    defined(edit, "the coalesced edit");
    expect(edit.payload).toEqual({ text: "card 2" });
    // Being made: its key is freed, so the next change is an edit of its own, after it.
    expect(await store.outbox.releaseKey(edit.id)).toEqual({ text: "card 2" });
    expect(await store.outbox.enqueueOrReplace({ channel: "CCO", method: "chat.update", payload: { text: "card 3" }, dedupeKey: "card:CO" })).toBe(true);
    await store.outbox.markSent(edit.id, { ok: true });
    expect((await mine()).map((d) => d.payload)).toEqual([{ text: "card 3" }]);
    await store.outbox.markSent(itemAt(await mine(), 0).id, { ok: true });
    expect(await store.outbox.releaseKey(edit.id)).toBeUndefined();
    // A post not yet tried takes the newer content; one tried (its answer perhaps lost) keeps its own.
    expect(await store.outbox.enqueueOrReplace({ channel: "CCO", method: "chat.postMessage", payload: { text: "digest 1" }, dedupeKey: "digest-post:CO" })).toBe(true);
    expect(await store.outbox.enqueueOrReplace({ channel: "CCO", method: "chat.postMessage", payload: { text: "digest 2" }, dedupeKey: "digest-post:CO" })).toBe(true);
    const [post] = await mine();
    defined(post, "the post");
    await store.outbox.markInFlight(post.id);
    expect(await store.outbox.enqueueOrReplace({ channel: "CCO", method: "chat.postMessage", payload: { text: "digest 3" }, dedupeKey: "digest-post:CO" })).toBe(false);
    expect((await mine()).map((d) => d.payload)).toEqual([{ text: "digest 2" }]);
    await store.outbox.markSent(post.id, { ok: true });
  });

  it("cancels a post never tried (an action card withdrawn before it went out), never one tried, and the sender then finds it gone", async () => {
    const mine = async () => (await store.outbox.due(500)).filter((d) => d.channel === "CCX");
    const a = await store.outbox.enqueue({ channel: "CCX", method: "chat.postMessage", payload: { text: "card a", thread_ts: "1.1" }, dedupeKey: "action-post:a" });
    expect(await store.outbox.cancelUntried("action-post:a", "incident resolved")).toBe(true);
    expect(await store.outbox.cancelUntried("action-post:a", "incident resolved")).toBe(false);
    expect(await mine()).toEqual([]);
    // The sender read it before the cancel: marking it in flight finds it no longer waiting.
    expect(await store.outbox.markInFlight(a!)).toBe(false);
    // Its key is free again.
    expect(await store.outbox.enqueue({ channel: "CCX", method: "chat.postMessage", payload: { text: "card a again", thread_ts: "1.1" }, dedupeKey: "action-post:a" })).toBeDefined();
    const [again] = await mine();
    defined(again, "the post queued again");
    // One being posted (or whose answer was lost) may be in the channel: it stays.
    expect(await store.outbox.markInFlight(again.id)).toBe(true);
    expect(await store.outbox.cancelUntried("action-post:a", "incident resolved")).toBe(false);
    expect((await mine()).map((d) => d.payload.text)).toEqual(["card a again"]);
    await store.outbox.markSent(again.id, { ok: true });
    // An edit is never cancelled this way.
    await store.outbox.enqueue({ channel: "CCX", method: "chat.update", payload: { text: "edit", ts: "1.2" }, dedupeKey: "action-edit:b" });
    expect(await store.outbox.cancelUntried("action-edit:b", "x")).toBe(false);
    await store.outbox.markSent(itemAt(await mine(), 0).id, { ok: true });
  });

  it("reports the outbox backlog: unsent calls and the age of the oldest (the lag)", async () => {
    const before = await store.outbox.backlog();
    const x = await store.outbox.enqueue({ channel: "CLAG", method: "chat.postMessage", payload: { text: "x" } });
    const y = await store.outbox.enqueue({ channel: "CLAG", method: "chat.postMessage", payload: { text: "y" } });
    await store.db.query("UPDATE outbox SET created_at = now() - interval '90 seconds' WHERE id = $1", [x]);
    const during = await store.outbox.backlog();
    expect(during.pending).toBe(before.pending + 2);
    expect(during.oldestSeconds).toBeGreaterThanOrEqual(90);
    await store.outbox.markSent(x!, { ok: true });
    await store.outbox.markSent(y!, { ok: true });
    expect((await store.outbox.backlog()).pending).toBe(before.pending);
  });

  it("moves actions by compare-and-set and records each approver once", async () => {
    await store.actions.create({ id: "A1", incidentId: "INC-2", type: "rollback", target: { deployment: "inventory" }, params: {}, state: "pending", risk: "caution", requiredApprovals: 2, proposedBy: "aisre", reason: "bad deploy" });
    expect(await store.actions.addApproval("A1", "U_ALICE")).toBe(true);
    expect(await store.actions.addApproval("A1", "U_ALICE")).toBe(false);
    const results = await Promise.all([store.actions.transition("A1", ["pending"], "running"), store.actions.transition("A1", ["pending"], "running")]);
    expect(results.filter(Boolean).length).toBe(1);
    const a = await store.actions.get("A1");
    expect(a?.state).toBe("running");
    expect(a?.approvers).toEqual(["U_ALICE"]);
    expect(await store.actions.countExecutedSince("2000-01-01T00:00:00Z")).toBe(1);
  });

  it("chains audit entries and detects tampering", async () => {
    await store.audit.append({ actor: "U_ALICE", action: "approve", incidentId: "INC-2", target: "A1", detail: { b: 2, a: [1, "x"] } });
    await store.audit.append({ actor: "aisre", action: "execute", incidentId: "INC-2", target: "A1" });
    expect(await store.audit.verify()).toEqual({ ok: true, entries: 2 });
    await db.query("UPDATE audit_log SET actor = 'U_MALLORY' WHERE seq = 1");
    const check = await store.audit.verify();
    expect(check.ok).toBe(false);
    expect(check.brokenAt).toBe(1);
  });

  it("links external records and merges synced fields", async () => {
    expect(await store.links.create({ incidentId: "INC-2", system: "jira", externalId: "OPS-1", synced: { status: "To Do" } })).toBe(true);
    expect(await store.links.create({ incidentId: "INC-2", system: "jira", externalId: "OPS-2", synced: {} })).toBe(false);
    await store.links.mergeSynced("INC-2", "jira", { assignee: "bob" });
    expect((await store.links.byExternalId("jira", "OPS-1"))?.synced).toEqual({ status: "To Do", assignee: "bob" });
  });

  it("ranks knowledge entries by full text and re-indexes only on change", async () => {
    expect(await store.knowledge.upsert({ id: "rb/oom", kind: "runbook", title: "Pod OOMKilled", body: "memory limit exceeded; restart or raise limits", meta: {} })).toBe(true);
    expect(await store.knowledge.upsert({ id: "rb/oom", kind: "runbook", title: "Pod OOMKilled", body: "memory limit exceeded; restart or raise limits", meta: {} })).toBe(false);
    await store.knowledge.upsert({ id: "rb/disk", kind: "runbook", title: "Disk full", body: "volume usage at 100 percent", meta: {} });
    const hits = await store.knowledge.search("pods killed for memory");
    expect(hits[0]?.id).toBe("rb/oom");
    expect(hits.some((h) => h.id === "rb/disk")).toBe(false);
  });

  it("stores settings and feedback", async () => {
    await store.settings.set("automation.enabled", false, "U_CAROL");
    expect((await store.settings.get<boolean>("automation.enabled"))?.value).toBe(false);
    await store.feedback.add({ incidentId: "INC-2", subject: "hypothesis:1", userId: "U_ALICE", verdict: "helpful" });
    expect((await store.feedback.byIncident("INC-2")).length).toBe(1);
  });

  it("records the discovered topology with provenance and freshness, and ages out what is not seen again", async () => {
    const t0 = new Date("2026-12-01T10:00:00.000Z");
    const t1 = new Date("2026-12-01T11:00:00.000Z");
    await store.topology.record({ source: "kubernetes", services: [{ name: "checkout", attributes: { namespace: "shop" } }, { name: "payments" }], edges: [{ from: "checkout", to: "payments", evidence: "env PAYMENTS_URL" }] }, t0);
    await store.topology.record(
      {
        source: "istio",
        services: [{ name: "checkout" }],
        edges: [
          { from: "checkout", to: "payments" },
          { from: "checkout", to: "legacy" },
        ],
      },
      t0,
    );
    await store.topology.record({ source: "kubernetes", services: [{ name: "checkout", attributes: { namespace: "shop" } }], edges: [{ from: "checkout", to: "payments" }] }, t1);
    const edges = await store.topology.edges();
    const k8s = edges.find((e) => e.from === "checkout" && e.to === "payments" && e.source === "kubernetes")!;
    expect(k8s).toMatchObject({ firstSeen: t0.toISOString(), lastSeen: t1.toISOString(), evidence: "env PAYMENTS_URL" });
    expect(
      edges
        .filter((e) => e.from === "checkout" && e.to === "payments")
        .map((e) => e.source)
        .sort(),
    ).toEqual(["istio", "kubernetes"]);
    expect((await store.topology.services()).find((s) => s.name === "checkout" && s.source === "kubernetes")?.attributes).toEqual({ namespace: "shop" });
    // Seen at t0 only: older than the cutoff, so it ages out; the kubernetes edge seen at t1 stays.
    const gone = await store.topology.ageOut(new Date("2026-12-01T10:30:00.000Z"));
    expect(gone.edges).toBe(2);
    expect((await store.topology.edges()).map((e) => `${e.from}>${e.to}:${e.source}`)).toEqual(["checkout>payments:kubernetes"]);
    expect((await store.topology.services()).map((s) => `${s.name}:${s.source}`)).toEqual(["checkout:kubernetes"]);
  });

  it("takes an advisory lock once", async () => {
    const release = await db.tryAdvisoryLock(42);
    expect(release).not.toBeNull();
    await release!();
  });

  it("keeps an action's detail and dedupe key; finds actions by key, state and workload", async () => {
    await store.actions.create({ id: "A2", incidentId: "INC-2", type: "rollout_restart", target: { service: "cart", namespace: "shop" }, params: {}, state: "pending", risk: "safe", requiredApprovals: 1, proposedBy: "aisre", reason: "leak", detail: { title: "Restart", steps: [] }, dedupeKey: "restart:cart" });
    await store.actions.addSteps("A2", [{ at: "2026-11-23T10:00:00.000Z", text: "Started", ok: true }]);
    await store.actions.patchDetail("A2", { summary: "done" });
    expect((await store.actions.get("A2"))?.detail).toEqual({ title: "Restart", steps: [{ at: "2026-11-23T10:00:00.000Z", text: "Started", ok: true }], summary: "done" });
    expect((await store.actions.byKey("INC-2", "restart:cart")).map((a) => a.id)).toEqual(["A2"]);
    expect((await store.actions.inStates(["pending"])).map((a) => a.id)).toContain("A2");
    await store.actions.transition("A2", ["pending"], "running");
    expect((await store.actions.activeOn("cart", "shop", "other")).map((a) => a.id)).toEqual(["A2"]);
    expect(await store.actions.activeOn("cart", "shop", "A2")).toEqual([]);
    expect(await store.actions.countExecutedInLastHour()).toBeGreaterThanOrEqual(2);
  });

  it("stores a postmortem: regenerations bump the version and keep edits; status moves by compare-and-set", async () => {
    const pm = new PostmortemRepo<{ incidentId: string; narrative: string; title: string }, "summary" | "impact">(db);
    const first = await pm.saveGenerated({ incidentId: "INC-2", narrative: "template", title: "v1" }, "aisre");
    expect(first).toMatchObject({ status: "draft", version: 1, generated: { title: "v1" }, edits: {}, followUps: {} });
    await pm.setEdits("INC-2", { summary: "people wrote this" }, "U_ALICE");
    const again = await pm.saveGenerated({ incidentId: "INC-2", narrative: "gpt", title: "v2" }, "aisre");
    expect(again).toMatchObject({ version: 3, narrative: "gpt", edits: { summary: "people wrote this" }, generated: { title: "v2" } });
    const moves = await Promise.all([pm.setStatus("INC-2", ["draft"], "in_review", "U_ALICE"), pm.setStatus("INC-2", ["draft"], "in_review", "U_BOB")]);
    expect(moves.filter(Boolean)).toHaveLength(1);
    expect((await pm.addFollowUps("INC-2", { "Add a canary": { key: "OPS-9" } }))?.followUps).toEqual({ "Add a canary": { key: "OPS-9" } });
    expect(await pm.get("INC-404")).toBeUndefined();
  });

  it("answers the capabilities' queries: alert samples and names, incidents by root channel, timeline cursors and keys, link cursors, embeddings", async () => {
    await store.incidents.create({ id: "INC-Q", title: "q", severity: "sev3", origin: "alert", services: ["cart"] });
    await store.alerts.upsert({ ...alert("fq1"), name: "B", labels: { alertname: "B", pod: "p1" } }, "INC-Q", "first");
    await store.alerts.upsert({ ...alert("fq2"), name: "A", labels: { alertname: "A", pod: "p2" } }, "INC-Q", "joined");
    await store.alerts.upsert({ ...alert("fq2", "resolved"), endsAt: "2026-11-23T10:05:00.000Z" }, undefined, undefined);
    expect((await store.alerts.labelSamples(["INC-Q", "INC-NONE"], 1)).map((r) => r.incidentId)).toEqual(["INC-Q"]);
    expect(await store.alerts.labelSamples(["INC-Q"], 5)).toHaveLength(2);
    expect(await store.alerts.namesByIncident("INC-Q", 10)).toEqual(["A", "B"]);
    await store.alerts.upsert({ ...alert("fq3"), service: "payments", startsAt: "2026-11-23T10:07:00.000Z" }, "INC-Q", "joined");
    await store.alerts.upsert({ ...alert("fq4"), service: "payments", startsAt: "2026-11-23T10:04:00.000Z" }, "INC-Q", "joined");
    const asked = [{ incidentId: "INC-Q", services: ["checkout", "payments", "cart"] }];
    expect((await store.alerts.serviceOnsets(asked)).sort((a, b) => a.service.localeCompare(b.service))).toEqual([
      { incidentId: "INC-Q", service: "checkout", since: "2026-11-23T10:00:00.000Z" },
      { incidentId: "INC-Q", service: "payments", since: "2026-11-23T10:04:00.000Z" },
    ]);
    // Fired again later: the table's start moves, the timeline remembers when the service first alerted.
    await store.timeline.append({ incidentId: "INC-Q", kind: "alert", actor: "alertmanager", text: "fired", at: "2026-11-23T09:58:00.000Z", data: { status: "firing", service: "payments" } });
    expect((await store.alerts.serviceOnsets(asked)).find((r) => r.service === "payments")?.since).toBe("2026-11-23T09:58:00.000Z");
    expect(await store.alerts.serviceOnsets([{ incidentId: "INC-Q", services: ["payments"] }])).toEqual([{ incidentId: "INC-Q", service: "payments", since: "2026-11-23T09:58:00.000Z" }]);
    // Grouping's read of the open incidents: each with its suspected cause, whether it fires, its last recovery.
    const grouping = async () => (await store.incidents.openForGrouping()).find((r) => r.incident.id === "INC-Q");
    expect(await grouping()).toEqual({ incident: await store.incidents.get("INC-Q"), firing: true });
    await store.incidents.mergeCard("INC-Q", { diagnosis: { cause: "payments: pool", service: "payments" } });
    expect((await grouping())?.suspectedCause).toBe("payments");
    await store.timeline.append({ incidentId: "INC-Q", kind: "action", actor: "aisre", text: "restart ran", data: { event: "executed" } });
    expect((await grouping())?.recoveredAt).toBeUndefined();
    const verified = await store.timeline.append({ incidentId: "INC-Q", kind: "action", actor: "aisre", text: "recovered", data: { event: "verified" } });
    expect((await grouping())?.recoveredAt).toBe(verified.at);
    await store.alerts.upsertMany(["fq1", "fq3", "fq4"].map((fp) => ({ alert: alert(fp, "resolved") })));
    expect((await grouping())?.firing).toBe(false);

    await store.slackMessages.put({ incidentId: "INC-Q", purpose: "root", channel: "CQ", ts: "200.1" });
    expect(await store.slackMessages.openIncidentsWithRootIn("CQ")).toEqual(["INC-Q"]);
    await store.incidents.update("INC-Q", { status: "resolved" });
    expect(await store.slackMessages.openIncidentsWithRootIn("CQ")).toEqual([]);
    expect(await store.slackMessages.incidentsWithRootIn("CQ", 5)).toEqual([{ id: "INC-Q", status: "resolved" }]);
    await store.incidents.update("INC-Q", { status: "open" });

    const h1 = await store.timeline.append({ incidentId: "INC-Q", kind: "hypothesis", actor: "aisre", text: "H1" });
    await store.timeline.append({ incidentId: "INC-Q", kind: "message", actor: "U_BOB", text: "hi" });
    const h2 = await store.timeline.append({ incidentId: "INC-Q", kind: "hypothesis", actor: "aisre", text: "H2" });
    expect((await store.timeline.listAfter("INC-Q", h1.id, ["hypothesis"])).map((e) => e.text)).toEqual(["H2"]);
    await store.timeline.append({ incidentId: "INC-Q", kind: "anomaly", actor: "aisre", text: "a1", data: { key: "cart/latency", state: "detected" } });
    await store.timeline.append({ incidentId: "INC-Q", kind: "anomaly", actor: "aisre", text: "a2", data: { key: "cart/latency", state: "worsened" } });
    expect((await store.timeline.latestWithKey("INC-Q", "anomaly", "cart/latency"))?.text).toBe("a2");
    expect((await store.timeline.latestPerKeyInOpenIncidents("anomaly")).filter((e) => e.incidentId === "INC-Q").map((e) => e.text)).toEqual(["a2"]);
    await store.timeline.mergeData(h2.id, { answer: { text: "because" } });
    expect((await store.timeline.list("INC-Q", ["hypothesis"])).at(-1)?.data).toEqual({ answer: { text: "because" } });

    await store.links.create({ incidentId: "INC-Q", system: "jira", externalId: "OPS-Q", synced: { cursor: h1.id } });
    expect((await store.links.withTimelineAfterCursor("jira", ["hypothesis"])).map((l) => l.externalId)).toContain("OPS-Q");
    await store.links.mergeSynced("INC-Q", "jira", { cursor: h2.id });
    expect((await store.links.withTimelineAfterCursor("jira", ["hypothesis"])).map((l) => l.externalId)).not.toContain("OPS-Q");
    await store.links.create({ incidentId: "INC-Q", system: "pagerduty", externalId: "P1", synced: { status: "resolved" } });
    await store.links.repoint("INC-Q", "pagerduty", "P2", "https://pd.example/P2", { status: "triggered" });
    expect(await store.links.get("INC-Q", "pagerduty")).toMatchObject({ externalId: "P2", url: "https://pd.example/P2", synced: { status: "triggered" } });
    expect([...(await store.links.forIncident("INC-Q")).entries()].map(([system, l]) => [system, l.externalId]).sort()).toEqual([
      ["jira", "OPS-Q"],
      ["pagerduty", "P2"],
    ]);
    expect(await store.links.forIncident("INC-NONE")).toEqual(new Map());

    await store.knowledge.upsert({ id: "rb/q", kind: "runbook", title: "Q", body: "q", meta: {} });
    await store.knowledge.setEmbedding("rb/q", [1, 0.5], "m1");
    expect(await store.knowledge.embeddings("m1", ["runbook"])).toEqual([{ id: "rb/q", embedding: [1, 0.5] }]);
    expect(await store.knowledge.embeddings("m2")).toEqual([]);
  });

  it("keeps the latest state of a change once per id and finds changes by service and time", async () => {
    const deploy = { id: "gh-1", source: "github", kind: "deploy" as const, service: "inventory", version: "2.3.0", status: "pending", author: "maria", at: "2026-11-23T09:50:00.000Z" };
    expect(await store.changes.record(deploy)).toBe(true);
    expect(await store.changes.record({ ...deploy, status: "success" })).toBe(false);
    await store.changes.record({ id: "cfg-1", source: "argocd", kind: "config", service: "cart", at: "2026-11-23T09:55:00.000Z" });
    const inventory = await store.changes.since(["inventory", "payments"], "2026-11-23T09:00:00.000Z");
    expect(inventory).toEqual([{ ...deploy, status: "success" }]);
    expect(await store.changes.since(["inventory"], "2026-11-23T09:51:00.000Z")).toEqual([]);
    expect((await store.changes.between(undefined, "2026-11-23T09:00:00.000Z", "2026-11-23T10:00:00.000Z")).map((c) => c.id)).toEqual(["gh-1", "cfg-1"]);
    expect((await store.changes.between(["cart"], "2026-11-23T09:00:00.000Z", "2026-11-23T10:00:00.000Z")).map((c) => c.id)).toEqual(["cfg-1"]);
    expect(await store.changes.between(undefined, "2026-11-23T09:00:00.000Z", "2026-11-23T10:00:00.000Z", 1)).toHaveLength(1);
  });

  it("claims a Slack event id once, whoever asks", async () => {
    expect(await store.slackEvents.claim("Ev-contract-1", "app_mention")).toBe(true);
    expect(await store.slackEvents.claim("Ev-contract-1", "app_mention")).toBe(false);
    expect(await store.slackEvents.claim("Ev-contract-2", "app_mention")).toBe(true);
  });

  it("absorbs one echo per remembered change, until it expires", async () => {
    await store.syncEchoes.remember("jira:OPS-1:status", 60_000);
    await store.syncEchoes.remember("jira:OPS-1:status", 60_000);
    await store.syncEchoes.remember("pd:P1:ack", 0);
    expect(await store.syncEchoes.has("jira:OPS-1:status")).toBe(true);
    expect(await store.syncEchoes.consume("jira:OPS-1:status")).toBe(true);
    expect(await store.syncEchoes.consume("jira:OPS-1:status")).toBe(true);
    expect(await store.syncEchoes.consume("jira:OPS-1:status")).toBe(false);
    expect(await store.syncEchoes.has("pd:P1:ack")).toBe(false);
    expect(await store.syncEchoes.consume("pd:P1:ack")).toBe(false);
  });

  it("hands out incident events in order per incident and consumer, under a lease, to one owner at a time", async () => {
    await store.incidents.create({ id: "INC-EV", title: "events", severity: "sev3", origin: "alert", services: ["orders"] });
    await store.incidentEvents.append([
      { incidentId: "INC-EV", consumer: "jira", kind: "opened", payload: { n: 1 } },
      { incidentId: "INC-EV", consumer: "jira", kind: "status", payload: { n: 2 } },
      { incidentId: "INC-EV", consumer: "pagerduty", kind: "opened", payload: { n: 3 } },
    ]);
    expect(await store.incidentEvents.pendingCount("jira")).toBe(2);
    // Only the oldest unfinished event of each incident and consumer; nothing for a second owner while leased.
    const a = await store.incidentEvents.claim("replica-a", ["jira", "pagerduty"], 10, 60_000);
    expect(a.map((e) => [e.consumer, e.kind, e.payload, e.attempts])).toEqual([
      ["jira", "opened", { n: 1 }, 1],
      ["pagerduty", "opened", { n: 3 }, 1],
    ]);
    expect(await store.incidentEvents.claim("replica-b", ["jira", "pagerduty"], 10, 60_000)).toEqual([]);
    const [jiraOpened, pdOpened] = a;
    defined(jiraOpened, "the jira event");
    defined(pdOpened, "the pagerduty event");
    expect(await store.incidentEvents.hasLater(jiraOpened, ["status"])).toBe(true);
    expect(await store.incidentEvents.renew("replica-a", [jiraOpened.id], 60_000)).toBe(1);
    expect(await store.incidentEvents.renew("replica-b", [jiraOpened.id], 60_000)).toBe(0);
    // Done: the next one of that incident and consumer may go; a retry waits its delay; a parked one keeps its error.
    await store.incidentEvents.done(jiraOpened.id, { key: "OPS-7" });
    expect(await store.incidentEvents.outcome(jiraOpened.id)).toEqual({ state: "done", result: { key: "OPS-7" } });
    await store.incidentEvents.retryLater(pdOpened.id, 60_000, "PagerDuty answered 503");
    const b = await store.incidentEvents.claim("replica-b", ["jira", "pagerduty"], 10, 60_000);
    expect(b.map((e) => [e.consumer, e.kind])).toEqual([["jira", "status"]]);
    await store.incidentEvents.park(pdOpened.id, "PagerDuty answered 400");
    expect(await store.incidentEvents.outcome(pdOpened.id)).toEqual({ state: "parked", error: "PagerDuty answered 400" });
    expect(await store.incidentEvents.parkedCount()).toBe(1);
    expect(await store.incidentEvents.pendingCount()).toBe(1);
  });

  it("coalesces wanted card and digest renders per incident, leased to one owner, kept wanted when changed during the render", async () => {
    expect(await store.renders.claim("replica-a", "card", 10, 60_000)).toEqual([]);
    await store.renders.want([
      { incidentId: "INC-R1", part: "card" },
      { incidentId: "INC-R1", part: "card" },
      { incidentId: "INC-R1", part: "digest" },
    ]);
    await store.renders.want([{ incidentId: "INC-R2", part: "card" }]);
    await store.renders.want([{ incidentId: "INC-R1", part: "card" }]);
    expect(await store.renders.pendingCount("card")).toBe(2);
    expect(await store.renders.pendingCount()).toBe(3);
    // One claim per incident and part, whatever the number of changes (a render already wanted is not
    // written again); nothing for another owner while leased.
    const a = await store.renders.claim("replica-a", "card", 10, 60_000);
    expect(a).toEqual([
      { incidentId: "INC-R1", part: "card", seq: 1 },
      { incidentId: "INC-R2", part: "card", seq: 1 },
    ]);
    expect(await store.renders.claim("replica-b", "card", 10, 60_000)).toEqual([]);
    const [r1, r2] = a;
    defined(r1, "the INC-R1 claim");
    defined(r2, "the INC-R2 claim");
    // A change while INC-R1 renders: rendered up to the claim, still wanted for the change.
    await store.renders.want([{ incidentId: "INC-R1", part: "card" }]);
    expect(await store.renders.done("replica-b", r1)).toBe(false);
    expect(await store.renders.done("replica-a", r1)).toBe(true);
    expect(await store.renders.done("replica-a", r2)).toBe(true);
    expect(await store.renders.pendingCount("card")).toBe(1);
    // Paced: rendered moments ago, so not due under a gap; due without one.
    expect(await store.renders.claim("replica-b", "card", 10, 60_000, 60_000)).toEqual([]);
    const b = await store.renders.claim("replica-b", "card", 10, 60_000);
    expect(b).toEqual([{ incidentId: "INC-R1", part: "card", seq: 2 }]);
    // Given back after a failure: not due until its delay passed.
    await store.renders.release("replica-b", itemAt(b, 0), 60_000);
    expect(await store.renders.claim("replica-a", "card", 10, 60_000)).toEqual([]);
    // A holder that dies: its lease runs out and another owner takes the render.
    const digest = await store.renders.claim("replica-a", "digest", 10, 0);
    expect(digest).toEqual([{ incidentId: "INC-R1", part: "digest", seq: 1 }]);
    await new Promise((r) => setTimeout(r, 20));
    const taken = await store.renders.claim("replica-b", "digest", 10, 60_000);
    expect(taken).toEqual([{ incidentId: "INC-R1", part: "digest", seq: 1 }]);
    expect(await store.renders.done("replica-a", itemAt(digest, 0))).toBe(false);
    expect(await store.renders.done("replica-b", itemAt(taken, 0))).toBe(true);
    expect(await store.renders.pendingCount("digest")).toBe(0);
  });

  it("folds an incident's alerts events into the one still waiting, and brings it forward for an event of another kind", async () => {
    await store.incidents.create({ id: "INC-CO", title: "coalesce", severity: "sev3", origin: "alert", services: ["orders"] });
    const fold = { kinds: ["alerts", "changes"], delayMs: 60_000 };
    const ev = (kind: string, n: number) => ({ incidentId: "INC-CO", consumer: "jira-co", kind, payload: { n } });
    await store.incidentEvents.append([ev("alerts", 1)], fold);
    await store.incidentEvents.append([ev("alerts", 2)], fold);
    await store.incidentEvents.append([ev("changes", 3)], fold);
    // One event, with the newest payload, not due yet.
    expect(await store.incidentEvents.pendingCount("jira-co")).toBe(1);
    expect(await store.incidentEvents.claim("replica-a", ["jira-co"], 10, 60_000)).toEqual([]);
    // A status event is not held up: the waiting one is due now, and goes first.
    await store.incidentEvents.append([ev("status", 4)], fold);
    const [first] = await store.incidentEvents.claim("replica-a", ["jira-co"], 10, 60_000);
    defined(first, "the folded event");
    expect([first.kind, first.payload]).toEqual(["alerts", { n: 3 }]);
    // Behind a later event, or once claimed, an alerts event is a new one.
    await store.incidentEvents.append([ev("alerts", 5)], fold);
    expect(await store.incidentEvents.pendingCount("jira-co")).toBe(3);
    await store.incidentEvents.done(first.id);
    const [status] = await store.incidentEvents.claim("replica-a", ["jira-co"], 10, 60_000);
    expect(status?.kind).toBe("status");
    await store.incidentEvents.append([ev("alerts", 6)], fold);
    expect(await store.incidentEvents.pendingCount("jira-co")).toBe(2);
    // Without folding, every event is a row of its own.
    await store.incidentEvents.append([ev("alerts", 7)]);
    expect(await store.incidentEvents.pendingCount("jira-co")).toBe(3);
  });

  it("keeps the Jira write outbox per issue: changes under the row's lock, due issues, leases that run out", async () => {
    const now = Date.now();
    const seen: unknown[] = [];
    expect(await store.jiraWrites.mutate("OPS-9", (row) => (seen.push(row), { next: { slot: { comments: 1 }, batch: undefined, dueAtMs: now - 1000 }, result: "queued" }))).toBe("queued");
    expect(seen).toEqual([undefined]);
    expect(await store.jiraWrites.keys()).toEqual(["OPS-9"]);
    expect(await store.jiraWrites.dueKeys(now, 10)).toEqual(["OPS-9"]);
    expect(Math.round((await store.jiraWrites.nextDueAtMs()) ?? 0)).toBe(now - 1000);
    // A writer takes the batch under a lease: not due for anyone else while the lease holds.
    await store.jiraWrites.mutate("OPS-9", (row) => ({ next: { slot: row?.slot, batch: { comments: 1 }, dueAtMs: now - 1000, lease: { owner: "replica-a", ms: 60_000 } }, result: undefined }));
    expect(await store.jiraWrites.dueKeys(now, 10)).toEqual([]);
    await store.jiraWrites.mutate("OPS-9", (row) => (seen.push(row), { next: "keep", result: undefined }));
    expect(seen[1]).toEqual({ slot: { comments: 1 }, batch: { comments: 1 }, leaseOwner: "replica-a", leaseExpired: false });
    // The holder dies: its lease runs out and the issue is due again.
    await store.jiraWrites.mutate("OPS-9", (row) => ({ next: { slot: row?.slot, batch: row?.batch, dueAtMs: now - 1000, lease: { owner: "replica-a", ms: 0 } }, result: undefined }));
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.jiraWrites.dueKeys(now, 10)).toEqual(["OPS-9"]);
    await store.jiraWrites.mutate("OPS-9", (row) => (seen.push(row), { next: "keep", result: undefined }));
    expect(seen[2]).toMatchObject({ leaseOwner: "replica-a", leaseExpired: true });
    // Written: the row goes.
    await store.jiraWrites.mutate("OPS-9", () => ({ next: null, result: undefined }));
    expect(await store.jiraWrites.keys()).toEqual([]);
    expect(await store.jiraWrites.nextDueAtMs()).toBeUndefined();
  });

  it("serialises work under a named lock across connections", async () => {
    const order: string[] = [];
    let releaseFirst!: () => void;
    const gate = new Promise<void>((r) => (releaseFirst = r));
    const first = withLock(db, "correlate", async () => {
      order.push("first in");
      await gate;
      order.push("first out");
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = withLock(db, "correlate", async () => {
      order.push("second");
    });
    await new Promise((r) => setTimeout(r, 50));
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(["first in", "first out", "second"]);
    expect(new Set(Object.values(LOCKS)).size).toBe(Object.keys(LOCKS).length);
  });
});
