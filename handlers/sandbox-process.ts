import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../src/http/free-port.ts";
import type { Logger } from "../src/log.ts";

/** The local sandbox in a process of its own (`aisre sandbox`), started and stopped with the product. */
export interface SandboxProcess {
  /** Where the product reaches it (AISRE_SANDBOX_URL). */
  url: string;
  /** Its port (SANDBOX_PORT; chosen here when SANDBOX_PORT is 0). */
  port: number;
  readonly child: ChildProcess;
  /** Resolves if the sandbox exits before it is stopped (the product cannot run without it). */
  readonly exited: Promise<number | null>;
  /** Tells the sandbox the product is ready: it generates the simulation's history now (see `aisre sandbox`). */
  warm(): void;
  stop(): Promise<void>;
}

const cliEntry = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));

/**
 * Starts `aisre sandbox` as a child process: the simulated system, the Slack workspace and the Jira
 * and PagerDuty twins then run on their own event loop and heap, not on the product's — they stand
 * for the outside world. It shares the environment (data folder, SIM_SPEED, secrets) and has an IPC
 * channel only to notice when the product is gone: it stops itself then, even after a kill -9.
 */
export async function startSandboxProcess(options: { env: NodeJS.ProcessEnv; port: number; host: string; logger: Logger }): Promise<SandboxProcess> {
  const bind = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
  const port = options.port === 0 ? await freePort(bind) : options.port;
  const child = spawn(process.execPath, [cliEntry, "sandbox"], {
    env: { ...options.env, SANDBOX_PORT: String(port), AISRE_SANDBOX_URL: undefined },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let stopping = false;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then((code) => {
    if (!stopping) options.logger.error({ code }, "the sandbox process exited");
  });
  return {
    url: `http://${bind.includes(":") ? `[${bind}]` : bind}:${port}`,
    port,
    child,
    exited,
    warm() {
      if (child.connected) child.send({ t: "warm" });
    },
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
