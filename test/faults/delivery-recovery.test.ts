import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { IngestResult } from "../../src/incident/incident-service.ts";
import { createAppMetrics } from "../../src/observability/metrics.ts";
import { openDb } from "../../src/store/open.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import type { DeliveryHandlers, StoredDeliveryBody } from "../../src/webhooks/intake.ts";
import { testIntake } from "../support/test-intake.ts";
import { secondReplica, testDatabases, perTestDatabases } from "../support/databases.ts";
import { eventually } from "../support/eventually.ts";
import { runNode } from "../support/process.ts";

const NONE: IngestResult = { opened: [], joined: 0, duplicates: 0, ignored: 0, changesAttached: 0 };

/** A generic-webhook delivery as the intake stores it. */
const stored = (name: string): StoredDeliveryBody => ({
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ alerts: [{ name, status: "firing", severity: "warning", service: "checkout", summary: name }] }),
  receivedAt: "2026-12-05T10:00:00.000Z",
});

/** Counts what each replica's handler saw, by alert name (several deliveries may come in one call). */
function countingHandlers(seen: string[], fail?: (name: string) => boolean): DeliveryHandlers {
  return {
    async ingest(d) {
      const names = d.alerts.length ? d.alerts.map((a) => a.name) : ["?"];
      const bad = names.find((n) => fail?.(n));
      if (bad) throw new Error(`cannot handle ${bad}`);
      seen.push(...names);
      return NONE;
    },
  };
}

const intakeFor = (store: Store, handlers: DeliveryHandlers, processing = {}, metrics = createAppMetrics()) =>
  testIntake({
    store,
    metrics,
    handlers,
    processing,
  });

