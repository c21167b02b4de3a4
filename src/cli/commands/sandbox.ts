import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliConfig } from "../load-config.ts";
import { createLogger } from "../../log.ts";
import { startLocalSandbox } from "../../sandbox/start.ts";

/** Started by `npm start`: the history is generated after this long even if the product never says it is ready. */
const WARM_AFTER_MS = 30_000;

export const summary = "sandbox: run the local sandbox (Slack, simulated system, Jira, PagerDuty) as its own process, shared by bot replicas started with AISRE_SANDBOX_URL";

/** The workspace's bot token and signing secret, kept in the data folder so a restart keeps them. */
function appCredentials(dir: string): { botToken: string; signingSecret: string } {
  const file = join(dir, "app.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as { botToken: string; signingSecret: string };
  mkdirSync(dir, { recursive: true });
  const creds = { botToken: `xoxb-sandbox-${randomBytes(8).toString("hex")}`, signingSecret: randomBytes(16).toString("hex") };
  writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
  return creds;
}

/**
 * `npx aisre sandbox`: the sandbox on SANDBOX_PORT, its state in AISRE_DATA_DIR/sandbox. Start bot
 * replicas with AISRE_SANDBOX_URL=http://127.0.0.1:$SANDBOX_PORT: each registers with it, and
 * Slack events and webhooks are forwarded to a live replica. Runs until SIGTERM/SIGINT.
 */
export async function run(args: string[]): Promise<number> {
  if (args.includes("--help")) {
    process.stdout.write("usage: aisre sandbox   (SANDBOX_PORT, AISRE_DATA_DIR, SIM_SPEED, SIM_SEED as for npm start)\n");
    return 0;
  }
  const config = cliConfig();
  if (!config) return 2;
  const logger = createLogger({ level: config.logLevel });
  const creds = appCredentials(join(config.dataDir, "sandbox"));
  // Started by `npm start` (an IPC channel to it): the product prints the banner, and when it is gone
  // (stopped, or killed with -9) this sandbox stops too.
  const child = process.send !== undefined;
  // The simulation's history (a second or more of CPU) is generated after the sandbox answers, in a
  // worker thread: the product waits for the sandbox at its start (registration, credentials, clock),
  // not for the history, whose routes wait for it themselves. Started by `npm start`, once the product
  // says it is ready (so the two do not compete for the CPU while it starts); on its own, at once.
  const sandbox = await startLocalSandbox({ config, ...creds, logger, shared: true, history: "worker" });
  const warm = () => void sandbox.warm().catch((e: unknown) => logger.error({ err: e }, "the simulation's history could not be generated"));
  if (child) {
    const later = setTimeout(warm, WARM_AFTER_MS);
    later.unref();
    process.on("message", (m: unknown) => {
      if ((m as { t?: unknown } | null)?.t !== "warm") return;
      clearTimeout(later);
      warm();
    });
  } else {
    warm();
    process.stdout.write(`\n  aisre sandbox is running: ${sandbox.url.replace("127.0.0.1", "localhost")}/\n  Start bot replicas with AISRE_SANDBOX_URL=${sandbox.url}\n\n`);
  }
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => resolve());
    if (child) process.once("disconnect", () => resolve());
  });
  await sandbox.close();
  if (process.connected) process.disconnect();
  return 0;
}
