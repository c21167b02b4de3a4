import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { openDb } from "../../src/store/open.ts";
import { templateKey } from "../../src/store/pglite-template.ts";
import { adminQuery, dropScratchDatabase, scratchName } from "./scratch-databases.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** An empty, migrated database on TEST_DATABASE_URL's server that fresh test databases are copied from (see freshPostgres). */
    postgresTemplate: string | undefined;
  }
}

/**
 * Vitest global setup, with TEST_DATABASE_URL: one empty, migrated Postgres database on its server,
 * marked a template, that every fresh test database is created from (CREATE DATABASE … TEMPLATE),
 * as test/support/pglite-template.ts does for PGlite: a test database then costs a file copy instead
 * of every migration (~1 s a database, several hundred of them in the suite). Named by the
 * migrations (the PGlite template's key), so a changed migration makes a new one; the migrations
 * still run on real Postgres from nothing once, here.
 */
export default async function setup(project: TestProject): Promise<void> {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) return project.provide("postgresTemplate", undefined);
  const name = scratchName(admin, `tpl_${templateKey()}`);
  if ((await adminQuery(admin, "SELECT 1 FROM pg_database WHERE datname = $1", [name])).length === 0) {
    // Made under a name of its own, then renamed: two runs at once each make one, the first rename wins.
    const partial = scratchName(admin, `tpl_${randomBytes(5).toString("hex")}`);
    await adminQuery(admin, `CREATE DATABASE ${partial}`);
    try {
      const url = new URL(admin);
      url.pathname = `/${partial}`;
      const db = await openDb({ databaseUrl: url.toString(), dataDir: "memory" });
      await db.close();
      await adminQuery(admin, `ALTER DATABASE ${partial} RENAME TO ${name}`);
      await adminQuery(admin, `ALTER DATABASE ${name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    } catch (e) {
      await dropScratchDatabase(admin, partial);
      if ((await adminQuery(admin, "SELECT 1 FROM pg_database WHERE datname = $1", [name])).length === 0) throw e;
    }
  }
  project.provide("postgresTemplate", name);
}
