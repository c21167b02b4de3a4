import { enableCompileCache, flushCompileCache } from "node:module";
import type { RunningAisre } from "./app.ts";

/** Process entry for `npm start`: config, start, and a graceful stop on SIGTERM/SIGINT. */
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(`aisre needs Node 24 or newer (this is ${process.version}). Use "npm start", which runs the project's bundled Node 24.\n`);
  process.exit(1);
}
// Node's compile cache (its folder in the temp folder, as enableCompileCacheForAllThreads sets it
// for the threads and children after) before the product's first module loads: imported statically,
// the configuration's, the logger's and the store's modules (and zod, pino) were type-stripped or
// compiled afresh at every start.
enableCompileCache();
const { ConfigError, enableCompileCacheForAllThreads, loadConfig, processEnv } = await import("../src/config.ts");
const { createLogger } = await import("../src/log.ts");
const { openServiceDb } = await import("../src/store/open.ts");
const { embeddedDbDir, embeddedDbExists, prepareEmbeddedDb } = await import("../src/store/pglite-prepare.ts");
const { embeddedTemplateFile } = await import("../src/store/pglite-template.ts");
const { existsSync } = await import("node:fs");

let config;
try {
  config = loadConfig();
  // Modules type-stripped and compiled once are reused by the next start (Node's cache in the temp folder).
  enableCompileCacheForAllThreads();
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n\naisre did not start. Fix the variables above (see README.md, "Configuration").\n`);
    process.exit(1);
  }
  throw e;
}

const logger = createLogger({ level: config.logLevel, format: config.logFormat });
// The local sandbox (what stands for Slack, Kubernetes, Prometheus, Jira, PagerDuty) runs in a
// process of its own, as the outside world it stands for: its simulation then never competes with the
// product's event loop and heap, and the product's memory and CPU are its own (AISRE_SANDBOX_PROCESS=false:
// inside this process). It starts first, so that it comes up while the product loads.
let sandboxProcess: import("./sandbox-process.ts").SandboxProcess | undefined;
let stopping = false;
if (config.needsSandbox && !config.env.AISRE_SANDBOX_URL && config.env.AISRE_SANDBOX_PROCESS !== false) {
  const { startSandboxProcess } = await import("./sandbox-process.ts");
  sandboxProcess = await startSandboxProcess({ env: processEnv(), port: config.sandboxPort, host: config.host, logger });
  config = loadConfig(processEnv({ SANDBOX_PORT: String(sandboxProcess.port), AISRE_SANDBOX_URL: sandboxProcess.url }));
  void sandboxProcess.exited.then(() => {
    if (!stopping) process.exit(1);
  });
}
// Start-up phases, in ms since the process started (logged with "aisre is up"; `npm run bench -- startup`).
const phases: Record<string, number> = {};
const phase = (name: string) => (phases[name] = Math.round(process.uptime() * 1000));
// The database opens before the rest of the product loads (imported only now, so that the two
// overlap: the embedded database's worker starts here, at once, and compiles PGlite's WebAssembly
// and opens it on another core while this thread loads the modules). A first start makes the
// embedded database on another core, from the migrated template when there is one.
const storeLogger = logger.child({ component: "store" });
const configured = config;
const embeddedDir = embeddedDbDir(configured.dataDir);
const openNow = !!configured.databaseUrl || embeddedDbExists(embeddedDir);
if (openNow && !configured.databaseUrl) phase("store-prepared");
/** A first start: the database made by another worker (prepareEmbeddedDb), then opened. */
const prepareThenOpen = () =>
  prepareEmbeddedDb(embeddedDir, storeLogger).then(() => {
    phase("store-prepared");
    return openServiceDb(configured, logger);
  });
// A first start with the migrated template (made by `npm install`): the database's own worker
// extracts it while it compiles PGlite's WebAssembly, and opens it. Preparing it in a worker of its
// own first, the database's worker started only once this thread, busy loading the product, had
// a turn to start it (fresh data folder /readyz ~300 ms after a warm one's).
const template = openNow || configured.databaseUrl ? undefined : embeddedTemplateFile();
const fromTemplate = template && existsSync(template) ? template : undefined;
if (fromTemplate) phase("store-prepared");
const db = openNow
  ? openServiceDb(configured, logger)
  : fromTemplate
    ? openServiceDb(configured, logger, { template: fromTemplate }).then(
        (d) => {
          storeLogger.info({ dir: embeddedDir, template: fromTemplate }, "first start: embedded database made from the migrated template");
          return d;
        },
        (e: unknown) => {
          storeLogger.warn({ err: e, template: fromTemplate }, "could not open the embedded database from the migrated template; creating it");
          return prepareThenOpen();
        },
      )
    : prepareThenOpen();
db.catch(() => undefined); // awaited, and its failure reported, by startAisre
const { startAisre } = await import("./app.ts");
phase("modules");
const { installProcessGuards } = await import("./process-guards.ts");
let running: RunningAisre | undefined;
installProcessGuards(logger, () => running?.services.metrics.errors.inc({ code: "unhandled_rejection" }));
try {
  running = await startAisre(config, { logger, db, phases, sandboxWaitMs: sandboxProcess ? 10 * 60_000 : undefined });
} catch (e) {
  await sandboxProcess?.stop();
  await db.then((d) => d.close()).catch(() => undefined);
  throw e;
}
const started = running;
// Ready: the sandbox's simulation generates its history now (not while the product started).
sandboxProcess?.warm();
// Node's compile cache keeps the cache data of every module a thread loaded in memory until it is
// written (at exit, or flushCompileCache, which then drops it): ~18 MiB in use in this thread's
// allocator once the product is up (sandbox mode, malloc_stats 43.4 → 24.9 MiB). Written now, and
// every minute for modules imported later (a client at its first call). The door's and the
// embedded database's threads write theirs once they are up.
flushCompileCache();
setInterval(flushCompileCache, 60_000).unref();
const sandboxUrl = started.sandbox?.url ?? sandboxProcess?.url;
if (sandboxUrl) {
  const install = config.slack.oauth ? `  Add to Slack:      ${started.url.replace("127.0.0.1", "localhost")}/slack/install (OAuth install; nothing is posted before it)\n` : "";
  process.stdout.write(`\n  aisre is running.\n  Sandbox workspace: ${sandboxUrl.replace("127.0.0.1", "localhost")}/\n  Bot endpoint:      ${started.url}/slack/events\n${install}\n`);
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
