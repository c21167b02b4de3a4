import { systemClock } from "../../src/domain/clock.ts";
import { describe, expect, it } from "vitest";
import { blockKitIncidentPresenter } from "../../blocks/incident-thread.ts";
import type { Alert } from "../../src/domain/alert.ts";
import { IncidentService } from "../../src/incident/incident-service.ts";
import { OutboxSender } from "../../src/incident/outbox-sender.ts";
import { silentLogger } from "../../src/log.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { perTestDatabases, secondReplica, testDatabases } from "../support/databases.ts";
import { MemorySlack } from "../support/memory-slack.ts";
import { firingAlert } from "../support/alerts.ts";

/**
 * Thread rendering (the root card's edit, the digest's post and edits) is wanted as a durable row
 * written with the change: a replica that dies between the commit and the render leaves it to
 * another replica, or to itself after a restart; replicas never render one change twice.
 * (The same with a real process and kill -9: `npm run chaos render-kill`, test/faults/chaos.test.ts.)
 */

const alert = (fp: string, service = "checkout"): Alert => firingAlert(fp, service, `HighErrorRate${fp}`);

describe.each(testDatabases())("durable thread rendering on $name", { timeout: 300_000 }, (tdb) => {
  const { open, cleanup } = perTestDatabases(tdb);
  let a: Store;
  let b: Store;
  const two = async () => {
    const db: Db = await open();
    const other = await secondReplica(db);
    if (other !== db) cleanup.push(() => other.close());
    a = createStore(db);
    b = createStore(other);
  };
  const replica = (store: Store, outbox?: OutboxSender) => new IncidentService({ clock: systemClock, store, logger: silentLogger, presenter: blockKitIncidentPresenter, routing: { services: {}, teams: {} }, defaultChannel: "#incidents", threadFlushMs: 0, ...(outbox ? { outbox } : {}) });
  const drain = async (store: Store, outbox: OutboxSender) => {
    for (let i = 0; i < 50 && (await store.outbox.pendingCount()) > 0; i++) await outbox.sendDue();
  };

  it("a replica killed between the commit and the render: the next one edits the card and posts the digest", async () => {
    await two();
    const slack = new MemorySlack();
    const outbox = new OutboxSender({ store: b, slack, logger: silentLogger, minIntervalMs: 0 });
    cleanup.push(() => outbox.stop());
    // Replica A opens the incident (its root card is queued in that transaction), takes three more
    // alerts and dies before its housekeeping ran: nothing rendered them.
    const dying = replica(a);
    const first = await dying.ingest({ alerts: [alert("1")], changes: [] });
    for (const fp of ["2", "3", "4"]) await dying.ingest({ alerts: [alert(fp)], changes: [] });
    await drain(b, outbox);
    const [root] = slack.roots();
    expect(JSON.stringify(root?.blocks)).toContain("1 firing / 1 total");
    expect(await b.renders.pendingCount()).toBe(2);

    // Its restart (or any replica) renders what was wanted: one card edit, one digest with the joins.
    const next = replica(b, outbox);
    await next.tick();
    await drain(b, outbox);
    expect(slack.roots()).toHaveLength(1);
    expect(root?.edits).toBe(1);
    expect(JSON.stringify(root?.blocks)).toContain("4 firing / 4 total");
    const replies = slack.replies(root?.ts ?? "");
    expect(replies.map((m) => m.text)).toEqual(["What the signals show: 4 alerts firing"]);
    expect(await b.renders.pendingCount()).toBe(0);
    expect(first.opened).toHaveLength(1);
  });

  it("a change rendered while the card's edit is being made is edited after it, not lost", async () => {
    await two();
    // Slack that, while the first card edit is on its way, lets the incident change and be rendered.
    let during: (() => Promise<void>) | undefined;
    const slack = new (class extends MemorySlack {
      override async call(method: string, payload: Record<string, unknown>) {
        const hook = method === "chat.update" ? during : undefined;
        if (hook) during = undefined;
        await hook?.();
        return super.call(method, payload);
      }
    })();
    const outbox = new OutboxSender({ store: a, slack, logger: silentLogger, minIntervalMs: 0 });
    cleanup.push(() => outbox.stop());
    const [ra, rb] = [replica(a, outbox), replica(b, outbox)];
    await ra.ingest({ alerts: [alert("1")], changes: [] });
    await drain(a, outbox);
    await ra.ingest({ alerts: [alert("2")], changes: [] });
    await ra.tick();
    during = async () => {
      await rb.ingest({ alerts: [alert("3")], changes: [] });
      await rb.tick();
    };
    await drain(a, outbox);
    const [root] = slack.roots();
    expect(root?.edits).toBe(2);
    expect(JSON.stringify(root?.blocks)).toContain("3 firing / 3 total");
  });

  it("two replicas that both took a storm's alerts edit each card once, whoever renders first", async () => {
    await two();
    const slack = new MemorySlack();
    const outbox = new OutboxSender({ store: a, slack, logger: silentLogger, minIntervalMs: 0 });
    cleanup.push(() => outbox.stop());
    const [ra, rb] = [replica(a, outbox), replica(b, outbox)];
    const services = ["checkout", "ledger", "search"];
    for (const svc of services) await ra.ingest({ alerts: [alert(`${svc}-0`, svc)], changes: [] });
    await drain(a, outbox);
    expect(slack.roots()).toHaveLength(3);
    // Both replicas take joins of every incident; then both render, one after the other and together.
    for (let i = 1; i <= 4; i++) for (const svc of services) await (i % 2 ? ra : rb).ingest({ alerts: [alert(`${svc}-${i}`, svc)], changes: [] });
    await ra.tick();
    await drain(a, outbox);
    await rb.tick();
    await Promise.all([ra.tick(), rb.tick()]);
    await drain(a, outbox);
    for (const root of slack.roots()) {
      expect(root.edits).toBe(1);
      expect(JSON.stringify(root.blocks)).toContain("5 firing / 5 total");
      const replies = slack.replies(root.ts);
      expect(replies).toHaveLength(1);
      expect(replies[0]?.edits).toBe(0);
    }
  });
});
