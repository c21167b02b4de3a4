import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Db } from "./db.ts";
import { withLock } from "./locks.ts";

const migrationsDir = fileURLToPath(new URL("./migrations/", import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const migrationFiles = () =>
  readdirSync(migrationsDir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
const versionOf = (file: string) => Number(file.split("_")[0]);

/** `NNN_name.sql` files in ./migrations, in version order. */
export function loadMigrations(): Migration[] {
  return migrationFiles().map((f) => ({ version: versionOf(f), name: f.replace(/\.sql$/, ""), sql: readFileSync(migrationsDir + f, "utf8") }));
}

/** The versions this code knows: they ship with it, so they are listed once (a readiness probe asks every few seconds). */
let knownVersions: number[] | undefined;

/**
 * Applies the migrations not yet applied, each in its own transaction. Replicas starting together
 * serialise on a transaction-scoped advisory lock so each migration runs once. The versions applied
 * are read once first: a start whose schema is current (every restart) makes two statements, not a
 * locked transaction of four per migration; a migration seen missing is still checked again under
 * the lock (another replica may apply it meanwhile).
 */
export async function migrate(db: Db): Promise<number[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  const have = new Set((await db.query<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of loadMigrations().filter((x) => !have.has(x.version))) {
    const did = await withLock(db, "migration", async (tx) => {
      const done = await tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", [m.version]);
      if (done.length > 0) return false;
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      return true;
    });
    if (did) applied.push(m.version);
  }
  return applied;
}

/** True when every known migration is applied (readiness). */
export async function migrationsCurrent(db: Db): Promise<boolean> {
  const rows = await db.query<{ version: number }>("SELECT version FROM schema_migrations");
  const have = new Set(rows.map((r) => Number(r.version)));
  knownVersions ??= migrationFiles().map(versionOf);
  return knownVersions.every((v) => have.has(v));
}
