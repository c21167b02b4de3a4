import { ConfigError, loadConfig, type Config } from "../config.ts";

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
