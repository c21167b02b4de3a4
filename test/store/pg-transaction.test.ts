import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/store/db.ts";
import { openPostgresDb } from "../../src/store/pg-db.ts";

const url = process.env.TEST_DATABASE_URL;

/**
 * Statements started together on a transaction (Promise.all over a transaction's store, as the
 * incident service's open views do) run one at a time: pg is never asked to queue a query behind
 * a running one (deprecated, removed in pg@9).
 */
describe.skipIf(!url)("a Postgres transaction's concurrent statements", () => {
  let db: Db;
  const warnings: string[] = [];
  const onWarning = (w: Error) => void warnings.push(w.message);

  beforeAll(async () => {
    process.on("warning", onWarning);
    db = await openPostgresDb(url!);
  });
  afterAll(async () => {
    process.off("warning", onWarning);
    await db?.close();
  });

  it("run in the order they were started, each after the one before, and the transaction commits after them", async () => {
    const results = await db.transaction(async (tx) => {
      await tx.query("CREATE TEMP TABLE seen (n int) ON COMMIT DROP");
      const started = [1, 2, 3].map((n) => tx.query<{ n: number }>("INSERT INTO seen SELECT $1::int FROM pg_sleep(0.01) RETURNING n", [n]));
      const nested = tx.transaction((inner) => inner.query<{ count: string }>("SELECT count(*)::text AS count FROM seen"));
      const [rows, counted] = await Promise.all([Promise.all(started), nested]);
      return { rows: rows.map((r) => r[0]?.n), counted: counted[0]?.count };
    });
    await new Promise((r) => setImmediate(r));
    expect(results).toEqual({ rows: [1, 2, 3], counted: "3" });
    expect(warnings.filter((w) => w.includes("already executing a query"))).toEqual([]);
  });

  it("a failed statement does not hold up the next: the transaction rolls back with its error", async () => {
    await expect(
      db.transaction(async (tx) => {
        const [bad, good] = await Promise.allSettled([tx.query("SELECT 1/0"), tx.query("SELECT 1 AS one")]);
        expect(bad.status).toBe("rejected");
        expect(good.status).toBe("rejected"); // the transaction is aborted after the error: Postgres refuses the next one
        throw new Error("stop");
      }),
    ).rejects.toThrow("stop");
    expect(await db.query<{ one: number }>("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });
});
