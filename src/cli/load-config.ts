import { ConfigError, loadConfig, type Config } from "../config.ts";
import { openDb } from "../store/open.ts";
import { createStore, type Store } from "../store/store.ts";

/** The configuration for a CLI command; a bad variable is reported on stderr (then undefined: exit 2). */
export function cliConfig(): Config | undefined {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return undefined;
    }
    throw e;
  }
}

/** Runs a CLI command against the configured store (exit 2 on a bad variable); the database is closed after. */
export async function withCliStore(fn: (store: Store, config: Config) => Promise<number>): Promise<number> {
  const config = cliConfig();
  if (!config) return 2;
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await fn(createStore(db), config);
  } finally {
    await db.close();
  }
}
