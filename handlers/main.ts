import { ConfigError, loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { startAisre } from "./app.ts";
import { installProcessGuards } from "./process-guards.ts";

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
let running: Awaited<ReturnType<typeof startAisre>> | undefined;
installProcessGuards(logger, () => running?.services.metrics.errors.inc({ code: "unhandled_rejection" }));
running = await startAisre(config, { logger });
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
