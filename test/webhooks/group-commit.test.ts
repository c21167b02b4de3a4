import { describe, expect, it } from "vitest";
import type { IngestResult } from "../../src/incident/incident-service.ts";
import type { ParsedDelivery } from "../../src/ingest/types.ts";
import { silentLogger } from "../../src/log.ts";
import type { Db } from "../../src/store/db.ts";
import { createStore } from "../../src/store/store.ts";
import { takeBatch } from "../../src/webhooks/delivery-processor.ts";
import { DeliveryGroupCommit } from "../../src/webhooks/group-commit.ts";
import { testIntake } from "../support/test-intake.ts";
import { testDatabases, perTestDatabases } from "../support/databases.ts";
import { itemAt } from "../../src/domain/indexed.ts";

const NONE: IngestResult = { opened: [], joined: 0, duplicates: 0, ignored: 0, changesAttached: 0 };
const lease = () => ({ owner: "test-replica", ms: 15_000 });
/** The intake with a handler that sees each alert's name (and throws for the ones `fails` names). */
const intakeSeeing = (store: ReturnType<typeof createStore>, seen: string[], fails = (_name: string) => false) =>
  testIntake({
    store,
    processing: { retryBaseMs: 60_000 },
    handlers: {
      async ingest(d) {
        const bad = d.alerts.find((a) => fails(a.name));
        if (bad) throw new Error(`cannot handle ${bad.name}`);
        seen.push(...d.alerts.map((a) => a.name));
        return NONE;
      },
    },
  });
const stored = async (db: Db, id: string) => (await db.query("SELECT 1 FROM webhook_deliveries WHERE source = 'generic' AND delivery_id = $1", [id])).length;