describe.each(testDatabases())("continuous delivery recovery on $name", { timeout: 120_000 }, (tdb) => {
  const { open, cleanup } = perTestDatabases(tdb);

  it("claims every pending delivery in pages until none is left (far more than one page)", async () => {
    const db = await open();
    const store = createStore(db);
    for (let i = 0; i < 700; i += 100) {
      await db.transaction(async (tx) => {
        const s = createStore(tx);
        for (let j = i; j < i + 100; j++) await s.deliveries.record("generic", `d-${j}`, stored(`A${j}`));
      });
    }
    const seen: string[] = [];
    const intake = intakeFor(store, countingHandlers(seen), { pageSize: 100 });
    expect(await intake.recover()).toBe(700);
    expect(new Set(seen).size).toBe(700);
    expect(seen.length).toBe(700);
    expect((await store.deliveries.backlog()).pending).toBe(0);
  });

  it("lets a live replica take a dead replica's deliveries once their lease runs out, without a restart, and never a live one's", async () => {
    const db = await open();
    const other = await secondReplica(db);
    if (other !== db) cleanup.push(() => other.close());
    const store = createStore(db);
    await store.deliveries.record("generic", "dead-1", stored("Dead1"), { owner: "replica-that-died", ms: 300 });
    await store.deliveries.record("generic", "live-1", stored("Live1"), { owner: "replica-still-working", ms: 120_000 });
    const seen: string[] = [];
    const intake = intakeFor(createStore(other), countingHandlers(seen), { pollMs: 50, leaseMs: 2000 });
    intake.start();
    cleanup.push(() => intake.stop());
    await eventually(async () => ((await store.deliveries.pending()).length === 1 ? true : undefined), "the dead replica's delivery processed");
    expect(seen).toEqual(["Dead1"]);
    expect((await store.deliveries.pending()).map((d) => d.deliveryId)).toEqual(["live-1"]);
  });

  it("never gives one delivery to two claiming replicas at once", async () => {
    const db = await open();
    const other = await secondReplica(db);
    if (other !== db) cleanup.push(() => other.close());
    const store = createStore(db);
    for (let i = 0; i < 300; i++) await store.deliveries.record("generic", `c-${i}`, stored(`C${i}`));
    const seen: string[] = [];
    const a = intakeFor(store, countingHandlers(seen), { pageSize: 20 });
    const b = intakeFor(createStore(other), countingHandlers(seen), { pageSize: 20 });
    const [na, nb] = await Promise.all([a.recover(), b.recover()]);
    expect(na + nb).toBe(300);
    expect(seen.length).toBe(300);
    expect(new Set(seen).size).toBe(300);
  });

  it("a replica whose lease renewals lag (a stalled machine) does not take its own delivery again: never parked, never handled twice", async () => {
    const db = await open();
    const store = createStore(db);
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const handlers: DeliveryHandlers = {
      async ingest(d) {
        await blocked; // the work takes longer than the lease, and the heartbeat (every 200 ms) is too late for a 60 ms lease
        seen.push(...d.alerts.map((a) => a.name));
        return NONE;
      },
    };
    const intake = intakeFor(store, handlers, { pollMs: 20, leaseMs: 60, maxAttempts: 3, gatherMs: 0 });
    intake.start();
    cleanup.push(() => intake.stop());
    const body = Buffer.from(stored("Slow").body);
    expect((await intake.accept("generic", { headers: { "content-type": "application/json", "x-aisre-delivery": "slow-1" }, body })).status).toBe(202);
    // Meanwhile its own recovery loop finds the lease lapsed, again and again.
    await new Promise((r) => setTimeout(r, 1500));
    release();
    await eventually(async () => ((await store.deliveries.backlog()).pending === 0 ? true : undefined), "the delivery processed");
    expect(await store.deliveries.parked()).toEqual([]);
    expect(seen).toEqual(["Slow"]);
  });

  // The interleaving behind ['Slow', 'Slow'] under load: the door stores a delivery under this
  // replica's lease and hands it to the processor only once the insert has answered; if the lease
  // lapses in between (a stall longer than it), this replica's own recovery loop claims the row and
  // queues it too. Driven by the store's answers, not by time: the door's insert answers only once
  // the loop has claimed the delivery (or the loop's claim answers only once the door has queued it).
  it.each(["the loop claims it before the door queues it", "the door queues it before the loop's claim answers"])("a delivery whose lease lapses between its insert and its hand-over is queued once by its replica: %s", async (order) => {
    const db = await open();
    const store = createStore(db);
    const real = store.deliveries;
    let claimed: () => void = () => undefined;
    const claimedNow = new Promise<void>((r) => (claimed = r));
    let answered: () => void = () => undefined;
    const answeredNow = new Promise<void>((r) => (answered = r));
    const doorFirst = order.startsWith("the door");
    const deliveries = Object.assign(Object.create(real) as typeof real, {
      async recordMany(...args: Parameters<typeof real.recordMany>) {
        const fresh = await real.recordMany(...args);
        if (!doorFirst) await claimedNow;
        return fresh;
      },
      async claim(...args: Parameters<typeof real.claim>) {
        const rows = await real.claim(...args);
        if (rows.some((d) => d.deliveryId === "gap-1")) {
          claimed();
          if (doorFirst) await answeredNow;
        }
        return rows;
      },
    });
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const handlers: DeliveryHandlers = {
      async ingest(d) {
        await blocked;
        seen.push(...d.alerts.map((a) => a.name));
        return NONE;
      },
    };
    // A 1 ms lease: it has lapsed by the time the loop looks, whatever the machine's load.
    const intake = intakeFor({ ...store, deliveries } as Store, handlers, { pollMs: 20, leaseMs: 1, maxAttempts: 3, gatherMs: 0 });
    intake.start();
    cleanup.push(() => intake.stop());
    const body = Buffer.from(stored("Gap").body);
    expect((await intake.accept("generic", { headers: { "content-type": "application/json", "x-aisre-delivery": "gap-1" }, body })).status).toBe(202);
    answered();
    await claimedNow;
    release();
    await eventually(async () => ((await real.backlog()).pending === 0 ? true : undefined), "the delivery processed");
    await intake.drain();
    expect(await real.parked()).toEqual([]);
    expect(seen).toEqual(["Gap"]);
  });

  it("retries a failing delivery a bounded number of times, parks it with its error, counts it, and replays it", async () => {
    const db = await open();
    const store = createStore(db);
    let broken = true;
    const seen: string[] = [];
    const metrics = createAppMetrics();
    const intake = intakeFor(
      store,
      countingHandlers(seen, (n) => broken && n === "Poison"),
      { pollMs: 30, maxAttempts: 3, retryBaseMs: 20 },
      metrics,
    );
    intake.start();
    cleanup.push(() => intake.stop());
    const body = Buffer.from(stored("Poison").body);
    expect((await intake.accept("generic", { headers: { "content-type": "application/json", "x-aisre-delivery": "p-1" }, body })).status).toBe(202);
    const [parked] = await eventually(async () => {
      const list = await store.deliveries.parked();
      return list.length ? list : undefined;
    }, "the delivery parked");
    expect(parked).toMatchObject({ source: "generic", deliveryId: "p-1", attempts: 3, error: "cannot handle Poison" });
    expect(metrics.webhookDeliveryOutcomes.get({ outcome: "retried" })).toBe(2);
    expect(metrics.webhookDeliveryOutcomes.get({ outcome: "parked" })).toBe(1);
    await eventually(async () => (/^aisre_webhook_deliveries_parked 1$/m.test(metrics.registry.expose()) ? true : undefined), "the parked gauge in /metrics");

    broken = false;
    expect(await store.deliveries.replay("p-1")).toEqual([{ source: "generic", deliveryId: "p-1" }]);
    await eventually(async () => ((await store.deliveries.backlog()).pending === 0 ? true : undefined), "the replayed delivery processed");
    expect(seen).toEqual(["Poison"]);
    expect(await store.deliveries.parked()).toEqual([]);
  });
});

describe("npx aisre deliveries", () => {
  it("lists parked deliveries and replays one", { timeout: 180_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aisre-deliveries-"));
    const db = await openDb({ dataDir });
    const store = createStore(db);
    await store.deliveries.record("generic", "gone-wrong", stored("Broken"));
    await store.deliveries.park("generic", "gone-wrong", "cannot handle Broken");
    await store.deliveries.record("generic", "fine", stored("Fine"));
    await db.close();

    const cli = async (...args: string[]) => {
      const r = runNode(["src/cli/main.ts", "deliveries", ...args], { AISRE_DATA_DIR: dataDir, LOG_LEVEL: "silent" });
      return { code: await r.exited, out: r.output() };
    };
    const list = await cli("list", "--json");
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.out) as { pending: number; parked: Array<{ deliveryId: string; error: string }> };
    expect(listed.pending).toBe(1);
    expect(listed.parked).toMatchObject([{ deliveryId: "gone-wrong", error: "cannot handle Broken" }]);
    expect((await cli()).out).toContain("generic/gone-wrong");

    const replay = await cli("replay", "generic/gone-wrong");
    expect(replay.code).toBe(0);
    expect(replay.out).toContain("requeued generic/gone-wrong");
    expect((await cli("replay", "no-such-id")).code).toBe(1);
    const after = JSON.parse((await cli("list", "--json")).out) as { pending: number; parked: unknown[] };
    expect(after).toEqual({ pending: 2, parked: [] });
  });
});
