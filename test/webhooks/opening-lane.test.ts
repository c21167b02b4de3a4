import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { IngestResult } from "../../src/incident/incident-service.ts";
import { parseDelivery } from "../../src/ingest/registry.ts";
import { generic } from "../../src/ingest/sources/generic.ts";
import { openDb } from "../../src/store/open.ts";
import { createStore } from "../../src/store/store.ts";
import { testIntake } from "../support/test-intake.ts";
import { OpeningLane } from "../../src/webhooks/opening-lane.ts";
import { eventually } from "../support/eventually.ts";

const NONE: IngestResult = { opened: [], joined: 0, duplicates: 0, ignored: 0, changesAttached: 0 };
type A = { name: string; service: string; id: string; status?: "firing" | "resolved" };
const body = (...alerts: A[]) => JSON.stringify({ alerts: alerts.map((a) => ({ name: a.name, status: a.status ?? "firing", severity: "warning", service: a.service, summary: a.name, id: a.id })) });
const parsed = (...alerts: A[]) => parseDelivery(generic, { headers: { "content-type": "application/json" }, body: Buffer.from(body(...alerts)), receivedAt: new Date().toISOString() });

describe("the opening lane: which deliveries would open an incident", () => {
  it("is a firing alert with a new fingerprint on a service no recent delivery named; nothing is, until enabled", () => {
    const lane = new OpeningLane();
    expect(lane.classify(parsed({ name: "A", service: "checkout", id: "a" }))).toBe(false); // not enabled yet (noted all the same)
    lane.enable();
    expect(lane.classify(parsed({ name: "B", service: "checkout", id: "b" }))).toBe(false); // checkout was named
    expect(lane.classify(parsed({ name: "C", service: "payments", id: "c" }))).toBe(true);
    expect(lane.classify(parsed({ name: "D", service: "payments", id: "d" }))).toBe(false);
    // A new service, but its alert's fingerprint was seen: it stays behind the delivery about it.
    expect(lane.classify(parsed({ name: "B", service: "search", id: "b" }))).toBe(false);
    expect(lane.classify(parsed({ name: "E", service: "refunds", id: "e", status: "resolved" }))).toBe(false);
    // One new service among known ones, every fingerprint new: urgent; one seen fingerprint: not.
    expect(lane.classify(parsed({ name: "F", service: "checkout", id: "f" }, { name: "G", service: "ledger", id: "g" }))).toBe(true);
    expect(lane.classify(parsed({ name: "H", service: "inventory", id: "h" }, { name: "C", service: "payments", id: "c" }))).toBe(false);
  });
});

describe("the priority lane in a storm", () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it("processes a delivery that would open an incident before the backlog (queued in memory or left in the store), and keeps every other in arrival order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aisre-opening-lane-"));
    const db = await openDb({ dataDir: "memory" });
    cleanup.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => db.close(),
    );
    const seen: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const intake = testIntake({
      store: createStore(db),
      journal: { dir, segmentMs: 600_000 },
      processing: { gatherMs: 0, maxQueued: 1, pollMs: 50 },
      handlers: {
        async ingest(d) {
          seen.push(...d.alerts.map((a) => a.name));
          await held;
          return NONE;
        },
      },
    });
    cleanup.push(() => intake.stop());
    cleanup.push(() => release()); // before the intake stops, should an assertion fail
    // The store's backlog is claimed (none): deliveries may be urgent from now on.
    expect(await intake.recover()).toBe(0);
    const rows = () => db.query<{ delivery_id: string; processed: boolean }>("SELECT delivery_id, processed_at IS NOT NULL AS processed FROM webhook_deliveries");
    let n = 0;
    const send = async (...alerts: A[]) => {
      n++;
      const answer = await intake.accept("generic", { headers: { "content-type": "application/json", "x-aisre-delivery": `d-${n}` }, body: Buffer.from(body(...alerts)) });
      expect(answer.status).toBe(202);
      await eventually(async () => ((await rows()).length === n ? true : undefined), `delivery ${n} moved into the store`);
    };
    await send({ name: "Q1", service: "checkout", id: "q1" });
    await eventually(async () => (seen.length === 1 ? true : undefined), "the first delivery being processed");
    await send({ name: "Q2", service: "checkout", id: "q2" }); // the queue's one place
    await send({ name: "Q3", service: "checkout", id: "q3" }); // no room: left in the store
    await send({ name: "Q4", service: "checkout", id: "q4" });
    await send({ name: "P1", service: "payments", id: "p1" }); // a new failure: the priority lane
    await send({ name: "R3", service: "refunds", id: "q3", status: "resolved" }); // about Q3: after it
    await send({ name: "N4", service: "search", id: "q4" }); // a new service, but Q4's alert: after it
    intake.start();
    release();
    await eventually(async () => ((await rows()).every((r) => r.processed) ? true : undefined), "every delivery processed", 60_000);
    expect(seen).toEqual(["Q1", "P1", "Q2", "Q3", "Q4", "R3", "N4"]);
  }, 120_000);
});
