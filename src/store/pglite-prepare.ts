import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isMainThread, Worker, workerData } from "node:worker_threads";
import type { Logger } from "../log.ts";

/** Where PGlite keeps its database cluster under AISRE_DATA_DIR. */
export function embeddedDbDir(dataDir: string): string {
  return join(dataDir, "pg");
}

/** True when `dir` holds a PGlite database cluster. */
export function embeddedDbExists(dir: string): boolean {
  return existsSync(join(dir, "PG_VERSION"));
}

/**
 * On a first start, creates and migrates the embedded database in a worker thread: PGlite's
 * cluster creation — the longest step of a first `npm start` — then runs on another core while the
 * main thread loads the product and starts the sandbox. Resolves when the worker is done; if it
 * failed, its partial folder is removed and opening the database creates it on the main thread.
 */
export function prepareEmbeddedDb(dir: string, logger?: Logger): Promise<void> {
  if (embeddedDbExists(dir)) return Promise.resolve();
  logger?.info({ dir }, "first start: creating the embedded database (a few seconds, once)");
  return new Promise((resolve) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { prepareEmbeddedDb: dir } });
    let failure: unknown;
    worker.once("error", (e) => (failure = e));
    worker.once("exit", (code) => {
      if (code !== 0 || failure || !embeddedDbExists(dir)) {
        logger?.warn({ err: failure, code }, "creating the embedded database in a worker failed; creating it again");
        rmSync(dir, { recursive: true, force: true });
      }
      resolve();
    });
  });
}

if (!isMainThread && (workerData as { prepareEmbeddedDb?: string } | undefined)?.prepareEmbeddedDb) {
  const { openPgliteDb } = await import("./pglite-db.ts");
  const { migrate } = await import("./migrate.ts");
  const db = await openPgliteDb((workerData as { prepareEmbeddedDb: string }).prepareEmbeddedDb);
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
}
