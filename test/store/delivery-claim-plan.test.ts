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
});
