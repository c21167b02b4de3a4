import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Db } from "./db.ts";
import { migrate } from "./migrate.ts";
import { openPgliteDb } from "./pglite-db.ts";
import { embeddedDbDir, embeddedDbExists } from "./pglite-prepare.ts";
import { backoffMs } from "../domain/backoff.ts";

export interface OpenOptions {
  databaseUrl?: string;
  dataDir: string | "memory";
  /** Told when Postgres stops or starts answering (the process keeps running either way). */
  logger?: Logger;
  /** Keep trying to reach Postgres at start for this long, with backoff (the server answers 503 meanwhile). */
  waitForDatabaseMs?: number;
  /** The embedded database in a worker thread (the service's: its statements never stop the HTTP door). */
  worker?: boolean;
  /**
   * A data folder without a database yet gets the files of this migrated template (pglite-template.ts),
   * extracted by the database's own worker while it compiles PGlite's WebAssembly.
   */
  template?: string;
}

/** Opens the configured database and brings its schema up to date. */
export async function openDb(options: OpenOptions): Promise<Db> {
  const pgliteDir = options.dataDir === "memory" ? "memory" : embeddedDbDir(options.dataDir);
  // PGlite's first start creates its database cluster: the longest step of a first `npm start`.
  if (!options.databaseUrl && pgliteDir !== "memory" && !embeddedDbExists(pgliteDir) && !options.template) options.logger?.info({ dir: pgliteDir }, "first start: creating the embedded database (a few seconds, once)");
  const db = options.databaseUrl ? await openPostgresWithRetry(options.databaseUrl, options) : await openPgliteDb(pgliteDir, { worker: options.worker, template: options.template });
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  return db;
}

async function openPostgresWithRetry(url: string, options: OpenOptions): Promise<Db> {
  // The Postgres driver is loaded only when the store is Postgres.
  const { openPostgresDb } = await import("./pg-db.ts");
  const log = options.logger;
  const deadline = Date.now() + (options.waitForDatabaseMs ?? 0);
  for (let attempt = 0; ; attempt++) {
    try {
      return await openPostgresDb(url, {
        onHealthChange: (up, reason) => (up ? log?.info("database reachable again") : log?.error({ reason }, "database unreachable; webhooks answer 503 until it returns")),
        onConnectionError: (e) => log?.warn({ err: e }, "database connection lost"),
      });
    } catch (e) {
      if (Date.now() >= deadline) throw e;
      const delay = backoffMs(attempt, { baseMs: 100, maxMs: 2000 });
      log?.warn({ err: e, retryInMs: delay }, "database not reachable at start; retrying");
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

const DATABASE_START_WAIT_MS = 10 * 60_000;

/**
 * The configured database, schema up to date. At start Postgres may still be coming up: it keeps
 * trying (the HTTP server answers 503 meanwhile). The entry point starts it before it loads the rest
 * of the product, so PGlite's WebAssembly compiles while the modules load.
 */
export function openServiceDb(config: Pick<Config, "databaseUrl" | "dataDir">, logger: Logger, options: { template?: string } = {}): Promise<Db> {
  return openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger: logger.child({ component: "store" }), waitForDatabaseMs: DATABASE_START_WAIT_MS, worker: true, ...options });
}
