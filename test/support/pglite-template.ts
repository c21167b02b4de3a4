import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { migrate } from "../../src/store/migrate.ts";
import { dumpMigratedDatabase } from "../../src/store/pglite-db.ts";
import { embeddedTemplateFile, templateKey, writeTemplate } from "../../src/store/pglite-template.ts";

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
  const key = templateKey();
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
  // The same dump is the product's template (node_modules/.cache, made by `npm install`): the CLI
  // tests' child processes start their databases in memory from it. After a migration lands it is
  // missing until the product's next first start, and each of them paid initdb and every migration.
  const product = embeddedTemplateFile(key);
  if (!existsSync(product)) await writeTemplate(product, new Blob([readFileSync(path)]));
  project.provide("pgliteTemplate", path);
}
