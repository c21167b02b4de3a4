import { existsSync, readFileSync, rmSync } from "node:fs";
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
  /** Copy the template's files, or create (initdb), migrate and keep the template. */
  mode: "copy" | "create";
}

/**
 * On a first start, makes the embedded database in a worker thread, beside the main thread's
 * start-up. From the migrated template (`embeddedTemplateFile`) when there is one: its files are
 * extracted into the data folder (no database start-up at all), and opening it is then like any
 * restart. Without one (or if it cannot be copied), the worker creates the cluster and migrates it
 * (several seconds) and keeps it as the template, so the next fresh data folder is quick. Resolves
 * when done; if it failed, any partial folder is removed and opening the database creates it on
 * the main thread.
 */
export function prepareEmbeddedDb(dir: string, logger?: Logger, options: { template?: string } = {}): Promise<PreparedFrom> {
  if (embeddedDbExists(dir)) return Promise.resolve("existing");
  const inWorker = (data: WorkerData): Promise<{ from: PreparedFrom; error?: string }> =>
    new Promise((resolve) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: data });
      let result: { from: PreparedFrom; error?: string } = { from: "failed" };
      worker.on("message", (m: { from: PreparedFrom; error?: string }) => (result = m));
      worker.once("error", (e) => (result = { from: "failed", error: e instanceof Error ? e.message : String(e) }));
      worker.once("exit", (code) => resolve(code === 0 && embeddedDbExists(dir) ? result : { from: "failed", error: result.error ?? `worker exited with ${code}` }));
    });
  return (async (): Promise<PreparedFrom> => {
    const { embeddedTemplateFile } = await import("./pglite-template.ts");
    const template = options.template ?? embeddedTemplateFile();
    if (existsSync(template)) {
      const copied = await inWorker({ prepareEmbeddedDb: dir, template, mode: "copy" });
      if (copied.from === "template") {
        logger?.info({ dir, template }, "first start: embedded database copied from the migrated template");
        return "template";
      }
      logger?.warn({ err: copied.error, template }, "could not copy the embedded-database template; creating the database");
    }
    logger?.info({ dir }, "first start: creating the embedded database (a few seconds, once)");
    const created = await inWorker({ prepareEmbeddedDb: dir, template, mode: "create" });
    if (created.from !== "created") {
      logger?.warn({ err: created.error }, "creating the embedded database in a worker failed; creating it again");
      rmSync(dir, { recursive: true, force: true });
    }
    return created.from;
  })().catch((e: unknown) => {
    logger?.warn({ err: e }, "could not prepare the embedded database; opening it creates it");
    return "failed" as const;
  });
}

if (!isMainThread && (workerData as Partial<WorkerData> | undefined)?.prepareEmbeddedDb) {
  const data = workerData as WorkerData;
  if (data.mode === "copy") {
    // Extracting 40 MB of files here leaves the main thread to load the product meanwhile.
    const { extractTemplate } = await import("./pglite-template.ts");
    try {
      extractTemplate(readFileSync(data.template), data.prepareEmbeddedDb);
      parentPort?.postMessage({ from: "template" });
    } catch (e) {
      parentPort?.postMessage({ from: "failed", error: e instanceof Error ? e.message : String(e) });
    }
  } else {
    const { createEmbeddedCluster } = await import("./pglite-db.ts");
    const { migrate } = await import("./migrate.ts");
    const { writeTemplate } = await import("./pglite-template.ts");
    // The database just created and migrated is kept as the template for the next fresh folder
    // (replacing one that could not be copied).
    await createEmbeddedCluster(data.prepareEmbeddedDb, migrate, (dump) => writeTemplate(data.template, dump));
    parentPort?.postMessage({ from: "created" });
  }
}
