import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { loadMigrations, migrate } from "../../src/store/migrate.ts";
import { dumpMigratedDatabase } from "../../src/store/pglite-db.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A dump of an empty, migrated PGlite database (see startFreshDatabasesFrom). */
    pgliteTemplate: string;
  }
}

/**
 * Vitest global setup: one empty, migrated PGlite database, dumped once and shared by every test
 * process (test/support/pglite-setup.ts points the store at it), so each test database starts from it
 * instead of paying initdb and the migrations again. Kept under the OS temp folder, named by the
 * migrations' and PGlite's versions, so a changed migration makes a new one.
 */
export default async function setup(project: TestProject): Promise<void> {
  const pglite = JSON.parse(readFileSync(new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url), "utf8")) as { version: string };
  const key = createHash("sha256").update(pglite.version).update(JSON.stringify(loadMigrations())).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), "aisre-pglite-templates");
  const path = join(dir, `${key}.tar`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const dump = await dumpMigratedDatabase(migrate);
    // Each project's global setup may build it at once: each writes its own file, the rename is atomic.
    const partial = `${path}.${randomUUID()}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path);
  }
  project.provide("pgliteTemplate", path);
}
