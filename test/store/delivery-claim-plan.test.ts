import { describe, expect, it } from "vitest";
import { vacuumBusyTables } from "../../src/store/pglite-db.ts";
import { storePerBlock, testDatabases } from "../support/databases.ts";
import { rowsReadBy, totalRows } from "../support/plan-rows.ts";

/**
 * The embedded database runs no autovacuum: its periodic pass over the busy tables (vacuumBusyTables)
 * also gathers the deliveries' statistics, so a claim takes its page by walking the pending index in
 * arrival order instead of reading and sorting the whole backlog.
 */
describe.each(testDatabases().filter((d) => d.name === "pglite"))("claiming a page of a backlog on $name", ({ open }) => {
  const { store, db } = storePerBlock(open);

  it("reads about a page of rows once the busy tables' pass has run, however long the backlog", async () => {
    const run = `cp${Date.now()}`;
    const backlog = 3000;
    const filler = "x".repeat(600);
    for (let i = 0; i < backlog; i += 500) await store.deliveries.recordMany(Array.from({ length: 500 }, (_, k) => ({ source: "alertmanager", deliveryId: `${run}-${i + k}`, body: { n: i + k, filler } })));
    await vacuumBusyTables(db);
    let claimed = 0;
    const read = await rowsReadBy(db, store.clock, async (s) => (claimed = (await s.deliveries.claim("replica-a", 100, 60_000)).length));
    expect(claimed).toBe(100);
    // Before: every pending delivery (3,000), read and sorted. EXPLAIN ANALYZE claimed a second page.
    expect(totalRows(read)).toBeLessThan(1000);
  });

  it("gathers the statistics from a sample of a few thousand rows, without the bodies' JSON", async () => {
    const run = `st${Date.now()}`;
    const filler = "x".repeat(600);
    for (let i = 0; i < 4000; i += 500) await store.deliveries.recordMany(Array.from({ length: 500 }, (_, k) => ({ source: "alertmanager", deliveryId: `${run}-${i + k}`, body: { n: i + k, filler } })));
    await vacuumBusyTables(db);
    const stats = await db.query<{ attname: string; bounds: number | null }>("SELECT attname::text AS attname, array_length(histogram_bounds::text::text[], 1) AS bounds FROM pg_stats WHERE tablename = 'webhook_deliveries'");
    const of = new Map(stats.map((r) => [r.attname, r.bounds === null ? 0 : Number(r.bounds)]));
    // The bodies' JSON (and the errors) are not analysed at all: before, every sampled body was.
    expect(of.has("body")).toBe(false);
    expect(of.has("error")).toBe(false);
    // The embedded database's target of 10 (EMBEDDED_STATISTICS_TARGET): at most 11 histogram bounds.
    expect(of.get("received_at")).toBeGreaterThan(0);
    expect(of.get("received_at")).toBeLessThanOrEqual(11);
    expect(of.get("arrival")).toBeLessThanOrEqual(11);
  });
});
