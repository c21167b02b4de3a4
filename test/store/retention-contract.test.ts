import { describe, expect, it } from "vitest";
import { purgeFinished } from "../../src/async/retention.ts";
import { clockOf } from "../../src/domain/clock.ts";
import { storePerBlock, testDatabases } from "../support/databases.ts";

const HOUR = 3_600_000;

describe.each(testDatabases())("retention on $name", ({ open }) => {
  const { db, store } = storePerBlock(open);

  it("deletes only finished rows past their age, in bounded batches, and keeps what is still read", async () => {
    const run = `r${Date.now()}`;
    // Deliveries: one processed, one still pending, one parked.
    for (const id of ["processed", "pending", "parked"]) expect(await store.deliveries.record("generic", `${run}-${id}`, { id })).toBe(true);
    await store.deliveries.markProcessed("generic", `${run}-processed`);
    await store.deliveries.park("generic", `${run}-parked`, "bad body");
    // Incident events: one done (with the outcome someone waited for), one parked, one to do.
    const incident = `INC-${run}`;
    const done = await store.incidentEvents.appendOne({ incidentId: incident, consumer: "jira", kind: "opened", payload: {} });
    const parked = await store.incidentEvents.appendOne({ incidentId: incident, consumer: "pagerduty", kind: "opened", payload: {} });
    const todo = await store.incidentEvents.appendOne({ incidentId: incident, consumer: "jira", kind: "alerts", payload: {} });
    await store.incidentEvents.done(done, { ok: true });
    await store.incidentEvents.park(parked, "gave up");
    // Slack calls: one sent, one given up on, one waiting.
    const channel = `C${run}`;
    const sent = await store.outbox.enqueue({ channel, method: "chat.postMessage", payload: { text: "sent" } });
    const failed = await store.outbox.enqueue({ channel, method: "chat.postMessage", payload: { text: "failed" } });
    await store.outbox.enqueue({ channel, method: "chat.postMessage", payload: { text: "waiting" } });
    await store.outbox.markSent(sent!, { ts: "1.1" });
    await store.outbox.markFailed(failed!, "channel_not_found");
    const outboxLeft = async () => (await db.query<{ text: string }>("SELECT payload->>'text' AS text FROM outbox WHERE channel = $1 ORDER BY id", [channel])).map((r) => r.text);

    // Younger than the age: nothing goes, and a redelivery of the processed one is still recognised.
    await purgeFinished(
      store,
      clockOf(() => Date.now() + HOUR),
      { maxAgeMs: 24 * HOUR },
    );
    expect(await store.deliveries.record("generic", `${run}-processed`, {})).toBe(false);
    expect((await store.incidentEvents.outcome(done))?.state).toBe("done");
    expect(await outboxLeft()).toEqual(["sent", "failed", "waiting"]);

    // Past the age (the clock a day on), one row per statement: the finished ones go, the rest stay.
    const deleted = await purgeFinished(
      store,
      clockOf(() => Date.now() + 25 * HOUR),
      { maxAgeMs: 24 * HOUR, batch: 1 },
    );
    expect(deleted.deliveries).toBeGreaterThanOrEqual(1);
    expect(deleted.incidentEvents).toBeGreaterThanOrEqual(1);
    expect(deleted.outbox).toBeGreaterThanOrEqual(1);
    expect(await store.deliveries.record("generic", `${run}-processed`, {})).toBe(true);
    expect((await store.deliveries.pending(10_000)).map((d) => d.deliveryId)).toContain(`${run}-pending`);
    expect((await store.deliveries.parked()).map((d) => d.deliveryId)).toContain(`${run}-parked`);
    expect(await store.incidentEvents.outcome(done)).toBeUndefined();
    expect((await store.incidentEvents.outcome(parked))?.state).toBe("parked");
    expect((await store.incidentEvents.outcome(todo))?.state).toBe("pending");
    expect(await outboxLeft()).toEqual(["failed", "waiting"]);
  });

  it("stops after maxBatches statements per table: the rest waits for the next pass", async () => {
    const run = `b${Date.now()}`;
    for (let i = 0; i < 5; i++) {
      await store.deliveries.record("generic", `${run}-${i}`, {});
      await store.deliveries.markProcessed("generic", `${run}-${i}`);
    }
    const later = clockOf(() => Date.now() + 25 * HOUR);
    const first = await purgeFinished(store, later, { maxAgeMs: 24 * HOUR, batch: 2, maxBatches: 1 });
    expect(first.deliveries).toBe(2);
    const rest = await purgeFinished(store, later, { maxAgeMs: 24 * HOUR, batch: 100 });
    expect(rest.deliveries).toBeGreaterThanOrEqual(3);
  });
});
