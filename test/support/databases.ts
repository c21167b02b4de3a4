import { afterAll, afterEach, beforeAll, inject } from "vitest";
import type { Db } from "../../src/store/db.ts";
import { clockOf } from "../../src/domain/clock.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import { openDb } from "../../src/store/open.ts";
import { openPostgresDb } from "../../src/store/pg-db.ts";
import { itemAt } from "../../src/domain/indexed.ts";
import { reusedDatabases } from "./reused-databases.ts";
import { createScratchDatabase, dropScratchDatabase } from "./scratch-databases.ts";

export interface TestDatabase {
  name: string;
  /** A fresh, migrated, empty database. */
  open(): Promise<Db>;
}

/**
 * A throwaway database on the test Postgres server, dropped when the Db closes: a copy of the run's
 * migrated template (test/support/postgres-template.ts) when there is one, migrated as it opens.
 */
export async function freshPostgres(baseUrl: string): Promise<Db> {
  const { name, url } = await createScratchDatabase(baseUrl, { template: inject("postgresTemplate") });
  const db = await openDb({ databaseUrl: url, dataDir: "memory" });
  const close = db.close.bind(db);
  db.close = async () => {
    await close();
    await dropScratchDatabase(baseUrl, name);
  };
  return db;
}

/** An empty, migrated PGlite database in memory (from the test setup's template). */
const pgliteInMemory: TestDatabase = { name: "pglite", open: () => openDb({ dataDir: "memory" }) };

/** PGlite always; real Postgres too when TEST_DATABASE_URL is set (CI sets it). */
export function testDatabases(): TestDatabase[] {
  const list: TestDatabase[] = [pgliteInMemory];
  const url = process.env.TEST_DATABASE_URL;
  if (url) list.push({ name: "postgres", open: () => freshPostgres(url) });
  return list;
}

/** A second pool on the same database as `db`: another replica (PGlite is one process: the same Db). */
export async function secondReplica(db: Db): Promise<Db> {
  if (db.driver === "pglite") return db;
  const { current_database } = itemAt(await db.query<{ current_database: string }>("SELECT current_database()"), 0);
  const u = new URL(process.env.TEST_DATABASE_URL!);
  u.pathname = `/${current_database}`;
  return openPostgresDb(u.toString());
}

/** PGlite in memory is reusedDatabases' own kind (it may take one an earlier file left): no `create`. */
const reusedCreate = (open: () => Promise<Db>) => (open === pgliteInMemory.open ? undefined : open);

/**
 * For one describe block: `open()` gives an empty, migrated database of `tdb`'s kind — one an earlier
 * test of the block closed, emptied (reusedDatabases: a new database costs 0.4–0.9 s of CPU), or a new
 * one; after each test the closers in `cleanup` (the databases, and whatever the test pushes) run,
 * newest first.
 */
export function perTestDatabases(tdb: TestDatabase): { open(): Promise<Db>; cleanup: Array<() => Promise<void>> } {
  const cleanup: Array<() => Promise<void>> = [];
  const databases = reusedDatabases(reusedCreate(tdb.open));
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
  });
  const open = async () => {
    const db = await databases.open();
    cleanup.push(() => db.close());
    return db;
  };
  return { open, cleanup };
}

/**
 * The set-up of one store contract block (`describe.each(testDatabases())`): an empty migrated
 * database of the block's kind (reusedDatabases: for PGlite, maybe one an earlier file left,
 * emptied), opened before its tests and closed after them, and a store over it on `now` when given
 * (the tests move it), else the wall clock. `db` stands for the block's database (ready inside the
 * tests), so both can be named at the block's top.
 */
export function storePerBlock(open: () => Promise<Db>, now?: () => number): { db: Db; store: Store } {
  const databases = reusedDatabases(reusedCreate(open));
  let opened: Db | undefined;
  beforeAll(async () => {
    opened = await databases.open();
  });
  afterAll(async () => {
    await opened?.close();
  });
  const real = (): Db => {
    if (!opened) throw new Error("the store contract's database is open only inside its tests");
    return opened;
  };
  const db: Db = {
    get driver() {
      return real().driver;
    },
    get health() {
      return real().health;
    },
    query: (sql, params) => real().query(sql, params),
    exec: (sql) => real().exec(sql),
    transaction: (fn) => real().transaction(fn),
    tryAdvisoryLock: (key, onLost) => real().tryAdvisoryLock(key, onLost),
    close: () => real().close(),
  };
  return { db, store: now ? createStore(db, clockOf(now)) : createStore(db) };
}
