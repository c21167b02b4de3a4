import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { Logger } from "../log.ts";

/** Where PGlite keeps its database cluster under AISRE_DATA_DIR. */
export function embeddedDbDir(dataDir: string): string {
  return join(dataDir, "pg");
}

/** True when `dir` holds a PGlite database cluster. */
export function embeddedDbExists(dir: string): boolean {
  return existsSync(join(dir, "PG_VERSION"));
}

/** How a first start made its database: copied from the migrated template, or created (initdb) and migrated. */
export type PreparedFrom = "template" | "created" | "existing" | "failed";

interface WorkerData {
  prepareEmbeddedDb: string;
  template: string;
}

/**
 * On a first start, makes the embedded database in a worker thread, beside the main thread's
 * start-up: from the migrated template (`embeddedTemplateFile`, under a second) when there is one,
 * else by creating the cluster and migrating it (several seconds) — and then it keeps that as the
 * template, so the next fresh data folder is quick. Resolves when the worker is done; if it failed,
 * its partial folder is removed and opening the database creates it on the main thread.
 */
export function prepareEmbeddedDb(dir: string, logger?: Logger, options: { template?: string } = {}): Promise<PreparedFrom> {
  if (embeddedDbExists(dir)) return Promise.resolve("existing");
  return new Promise((resolve) => {
    void (async () => {
      const template = options.template ?? (await import("./pglite-template.ts")).embeddedTemplateFile();
      const fromTemplate = existsSync(template);
      logger?.info({ dir, template: fromTemplate ? template : undefined }, fromTemplate ? "first start: copying the migrated embedded database" : "first start: creating the embedded database (a few seconds, once)");
      const data: WorkerData = { prepareEmbeddedDb: dir, template };
      const worker = new Worker(new URL(import.meta.url), { workerData: data });
      let failure: unknown;
      let from: PreparedFrom = "failed";
      worker.on("message", (m: { from?: PreparedFrom }) => (from = m.from ?? from));
      worker.once("error", (e) => (failure = e));
      worker.once("exit", (code) => {
        if (code !== 0 || failure || !embeddedDbExists(dir)) {
          logger?.warn({ err: failure, code }, "creating the embedded database in a worker failed; creating it again");
          rmSync(dir, { recursive: true, force: true });
          return resolve("failed");
        }
        resolve(from);
      });
    })().catch((e: unknown) => {
      logger?.warn({ err: e }, "could not prepare the embedded database; opening it creates it");
      resolve("failed");
    });
  });
}

if (!isMainThread && (workerData as Partial<WorkerData> | undefined)?.prepareEmbeddedDb) {
  const data = workerData as WorkerData;
  const { prepareEmbeddedCluster } = await import("./pglite-db.ts");
  const { migrate } = await import("./migrate.ts");
  const { readTemplate, writeTemplate } = await import("./pglite-template.ts");
  const template = readTemplate(data.template);
  // A template is already migrated (its name says to which migrations): migrating it is a no-op.
  // Without one, the database just created and migrated is kept as the template for the next time.
  await prepareEmbeddedCluster(data.prepareEmbeddedDb, template, migrate, (dump) => writeTemplate(data.template, dump));
  parentPort?.postMessage({ from: template ? "template" : "created" });
}
