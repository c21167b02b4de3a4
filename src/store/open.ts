import type { Db } from "./db.ts";
import { migrate } from "./migrate.ts";
import { openPgliteDb } from "./pglite-db.ts";
import { openPostgresDb } from "./pg-db.ts";

/** Opens the configured database and brings its schema up to date. */
export async function openDb(options: { databaseUrl?: string; dataDir: string | "memory" }): Promise<Db> {
  const db = options.databaseUrl ? await openPostgresDb(options.databaseUrl) : await openPgliteDb(options.dataDir === "memory" ? "memory" : `${options.dataDir}/pg`);
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  return db;
}
