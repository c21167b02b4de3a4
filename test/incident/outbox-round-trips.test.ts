import { afterAll, describe, expect, it } from "vitest";
import { OutboxSender } from "../../src/incident/outbox-sender.ts";
import { silentLogger } from "../../src/log.ts";
import type { Db } from "../../src/store/db.ts";
import { openDb } from "../../src/store/open.ts";
import { createStore } from "../../src/store/store.ts";
import { MemorySlack } from "../support/memory-slack.ts";

/**
 * In a storm every statement of the outbox waits for the processing transaction in progress on the
 * embedded store's one connection. A root post not in doubt is marked in flight while its incident
 * is read for the message metadata: the two statements are asked together, one wait, not one after
 * the other. (Marked before the post either way: a replica that dies after it leaves it to be looked
 * for, not posted twice.)
 */
describe("outbox: a root post's statements before Slack", () => {
  const dbs: Db[] = [];
  afterAll(async () => {
    for (const d of dbs) await d.close();
  });

  it("marks the post in flight without waiting for the incident's read, and posts it with the incident's metadata", async () => {
    const real = await openDb({ dataDir: "memory" });
    dbs.push(real);
    const events: string[] = [];
    const db: Db = {
      ...real,
      async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
        const what = /SET error = 'in_flight'/.test(sql) ? "in-flight" : /^SELECT (?!card\b)[^;]* FROM incidents WHERE id = \$1$/.test(sql) ? "incident" : undefined;
        if (what) events.push(`${what} asked`);
        const rows = await real.query<T>(sql, params);
        if (what) events.push(`${what} answered`);
        return rows;
      },
    };
    const store = createStore(db);
    await store.incidents.create({ id: "INC-RT-1", title: "checkout is failing", severity: "sev2", origin: "alert", services: ["checkout"] });
    await store.outbox.enqueue({ channel: "C_INCIDENTS", method: "chat.postMessage", payload: { text: "checkout is failing", _meta: { record: { incidentId: "INC-RT-1", purpose: "root" } } } });
    const slack = new MemorySlack();
    const sender = new OutboxSender({ store, slack, logger: silentLogger, minIntervalMs: 0 });
    await sender.sendDue();
    const post = slack.calls.find((c) => c.method === "chat.postMessage");
    expect(post?.payload.metadata).toMatchObject({ event_type: "aisre_incident_opened", event_payload: { incident_id: "INC-RT-1", outbox_id: expect.any(String) } });
    // Both asked before either was answered.
    expect(events.slice(0, 2).sort()).toEqual(["in-flight asked", "incident asked"]);
    expect(await store.slackMessages.get("INC-RT-1", "root")).toMatchObject({ channel: "C_INCIDENTS" });
  }, 60_000);
});
