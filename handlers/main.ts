import { ConfigError, loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { embeddedDbDir, prepareEmbeddedDb } from "../src/store/pglite-prepare.ts";
import type { RunningAisre } from "./app.ts";

/** Process entry for `npm start`: config, start, and a graceful stop on SIGTERM/SIGINT. */
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(`aisre needs Node 24 or newer (this is ${process.version}). Use "npm start", which runs the project's bundled Node 24.\n`);
  process.exit(1);
}

let config;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n\naisre did not start. Fix the variables above (see README.md, "Configuration").\n`);
    process.exit(1);
  }
  throw e;
}

const logger = createLogger({ level: config.logLevel, format: config.logFormat });
// A first start creates the embedded database on another core while the product loads (imported
// only now, so that the two overlap) and the sandbox starts.
const databaseReady = config.databaseUrl ? undefined : prepareEmbeddedDb(embeddedDbDir(config.dataDir), logger.child({ component: "store" }));
const { startAisre } = await import("./app.ts");
const { installProcessGuards } = await import("./process-guards.ts");
let running: RunningAisre | undefined;
installProcessGuards(logger, () => running?.services.metrics.errors.inc({ code: "unhandled_rejection" }));
running = await startAisre(config, { logger, databaseReady });
const started = running;
if (started.sandbox) {
  process.stdout.write(`\n  aisre is running.\n  Sandbox workspace: ${started.sandbox.url.replace("127.0.0.1", "localhost")}/\n  Bot endpoint:      ${started.url}/slack/events\n\n`);
}

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    started.close().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, "unclean stop");
        process.exit(1);
      },
    );
  });
}
