import { describe, expect, it } from "vitest";
import { migrate } from "../../src/store/migrate.ts";
import { EMBEDDED_SHARED_BUFFERS, EMBEDDED_STATISTICS_TARGET, openPgliteDb, vacuumBusyTables } from "../../src/store/pglite-db.ts";
import { createStore } from "../../src/store/store.ts";

describe("embedded database footprint", () => {
  it("runs with a small buffer cache instead of PGlite's 128 MB default", async () => {
    const db = await openPgliteDb("memory");
    try {
      const [row] = await db.query<{ shared_buffers: string }>("SHOW shared_buffers");
      expect(row?.shared_buffers).toBe(EMBEDDED_SHARED_BUFFERS);
      expect(EMBEDDED_SHARED_BUFFERS).not.toBe("128MB");
    } finally {
      await db.close();
    }
  }, 180_000);

  it("analyzes with a small statistics target: ANALYZE's sample of whole rows (300 × target) stays a few MB of the WebAssembly heap", async () => {
    const db = await openPgliteDb("memory");
    try {
      const [row] = await db.query<{ default_statistics_target: string }>("SHOW default_statistics_target");
      expect(row?.default_statistics_target).toBe(String(EMBEDDED_STATISTICS_TARGET));
      expect(EMBEDDED_STATISTICS_TARGET).toBeLessThanOrEqual(10);
    } finally {
      await db.close();
    }
  }, 180_000);

  it("vacuums its busy tables itself (no autovacuum runs in PGlite): a processed delivery leaves no dead row behind", async () => {
    const db = await openPgliteDb("memory", { vacuumMs: Number.POSITIVE_INFINITY });
    try {
      await migrate(db);
      const store = createStore(db);
      const keys = Array.from({ length: 50 }, (_, i) => `d${i}`);
      await store.deliveries.recordMany(
        keys.map((deliveryId) => ({ source: "alertmanager", deliveryId, body: {} })),
        { owner: "me", ms: 15_000 },
      );
      await store.deliveries.markProcessedMany(keys.map((k) => `alertmanager\n${k}`));
      // Statistics reach pg_stat_user_tables at most once a second unless a flush is forced: force it,
      // so the reading is this test's updates, not a race with the statistics' own timer.
      const dead = async () => {
        await db.query("SELECT pg_stat_force_next_flush()");
        return (await db.query<{ n: number; vacuums: number }>("SELECT n_dead_tup::int AS n, vacuum_count::int AS vacuums FROM pg_stat_user_tables WHERE relname = 'webhook_deliveries'"))[0];
      };
      expect(await dead()).toEqual({ n: 50, vacuums: 0 });
      await vacuumBusyTables(db);
      expect(await dead()).toEqual({ n: 0, vacuums: 1 });
    } finally {
      await db.close();
    }
  }, 180_000);
});
