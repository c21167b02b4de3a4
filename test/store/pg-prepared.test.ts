import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../src/store/db.ts";
import { openPostgresDb } from "../../src/store/pg-db.ts";

const url = process.env.TEST_DATABASE_URL;

/**
 * A statement run many times a second (the webhook door's group insert) is prepared once per
 * connection under its name (`prepareAs`), then only bound and run: Postgres keeps it in the
 * session's pg_prepared_statements.
 */
describe.skipIf(!url)("a Postgres statement prepared by name", () => {
  let db: Db;

  beforeAll(async () => {
    // One connection: the statements and the look at the session's prepared ones share it.
    db = await openPostgresDb(url!, { max: 1 });
  });
  afterAll(async () => {
    await db?.close();
  });

  it("is parsed once on the connection and answers every run", async () => {
    const sql = "SELECT $1::int * 2 AS doubled";
    const runs = [];
    for (const n of [1, 2, 3]) runs.push((await db.query<{ doubled: number }>(sql, [n], { prepareAs: "aisre_test_double" }))[0]?.doubled);
    expect(runs).toEqual([2, 4, 6]);
    const prepared = await db.query<{ name: string; statement: string }>("SELECT name, statement FROM pg_prepared_statements WHERE name = 'aisre_test_double'");
    expect(prepared).toEqual([{ name: "aisre_test_double", statement: sql }]);
    // Without a name nothing is kept.
    await db.query("SELECT $1::int + 1 AS next", [1]);
    expect((await db.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_prepared_statements")).map((r) => r.n)).toEqual(["1"]);
  });
});
