import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Db } from "../../src/store/db.ts";
import { openDb } from "../../src/store/open.ts";

export interface TestDatabase {
  name: string;
  /** A fresh, migrated, empty database. */
  open(): Promise<Db>;
}

/** A throwaway database on the test Postgres server, dropped when the Db closes. */
export async function freshPostgres(baseUrl: string): Promise<Db> {
  const name = `aisre_test_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const db = await openDb({ databaseUrl: url.toString(), dataDir: "memory" });
  const close = db.close.bind(db);
  db.close = async () => {
    await close();
    const drop = new pg.Client({ connectionString: baseUrl });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await drop.end();
  };
  return db;
}

/** PGlite always; real Postgres too when TEST_DATABASE_URL is set (CI sets it). */
export function testDatabases(): TestDatabase[] {
  const list: TestDatabase[] = [{ name: "pglite", open: () => openDb({ dataDir: "memory" }) }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) list.push({ name: "postgres", open: () => freshPostgres(url) });
  return list;
}
