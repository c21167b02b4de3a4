import type { Config } from "../config.ts";
import { createLogger, type Logger } from "../log.ts";
import { createAppMetrics, type AppMetrics } from "../observability/metrics.ts";
import type { Db } from "../store/db.ts";
import { migrationsCurrent } from "../store/migrate.ts";
import { openDb } from "../store/open.ts";
import { createStore, type Store } from "../store/store.ts";

/**
 * Everything the Slack listeners and webhooks need, built from config. No Bolt here: the Slack app
 * is assembled in handlers/app.ts on top of these services.
 */
export interface Services {
  config: Config;
  logger: Logger;
  metrics: AppMetrics;
  db: Db;
  store: Store;
  /** Store reachable and schema current: what /readyz reports. */
  ready(): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
}

export async function buildServices(config: Config, options: { logger?: Logger } = {}): Promise<Services> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const store = createStore(db);
  const metrics = createAppMetrics();
  return {
    config,
    logger,
    metrics,
    db,
    store,
    async ready() {
      try {
        return (await migrationsCurrent(db)) ? { ok: true, detail: "store reachable, migrations applied" } : { ok: false, detail: "migrations pending" };
      } catch (e) {
        return { ok: false, detail: `store unreachable: ${e instanceof Error ? e.message : String(e)}` };
      }
    },
    async close() {
      await db.close();
    },
  };
}
