import { enableCompileCache } from "node:module";
import { ConfigError, loadConfig, processEnv } from "../src/config.ts";
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
  // Modules type-stripped and compiled once are reused by the next start (Node's cache in the temp folder).
  enableCompileCache();
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n\naisre did not start. Fix the variables above (see README.md, "Configuration").\n`);
    process.exit(1);
  }
  throw e;
}

const logger = createLogger({ level: config.logLevel, format: config.logFormat });
// With AISRE_SANDBOX_PROCESS=true the local sandbox (what stands for Slack, Kubernetes, Prometheus,
// Jira, PagerDuty) runs in a process of its own: its simulation then never competes with the
// product's event loop and heap. It starts first, so that it comes up while the product loads.
let sandboxProcess: import("./sandbox-process.ts").SandboxProcess | undefined;
let stopping = false;
if (config.needsSandbox && !config.env.AISRE_SANDBOX_URL && config.env.AISRE_SANDBOX_PROCESS === true) {
  const { startSandboxProcess } = await import("./sandbox-process.ts");
  sandboxProcess = await startSandboxProcess({ env: processEnv(), port: config.sandboxPort, host: config.host, logger });
  config = loadConfig(processEnv({ SANDBOX_PORT: String(sandboxProcess.port), AISRE_SANDBOX_URL: sandboxProcess.url }));
  void sandboxProcess.exited.then(() => {
    if (!stopping) process.exit(1);
  });
}
// A first start creates the embedded database on another core while the product loads (imported
// only now, so that the two overlap) and the sandbox starts.
const databaseReady = config.databaseUrl ? undefined : prepareEmbeddedDb(embeddedDbDir(config.dataDir), logger.child({ component: "store" }));
const { startAisre } = await import("./app.ts");
const { installProcessGuards } = await import("./process-guards.ts");
let running: RunningAisre | undefined;
installProcessGuards(logger, () => running?.services.metrics.errors.inc({ code: "unhandled_rejection" }));
try {
  running = await startAisre(config, { logger, databaseReady, sandboxWaitMs: sandboxProcess ? 10 * 60_000 : undefined });
} catch (e) {
  await sandboxProcess?.stop();
  throw e;
}
const started = running;
const sandboxUrl = started.sandbox?.url ?? sandboxProcess?.url;
if (sandboxUrl) {
  process.stdout.write(`\n  aisre is running.\n  Sandbox workspace: ${sandboxUrl.replace("127.0.0.1", "localhost")}/\n  Bot endpoint:      ${started.url}/slack/events\n\n`);
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    started
      .close()
      .then(() => sandboxProcess?.stop())
      .then(
        () => process.exit(0),
        (e: unknown) => {
          logger.error({ err: e }, "unclean stop");
          process.exit(1);
        },
      );
  });
}
