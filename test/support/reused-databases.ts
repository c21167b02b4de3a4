import { afterAll } from "vitest";
import type { Db } from "../../src/store/db.ts";
import { openDb } from "../../src/store/open.ts";
import { openPostgresDb } from "../../src/store/pg-db.ts";

/**
 * The statement that empties a migrated database: every table but the migrations' own ledger,
 * truncated at once (foreign keys among them need no order), their sequences restarted (ids start
 * at 1 again, as in a new database).
 */
async function emptyingStatement(db: Db): Promise<string> {
  const rows = await db.query<{ name: string }>("SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename <> 'schema_migrations' ORDER BY 1");
  return `TRUNCATE ${rows.map((r) => r.name).join(", ")} RESTART IDENTITY`;
}

interface Kept {
  /** The database's own handle (PGlite's one instance; Postgres: the pool whose close drops it). */
  db: Db;
  empty: string;
  /** Postgres: the database's URL, each test gets a pool of its own on it. */
  url?: string;
}

/**
 * A PGlite handle for one test: the shared instance until the test closes it, then refused like a
 * closed database (a loop the test left running fails as it did on its own database, never writes
 * into the next test's). Its advisory locks' releases are refused after the close too.
 */
function lentPglite(db: Db, onClose: () => void): Db {
  let closed = false;
  const open = (): Db => {
    if (closed) throw new Error("the test's database is closed");
    return db;
  };
  return {
    get driver() {
      return db.driver;
    },
    get health() {
      return db.health;
    },
    query: async (sql, params) => open().query(sql, params),
    exec: async (sql) => open().exec(sql),
    transaction: async (fn) => open().transaction(fn),
    async tryAdvisoryLock(key, onLost) {
      const release = await open().tryAdvisoryLock(key, onLost);
      return release && (async () => (closed ? undefined : release()));
    },
    async close() {
      if (closed) return;
      closed = true;
      onClose();
    },
  };
}

/**
 * Databases reused by the tests of one file (or describe block) instead of one new database each:
 * `open()` gives an empty, migrated database — the first time a new one (`create`, PGlite in memory
 * by default), later one a previous test closed, emptied (every table truncated, sequences
 * restarted, PGlite's advisory locks released). A database not closed yet is never given again, so
 * a test that opens two gets two. Opening one costs 0.4–0.9 s of CPU (PGlite starting from the
 * migrated template; CREATE DATABASE … TEMPLATE on Postgres), emptying one ~50 ms. The databases
 * close (Postgres: are dropped) after the block.
 *
 * PGlite: the test's handle is the one instance's, refused once closed. Postgres: a pool of the
 * test's own on the kept database (closing it ends its connections and their session locks).
 */
export function reusedDatabases(create: () => Promise<Db> = () => openDb({ dataDir: "memory" })): { open(): Promise<Db> } {
  const all: Kept[] = [];
  const idle: Kept[] = [];
  afterAll(async () => {
    idle.length = 0;
    while (all.length) await all.pop()!.db.close();
  });
  const lend = async (kept: Kept): Promise<Db> => {
    const back = () => {
      idle.push(kept);
    };
    if (kept.db.driver === "pglite") return lentPglite(kept.db, back);
    const pool = await openPostgresDb(kept.url!);
    const close = pool.close.bind(pool);
    let closed = false;
    pool.close = async () => {
      if (closed) return;
      closed = true;
      await close();
      back();
    };
    return pool;
  };
  const open = async (): Promise<Db> => {
    const reused = idle.pop();
    if (reused) {
      await reused.db.exec(reused.db.driver === "pglite" ? `${reused.empty}; SELECT pg_advisory_unlock_all()` : reused.empty);
      return lend(reused);
    }
    const db = await create();
    const kept: Kept = { db, empty: await emptyingStatement(db) };
    all.push(kept);
    if (db.driver === "postgres") {
      const [row] = await db.query<{ name: string }>("SELECT current_database() AS name");
      const u = new URL(process.env.TEST_DATABASE_URL!);
      u.pathname = `/${row!.name}`;
      kept.url = u.toString();
    }
    return lend(kept);
  };
  return { open };
}
