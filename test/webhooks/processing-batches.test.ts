import { describe, expect, it } from "vitest";
import type { IngestResult } from "../../src/incident/incident-service.ts";
import { parseDelivery } from "../../src/ingest/registry.ts";
import { generic } from "../../src/ingest/sources/generic.ts";
import { EMPTY_TOPOLOGY } from "../../src/domain/topology.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore } from "../../src/store/store.ts";
import { incidentServiceOnMemory } from "../support/incident-service.ts";
import { observedDb } from "../support/observed-db.ts";
import { reusedDatabases } from "../support/reused-databases.ts";
import { testIntake } from "../support/test-intake.ts";

const NONE: IngestResult = { opened: [], joined: 0, duplicates: 0, ignored: 0, changesAttached: 0 };
const delivery = (n: number) =>
  parseDelivery(generic, { headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify({ alerts: [{ name: `Storm${n}`, status: "firing", severity: "warning", service: "checkout", summary: `storm ${n}`, fingerprint: `fp-${n}` }] })), receivedAt: new Date().toISOString() });

const databases = reusedDatabases();

describe("processing batches in a storm", () => {
  it("processes the first delivery after a quiet spell at once, then gathers what keeps coming into one batch", async () => {
    const db = await databases.open();
    try {
      const batches: string[][] = [];
      let release!: () => void;
      const firstHeld = new Promise<void>((r) => (release = r));
      const intake = testIntake({
        store: createStore(db),
        processing: { gatherMs: 2000 },
        handlers: {
          async ingest(d) {
            batches.push(d.alerts.map((a) => a.name));
            if (batches.length === 1) await firstHeld;
            return NONE;
          },
        },
      });
      const p = intake.processor;
      p.submit("generic", delivery(1));
      await new Promise((r) => setImmediate(r));
      expect(batches).toEqual([["Storm1"]]);
      // While the first is being decided, two more arrive; a third comes shortly after it is done.
      p.submit("generic", delivery(2));
      p.submit("generic", delivery(3));
      release();
      await new Promise((r) => setTimeout(r, 20));
      p.submit("generic", delivery(4));
      await p.drain();
      expect(batches).toEqual([["Storm1"], ["Storm2", "Storm3", "Storm4"]]);
    } finally {
      await db.close();
    }
  }, 120_000);
});

describe("the processing queue's cap", () => {
  it("keeps at most maxQueued deliveries in memory; the rest wait in the store and are processed from it, in arrival order", async () => {
    const db = await databases.open();
    const store = createStore(db);
    try {
      const seen: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const intake = testIntake({
        store,
        processing: { gatherMs: 0, maxQueued: 2, pollMs: 50 },
        handlers: {
          async ingest(d) {
            seen.push(...d.alerts.map((a) => a.name));
            await held;
            return NONE;
          },
        },
      });
      const p = intake.processor;
      // Stored as the door stores them (leased to this replica), then handed over while the first is being decided.
      for (let n = 1; n <= 6; n++) {
        const d = delivery(n);
        expect(
          await store.deliveries.record(
            "generic",
            d.deliveryId,
            { headers: { "content-type": "application/json" }, body: JSON.stringify({ alerts: [{ name: `Storm${n}`, status: "firing", severity: "warning", service: "checkout", summary: `storm ${n}`, fingerprint: `fp-${n}` }] }), receivedAt: new Date().toISOString() },
            { owner: p.owner, ms: 60_000 },
          ),
        ).toBe(true);
        p.submit("generic", d);
        expect(p.queued).toBeLessThanOrEqual(2);
      }
      // Three in memory at most (one being decided, two waiting); the others only in the store.
      expect((await store.deliveries.pending()).length).toBe(6);
      release();
      p.start();
      for (let i = 0; i < 400 && (await store.deliveries.backlog()).pending > 0; i++) await new Promise((r) => setTimeout(r, 25));
      await p.stop();
      expect((await store.deliveries.backlog()).pending).toBe(0);
      expect(seen).toEqual(["Storm1", "Storm2", "Storm3", "Storm4", "Storm5", "Storm6"]);
    } finally {
      await db.close();
    }
  }, 120_000);
});

