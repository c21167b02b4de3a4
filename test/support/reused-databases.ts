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
 * In-memory PGlite databases a finished file (or block) left, for the next file of the same test
 * process (files share their worker: isolate: false): every such database starts as the same
 * migrated template, so one emptied serves as well as a new one. At most one is kept.
 */
const spare: Kept[] = [];
const SPARE_MAX = 1;

/**
 * Databases reused by the tests of one file (or describe block) instead of one new database each:
 * `open()` gives an empty, migrated database — one a previous test closed (or, for PGlite in memory,
 * one an earlier file of this process left), emptied: every table truncated, sequences restarted,
 * PGlite's advisory locks released; else a new one (`create`; PGlite in memory when omitted). A
 * database not closed yet is never given again, so a test that opens two gets two. Opening one
 * costs 0.3–0.9 s of CPU (PGlite starting from the migrated template; CREATE DATABASE … TEMPLATE on
 * Postgres), emptying one ~50 ms. After the block the databases close (Postgres: are dropped), but
 * one closed PGlite database in memory that stays for the next file.
 *
 * PGlite: the test's handle is the one instance's, refused once closed. Postgres: a pool of the
 * test's own on the kept database (closing it ends its connections and their session locks).
 */
export function reusedDatabases(create?: () => Promise<Db>): { open(): Promise<Db> } {
  const all: Kept[] = [];
  const idle: Kept[] = [];
  afterAll(async () => {
    for (const kept of all.splice(0).reverse()) {
      if (!create && idle.includes(kept) && spare.length < SPARE_MAX) spare.push(kept);
      else await kept.db.close();
    }
    idle.length = 0;
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
    let reused = idle.pop();
    if (!reused && !create) {
      reused = spare.pop();
      if (reused) all.push(reused);
    }
    if (reused) {
      await reused.db.exec(reused.db.driver === "pglite" ? `${reused.empty}; SELECT pg_advisory_unlock_all()` : reused.empty);
      return lend(reused);
    }
    const db = await (create ?? (() => openDb({ dataDir: "memory" })))();
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
