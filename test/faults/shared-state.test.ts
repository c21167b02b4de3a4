import { afterEach, describe, expect, it } from "vitest";
import type { Db } from "../../src/store/db.ts";
import { openPostgresDb } from "../../src/store/pg-db.ts";
import { createStore } from "../../src/store/store.ts";
import { testDatabases } from "../support/databases.ts";

/** A second pool on the same database: another replica (PGlite is one process: the same Db). */
async function secondReplica(db: Db): Promise<Db> {
  if (db.driver === "pglite") return db;
  const [{ current_database }] = await db.query<{ current_database: string }>("SELECT current_database()");
  const u = new URL(process.env.TEST_DATABASE_URL!);
  u.pathname = `/${current_database}`;
  return openPostgresDb(u.toString());
}

describe.each(testDatabases())("state shared by replicas on $name", (tdb) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
  });

  it("lets exactly one replica handle a Slack event that reaches several (retries land anywhere)", async () => {
    const db = await tdb.open();
    cleanup.push(() => db.close());
    const other = await secondReplica(db);
    if (other !== db) cleanup.push(() => other.close());
    const [a, b] = [createStore(db), createStore(other)];
    const ids = Array.from({ length: 50 }, (_, i) => `Ev${i}`);
    const results = await Promise.all(ids.flatMap((id) => [a.slackEvents.claim(id, "app_mention"), b.slackEvents.claim(id, "app_mention")]));
    expect(results.filter(Boolean).length).toBe(ids.length);
    expect(await a.slackEvents.claim("Ev0", "app_mention")).toBe(false);
  });
});