describe("draining a backlog in the store", () => {
  it("claims and parses the next page while a page is being decided, then processes every delivery once, in arrival order", async () => {
    const db = await databases.open();
    const store = createStore(db);
    try {
      const seen: string[][] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const intake = testIntake({
        store,
        processing: { gatherMs: 0, pageSize: 3, batchSize: 3, pollMs: 50 },
        handlers: {
          async ingest(d) {
            seen.push(d.alerts.map((a) => a.name));
            if (seen.length === 1) await held;
            return NONE;
          },
        },
      });
      const p = intake.processor;
      // A backlog left in the store (unleased, as the door leaves it when processing is behind).
      for (let n = 1; n <= 7; n++) {
        const d = delivery(n);
        await store.deliveries.record("generic", d.deliveryId, { headers: { "content-type": "application/json" }, body: JSON.stringify({ alerts: [{ name: `Storm${n}`, status: "firing", severity: "warning", service: "checkout", summary: `storm ${n}`, fingerprint: `fp-${n}` }] }), receivedAt: new Date().toISOString() });
      }
      p.start();
      for (let i = 0; i < 400 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      // The first page is being decided (held); the second is claimed from the store and waits in memory.
      for (let i = 0; i < 400 && p.queued < 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(p.queued).toBe(3);
      expect(seen).toEqual([["Storm1", "Storm2", "Storm3"]]);
      release();
      for (let i = 0; i < 400 && (await store.deliveries.backlog()).pending > 0; i++) await new Promise((r) => setTimeout(r, 25));
      await p.stop();
      expect((await store.deliveries.backlog()).pending).toBe(0);
      expect(seen.flat()).toEqual(["Storm1", "Storm2", "Storm3", "Storm4", "Storm5", "Storm6", "Storm7"]);
    } finally {
      await db.close();
    }
  }, 120_000);
});

describe("a batch's outcome", () => {
  it("marks the batch's deliveries processed in the transaction that writes their alerts", async () => {
    const raw = await databases.open();
    // Which transaction (a number; none outside one) each statement ran in.
    const ran: Array<{ sql: string; tx?: number }> = [];
    let txs = 0;
    const watched = (d: Db, tx?: number): Db => ({
      driver: d.driver,
      health: d.health,
      query: (sql, params) => {
        ran.push({ sql, tx });
        return d.query(sql, params);
      },
      exec: (sql) => d.exec(sql),
      transaction: (fn) => (tx === undefined ? d.transaction((t) => fn(watched(t, ++txs))) : d.transaction((t) => fn(watched(t, tx)))),
      tryAdvisoryLock: (key, onLost) => d.tryAdvisoryLock(key, onLost),
      close: () => d.close(),
    });
    const { store, incidents } = await incidentServiceOnMemory(
      EMPTY_TOPOLOGY,
      () => Date.now(),
      async () => watched(raw),
    );
    try {
      const intake = testIntake({ store, processing: { gatherMs: 0, pollMs: 50 }, handlers: { ingest: (d, also) => incidents.ingest(d, also) } });
      const p = intake.processor;
      for (let n = 1; n <= 4; n++) {
        const d = delivery(n);
        await store.deliveries.record("generic", d.deliveryId, { headers: { "content-type": "application/json" }, body: JSON.stringify({ alerts: [{ name: `Storm${n}`, status: "firing", severity: "warning", service: "checkout", summary: `storm ${n}`, fingerprint: `fp-${n}` }] }), receivedAt: new Date().toISOString() });
      }
      expect(await p.recoverAll()).toBe(4);
      expect((await store.deliveries.backlog()).pending).toBe(0);
      const alerts = ran.find((r) => r.sql.includes("INSERT INTO alerts"));
      const marked = ran.filter((r) => /UPDATE webhook_deliveries d SET processed_at/.test(r.sql));
      expect(alerts?.tx).toBeDefined();
      expect(marked.map((m) => m.tx)).toEqual([alerts?.tx]);
    } finally {
      await raw.close();
    }
  }, 120_000);
});

describe("a storm's deliveries handed over together", () => {
  const onService = (n: number, service: string) =>
    parseDelivery(generic, { headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify({ alerts: [{ name: `StormAlert${n % 4}`, status: "firing", severity: "warning", service, summary: `${service} symptom ${n}`, id: `storm-${n}` }] })), receivedAt: new Date().toISOString() });

  it("are decided in one transaction whose statements do not grow with its deliveries (alerts joining open incidents)", async () => {
    const raw = await databases.open();
    const ran: string[] = [];
    let counting = false;
    const { store, incidents } = await incidentServiceOnMemory(
      EMPTY_TOPOLOGY,
      () => Date.now(),
      async () => observedDb(raw, (sql) => counting && ran.push(sql.replace(/\s+/g, " ").slice(0, 60))),
    );
    try {
      const services = Array.from({ length: 10 }, (_, i) => `storm-svc-${i}`);
      // A storm's 10 incidents, open already.
      for (const [i, service] of services.entries()) await incidents.ingest({ alerts: onService(1000 + i, service).alerts, changes: [] });
      expect((await store.incidents.listOpen()).length).toBe(10);
      const decided: number[] = [];
      const intake = testIntake({
        store,
        handlers: {
          async ingest(d, also) {
            decided.push(d.alerts.length);
            return incidents.ingest(d, also);
          },
        },
      });
      const p = intake.processor;
      counting = true;
      // 50 deliveries handed over in one go, as the door's journal moves a group into the store.
      for (let n = 0; n < 50; n++) p.submit("generic", onService(n, services[n % 10]!));
      await p.drain();
      counting = false;
      expect(decided).toEqual([50]);
      expect((await store.incidents.listOpen()).length).toBe(10);
      expect((await store.alerts.countByIncident((await store.incidents.listOpen())[0]!.id)).total).toBe(6);
      // The lock; the open incidents (with their causes, firing and recoveries), their services' onsets
      // and the recent changes; the alerts known; the alerts, the timeline, the incidents touched, the
      // renders wanted and the deliveries marked: one statement each, for 50 deliveries. (Before: the
      // first delivery was decided alone, in a transaction of its own, and each transaction read the
      // open incidents in four statements and their label samples in a fifth: 28.)
      expect(ran.length, ran.join("\n")).toBeLessThanOrEqual(10);
      expect(ran.filter((sql) => sql.includes("labels"))).toEqual([]);
    } finally {
      await raw.close();
    }
  }, 120_000);
});
