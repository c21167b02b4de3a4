import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { freePort } from "../support/ports.ts";
import { runNode, untilReady } from "../support/process.ts";

/** The pids of a process's children (Linux /proc). */
function childrenOf(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
const answers = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.ok,
    () => false,
  );

describe("npm start runs the sandbox in a process of its own (AISRE_SANDBOX_PROCESS, default true)", () => {
  it("by default serves the sandbox from a child process, routes Slack and alerts through it, and the child ends with the product, even after kill -9", async () => {
    // AISRE_SANDBOX_PROCESS unset: the default.
    const env = { PORT: String(await freePort()), SANDBOX_PORT: String(await freePort()), AISRE_DATA_DIR: mkdtempSync(join(tmpdir(), "aisre-sbproc-")), LOG_LEVEL: "warn" };
    const bot = `http://127.0.0.1:${env.PORT}`;
    const sandbox = `http://127.0.0.1:${env.SANDBOX_PORT}`;
    const run = runNode(["handlers/main.ts"], env);
    try {
      await untilReady(run, `${bot}/readyz`, 400_000);
      const [child] = childrenOf(run.child.pid!).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("sandbox"));
      expect(child, `a sandbox child process of ${run.child.pid}: ${run.output()}`).toBeDefined();
      // The simulation's routes answer once its history is generated (the product asked for it when ready).
      await eventually(async () => ((await answers(`${sandbox}/sim/clock`)) ? true : undefined), "the simulation to answer", 120_000);
      expect(run.output()).toContain(`http://localhost:${env.SANDBOX_PORT}/`);
      // The product registered with the sandbox's gateway, and an alert through it reaches the bot.
      const state = (await (await fetch(`${sandbox}/sandbox/state`)).json()) as { replicas?: Array<{ url: string }> };
      expect(state.replicas?.map((r) => r.url)).toContain(bot);
      const via = await fetch(`${sandbox}/sandbox/gateway/webhooks/generic`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ alerts: [{ name: "ViaGateway", status: "firing", severity: "warning", service: "checkout", summary: "through the sandbox" }] }) });
      expect(via.status).toBe(202);

      run.child.kill("SIGKILL");
      await run.exited;
      await eventually(async () => (!alive(child!) ? true : undefined), "the sandbox process to end after its product was killed", 60_000);
      expect(await answers(`${sandbox}/sim/clock`)).toBe(false);
    } finally {
      run.child.kill("SIGKILL");
    }
  }, 600_000);

  it("stops the sandbox process on SIGTERM and exits 0", async () => {
    const env = { PORT: String(await freePort()), SANDBOX_PORT: String(await freePort()), AISRE_DATA_DIR: mkdtempSync(join(tmpdir(), "aisre-sbproc-")), LOG_LEVEL: "warn", AISRE_SANDBOX_PROCESS: "true" };
    const run = runNode(["handlers/main.ts"], env);
    try {
      await untilReady(run, `http://127.0.0.1:${env.PORT}/readyz`, 400_000);
      const children = childrenOf(run.child.pid!);
      expect(children.length).toBeGreaterThan(0);
      run.child.kill("SIGTERM");
      expect(await run.exited).toBe(0);
      for (const pid of children) expect(alive(pid)).toBe(false);
    } finally {
      run.child.kill("SIGKILL");
    }
  }, 600_000);

  it("with AISRE_SANDBOX_PROCESS=false serves the sandbox from the product's own process", async () => {
    const env = { PORT: String(await freePort()), SANDBOX_PORT: String(await freePort()), AISRE_DATA_DIR: mkdtempSync(join(tmpdir(), "aisre-sbproc-")), LOG_LEVEL: "warn", AISRE_SANDBOX_PROCESS: "false" };
    const run = runNode(["handlers/main.ts"], env);
    try {
      await untilReady(run, `http://127.0.0.1:${env.PORT}/readyz`, 400_000);
      await eventually(async () => ((await answers(`http://127.0.0.1:${env.SANDBOX_PORT}/sandbox/state`)) ? true : undefined), `the in-process sandbox to answer: ${run.output()}`, 60_000);
      const sandboxChildren = childrenOf(run.child.pid!).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("sandbox"));
      expect(sandboxChildren).toEqual([]);
    } finally {
      run.child.kill("SIGKILL");
    }
  }, 600_000);

  it("started by npm start, the sandbox generates the simulation's history only once the product says it is ready", async () => {
    // Until its history is generated the simulation's clock stands where the history ends; the product
    // sends "warm" once it is ready, so the two do not compete for the CPU while it starts.
    const port = await freePort();
    const child = spawn(process.execPath, ["src/cli/main.ts", "sandbox"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SANDBOX_PORT: String(port), AISRE_DATA_DIR: mkdtempSync(join(tmpdir(), "aisre-sbwarm-")), LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const clock = async () => ((await (await fetch(`http://127.0.0.1:${port}/sandbox/app/clock`)).json()) as { now: number }).now;
    try {
      await eventually(async () => ((await answers(`http://127.0.0.1:${port}/sandbox/app/clock`)) ? true : undefined), "the sandbox to answer", 120_000);
      const first = await clock();
      await new Promise((r) => setTimeout(r, 1500));
      expect(await clock()).toBe(first);
      child.send({ t: "warm" });
      await eventually(async () => ((await clock()) > first ? true : undefined), "the simulation's clock to run once warmed", 120_000);
    } finally {
      child.kill("SIGKILL");
    }
  }, 300_000);
});
