import { describe, expect, it } from "vitest";
import { itemAt } from "../../src/domain/indexed.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { storePerBlock, testDatabases } from "../support/databases.ts";
import { JOIN_FILTER, rowsReadBy, totalRows } from "../support/plan-rows.ts";

/**
 * The statements a replica runs on the deliveries it holds — the lease heartbeat, leases given back,
 * a batch marked processed — read about one row per key, however many deliveries wait in the store
 * (a storm's backlog), on both drivers: not every pending delivery against every key.
 */
describe.each(testDatabases())("statements on held deliveries, bounded by the keys, on $name", ({ open }) => {
  const { store, db } = storePerBlock(open);

  it("renews, gives back and marks processed a page of held deliveries reading rows in proportion to the page, not to the backlog", async () => {
    const run = `dk${Date.now()}`;
    const backlog = 3000;
    const filler = "x".repeat(900);
    for (let i = 0; i < backlog; i += 500) await store.deliveries.recordMany(Array.from({ length: 500 }, (_, k) => ({ source: k % 7 === 0 ? "generic" : "alertmanager", deliveryId: `${run}-${i + k}`, body: { n: i + k, filler } })));
    const held = (await store.deliveries.claim("replica-a", 500, 60_000)).filter((d) => d.deliveryId.startsWith(run));
    expect(held.length).toBe(500);
    const keys = held.map((d) => `${d.source}\n${d.deliveryId}`);
    // Keys of another owner's delivery and of an unknown one are in the list: neither is touched.
    const [other] = (await store.deliveries.claim("replica-b", 1, 60_000)).filter((d) => d.deliveryId.startsWith(run));
    const asked = [...keys, `${other!.source}\n${other!.deliveryId}`, `alertmanager\n${run}-none`];

    let renewed = 0;
    const renewing = await rowsReadBy(db, store.clock, async (s) => (renewed = await s.deliveries.renewLeases("replica-a", asked, 60_000)));
    expect(renewed).toBe(500);
    // A source and an id of two different keys do not make a third.
    expect(await store.deliveries.renewLeases("replica-a", [`generic\n${held.find((d) => d.source === "alertmanager")!.deliveryId}`], 60_000)).toBe(0);

    const half = keys.slice(0, 100);
    let released = 0;
    const releasing = await rowsReadBy(db, store.clock, async (s) => (released = await s.deliveries.releaseLeases("replica-a", [...half, `${other!.source}\n${other!.deliveryId}`])));
    expect(released).toBe(100);
    const marking = await rowsReadBy(db, store.clock, (s) => s.deliveries.markProcessedMany(keys.slice(100)));
    const pending = new Set((await store.deliveries.pending(10_000)).map((d) => d.deliveryId));
    expect(held.slice(100).some((d) => pending.has(d.deliveryId))).toBe(false);
    expect(held.slice(0, 100).every((d) => pending.has(d.deliveryId))).toBe(true);
    expect(pending.has(other!.deliveryId)).toBe(true);

    // EXPLAIN ANALYZE ran each statement once more: what it read, not the outcome, is asserted here.
    for (const [what, read] of [
      ["renew", renewing],
      ["release", releasing],
      ["mark", marking],
    ] as const) {
      expect(read.get(JOIN_FILTER) ?? 0, what).toBeLessThan(1000);
      expect(totalRows(read), what).toBeLessThan(4 * backlog);
    }
  });

  it("leases a delivery in place: a heap-only update, no index entry written", async () => {
    const run = `hot${Date.now()}`;
    // Only this test's deliveries wait (an earlier test's are processed).
    await store.deliveries.markProcessedMany((await store.deliveries.pending(100_000)).map((d) => `${d.source}\n${d.deliveryId}`));
    const filler = "x".repeat(900);
    await store.deliveries.recordMany(Array.from({ length: 200 }, (_, k) => ({ source: "alertmanager", deliveryId: `${run}-${k}`, body: { k, filler } })));
    // Counted inside a transaction (the statistics of the transaction so far: no wait for them to be reported).
    const updates = (fn: (s: Store) => Promise<unknown>) =>
      db.transaction(async (tx) => {
        const count = async () => itemAt(await tx.query<{ n: number; hot: number }>("SELECT coalesce(sum(n_tup_upd), 0)::int AS n, coalesce(sum(n_tup_hot_upd), 0)::int AS hot FROM pg_stat_xact_user_tables WHERE relname = 'webhook_deliveries'"), 0);
        const before = await count();
        await fn(createStore(tx, store.clock));
        const after = await count();
        return { all: Number(after.n) - Number(before.n), hot: Number(after.hot) - Number(before.hot) };
      });
    const claiming = await updates((s) => s.deliveries.claim("replica-a", 200, 60_000));
    expect(claiming.all).toBe(200);
    // Without the free half of each page: 8 of 200. (A heartbeat's is heap-only too once the claim's
    // old versions are pruned, which waits for every older snapshot: not asserted.)
    expect(claiming.hot).toBeGreaterThanOrEqual(0.9 * claiming.all);
  });
});
