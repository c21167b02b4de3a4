import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { migrate } from "../../src/store/migrate.ts";
import { dumpMigratedDatabase } from "../../src/store/pglite-db.ts";
import { embeddedTemplateFile, templateKey, writeTemplate } from "../../src/store/pglite-template.ts";
import { enableCompileCacheForAllThreads } from "../../src/config.ts";

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
  warmWorkerModules();
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

/** The modules the product's worker threads load (their entries and what those import at run time). */
export const WORKER_MODULES = ["../../src/charts/render-worker.ts", "../../src/store/pglite-worker.ts", "../../src/store/pglite-template.ts"];

/**
 * Strips and compiles the worker threads' modules into Node's compile cache once, in a process of its
 * own, before any test starts a worker: the tests' worker threads then never start Node's TypeScript
 * stripper (see enableCompileCacheForAllThreads). The cache is keyed by path, so a new checkout starts cold.
 */
function warmWorkerModules(): void {
  enableCompileCacheForAllThreads();
  const urls = WORKER_MODULES.map((m) => new URL(m, import.meta.url).href);
  execFileSync(process.execPath, ["--input-type=module", "-e", `await Promise.all(${JSON.stringify(urls)}.map((u) => import(u)));`], { stdio: "inherit" });
}