describe.each(testDatabases())("group commit of webhook deliveries on $name", (tdb) => {
  const { open, cleanup } = perTestDatabases(tdb);

  it("stores a group in one go; a delivery the database refuses fails alone and the others of its group are stored", async () => {
    const db = await open();
    const gc = new DeliveryGroupCommit({ deliveries: createStore(db).deliveries, lease, logger: silentLogger, windowMs: 50 });
    const ids = ["ok-1", "ok-2", "bad", "ok-3", "ok-4"];
    // jsonb refuses a NUL character: the whole multi-row statement fails with it.
    const outcomes = await Promise.allSettled(ids.map((id) => gc.record({ source: "generic", deliveryId: id, body: { body: id === "bad" ? "nul\u0000here" : id } })));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    for (const o of outcomes) if (o.status === "fulfilled") expect(o.value).toBe(true);
    for (const id of ["ok-1", "ok-2", "ok-3", "ok-4"]) expect(await stored(db, id)).toBe(1);
    expect(await stored(db, "bad")).toBe(0);
  }, 120_000); // opening a database on a loaded machine can take most of 30 s

  it("in a burst (no lease given), stores the group unleased for the recovery loop and hands none of it over; outside one, leased and handed over", async () => {
    const db = await open();
    let burst = true;
    const handed: string[] = [];
    const gc = new DeliveryGroupCommit({ deliveries: createStore(db).deliveries, lease: () => (burst ? undefined : lease()), logger: silentLogger, windowMs: 20, committed: (rows, leased) => leased && handed.push(...rows.map((r) => r.deliveryId)) });
    expect(await Promise.all(["u-1", "u-2"].map((id) => gc.record({ source: "generic", deliveryId: id, body: { id } })))).toEqual([true, true]);
    burst = false;
    expect(await gc.record({ source: "generic", deliveryId: "l-1", body: { id: "l-1" } })).toBe(true);
    expect(handed).toEqual(["l-1"]);
    const rows = await db.query<{ delivery_id: string; lease_owner: string | null }>("SELECT delivery_id, lease_owner FROM webhook_deliveries ORDER BY delivery_id");
    expect(rows).toEqual([
      { delivery_id: "l-1", lease_owner: "test-replica" },
      { delivery_id: "u-1", lease_owner: null },
      { delivery_id: "u-2", lease_owner: null },
    ]);
  }, 120_000); // opening a database on a loaded machine can take most of 30 s

  it("answers a repeated delivery id within one group, and a redelivery later, as duplicates stored once", async () => {
    const db = await open();
    const gc = new DeliveryGroupCommit({ deliveries: createStore(db).deliveries, lease, logger: silentLogger, windowMs: 50 });
    const answers = await Promise.all([1, 2, 3].map(() => gc.record({ source: "generic", deliveryId: "same", body: { n: 1 } })));
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(answers[0]).toBe(true);
    expect(await gc.record({ source: "generic", deliveryId: "same", body: { n: 1 } })).toBe(false);
    expect(await stored(db, "same")).toBe(1);
  }, 120_000); // opening a database on a loaded machine can take most of 30 s

  it("answers each of many concurrent webhooks only once its row is committed, processes each once, and a duplicate in the burst is a no-op", async () => {
    const db = await open();
    const store = createStore(db);
    const seen: string[] = [];
    const intake = intakeSeeing(store, seen);
    cleanup.push(() => intake.stop());
    const body = (i: number) => Buffer.from(JSON.stringify({ alerts: [{ name: `A${i}`, status: "firing", severity: "warning", service: "checkout", summary: `a${i}` }] }));
    const deliveries = Array.from({ length: 60 }, (_, i) => ({ id: `d-${i}`, body: body(i) }));
    deliveries.push({ id: "d-7", body: body(7) }); // the same delivery again, in the same burst
    const storedAtAnswer = await Promise.all(
      deliveries.map(async (d) => {
        const answer = await intake.accept("generic", { headers: { "content-type": "application/json", "x-aisre-delivery": d.id }, body: d.body });
        // Read the moment the answer is given: a 2xx must already have a committed row behind it.
        return { status: answer.status, rows: await stored(db, d.id) };
      }),
    );
    expect(storedAtAnswer.filter((a) => a.status === 202)).toHaveLength(60);
    expect(storedAtAnswer.filter((a) => a.status === 200)).toHaveLength(1);
    for (const a of storedAtAnswer) expect(a.rows).toBe(1);
    await intake.drain();
    expect(seen.sort()).toEqual(Array.from({ length: 60 }, (_, i) => `A${i}`).sort());
    const { pending } = itemAt(await db.query<{ pending: number }>("SELECT count(*)::int AS pending FROM webhook_deliveries WHERE processed_at IS NULL"), 0);
    expect(pending).toBe(0);
  }, 120_000); // opening a database on a loaded machine can take most of 30 s

  it("when a batch's processing fails, the good deliveries are processed and only the bad one waits for a retry", async () => {
    const db = await open();
    const store = createStore(db);
    const seen: string[] = [];
    const intake = intakeSeeing(store, seen, (name) => name === "Poison");
    cleanup.push(() => intake.stop());
    const names = ["G1", "G2", "Poison", "G3", "G4", "G5"];
    await Promise.all(names.map((name) => intake.accept("generic", { headers: { "content-type": "application/json", "x-aisre-delivery": name }, body: Buffer.from(JSON.stringify({ alerts: [{ name, status: "firing", severity: "warning", service: "checkout", summary: name }] })) })));
    await intake.drain();
    expect(seen.sort()).toEqual(["G1", "G2", "G3", "G4", "G5"]);
    const rows = await db.query<{ delivery_id: string; processed: boolean; error: string | null }>("SELECT delivery_id, processed_at IS NOT NULL AS processed, error FROM webhook_deliveries ORDER BY delivery_id");
    expect(rows.filter((r) => !r.processed).map((r) => r.delivery_id)).toEqual(["Poison"]);
    expect(rows.find((r) => r.delivery_id === "Poison")?.error).toContain("cannot handle Poison");
  }, 120_000); // opening a database on a loaded machine can take most of 30 s
});

describe("which deliveries are decided together", () => {
  const d = (id: string, fingerprints: string[], extra: Partial<ParsedDelivery> = {}) => ({
    sourceName: "alertmanager",
    attempts: 1,
    parsed: { deliveryId: id, alerts: fingerprints.map((fingerprint) => ({ fingerprint, name: id }) as ParsedDelivery["alerts"][number]), changes: [], ...extra } as ParsedDelivery,
  });

  it("takes alert deliveries up to the size, stops before a fingerprint seen in the batch, and takes a subscription alone", () => {
    const waiting = [d("a", ["f1"]), d("b", ["f2", "f3"]), d("c", ["f1"]), d("d", ["f4"])];
    expect(takeBatch(waiting, 10).map((q) => q.parsed.deliveryId)).toEqual(["a", "b"]);
    expect(takeBatch(waiting, 10).map((q) => q.parsed.deliveryId)).toEqual(["c", "d"]);
    const more = [d("e", ["f5"]), d("f", ["f6"]), d("g", ["f7"])];
    expect(takeBatch(more, 2).map((q) => q.parsed.deliveryId)).toEqual(["e", "f"]);
    const sns = [d("s", [], { confirmUrl: "https://sns.example/confirm" }), d("h", ["f8"])];
    expect(takeBatch(sns, 10).map((q) => q.parsed.deliveryId)).toEqual(["s"]);
    expect(takeBatch(sns, 10).map((q) => q.parsed.deliveryId)).toEqual(["h"]);
  });
});
