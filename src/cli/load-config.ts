import { setFlagsFromString } from "node:v8";
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

/**
 * A one-shot command's embedded Postgres (PGlite's WebAssembly) stays on V8's baseline code: a few
 * statements make its largest functions hot enough for V8 to optimise them in the background
 * (~2-3 s of CPU: one function alone is 100 KB of WebAssembly), and the process waits for that
 * compile to end before it exits: `aisre deliveries list` took ~2.6 s (3 s of CPU) for ~0.8 s of its
 * own work. Called before the store opens (the budget is read when PGlite's module is instantiated);
 * the long-running bot keeps V8's default.
 */
export function baselineWasmOnly(): void {
  setFlagsFromString("--wasm-tiering-budget=1000000000");
}

/** Runs a CLI command against the configured store (exit 2 on a bad variable); the database is closed after. */
export async function withCliStore(fn: (store: Store, config: Config) => Promise<number>): Promise<number> {
  const config = cliConfig();
  if (!config) return 2;
  baselineWasmOnly();
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await fn(createStore(db), config);
  } finally {
    await db.close();
  }
}
