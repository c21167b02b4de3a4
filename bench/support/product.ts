import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PRODUCT_ENV, PRODUCT_NODE_FLAGS } from "../../handlers/node-flags.ts";
import { freePort } from "../../src/http/free-port.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const hook = fileURLToPath(new URL("./profile-hook.ts", import.meta.url));

/** Resident memory of a process in MiB (NaN once it is gone). */
/** Stops a child process: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

export function rssMiB(pid: number): number {
  try {
    return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024);
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds (user + system) a process has used. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds (user + system) of a process's main thread alone (Linux /proc: the thread whose id is the pid). */
export function mainThreadCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds (user + system) of each of a process's threads, by thread id, with its name (Linux /proc/<pid>/task). */
export function threadCpuSeconds(pid: number): Map<number, { name: string; s: number }> {
  const out = new Map<number, { name: string; s: number }>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
      out.set(Number(tid), { name, s: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** The pids of a process's children (Linux /proc). */
export function childrenOf(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Sums a Prometheus counter's samples whose labels contain `match`. */
export function counter(text: string, metric: string, match: string): number {
  let sum = 0;
  for (const line of text.split("\n")) if (line.startsWith(metric) && line.includes(match)) sum += Number(line.split(" ").at(-1));
  return sum;
}

/**
 * Waits (at most `maxMs`, asking every `everyMs`) until every delivery accepted since `since` is
 * processed; returns the last counts it read.
 */
export async function drained<M extends { accepted: number; processed: number }>(metrics: () => Promise<M>, since: { accepted: number; processed: number }, maxMs: number, everyMs = 250): Promise<M> {
  const t0 = performance.now();
  let m = await metrics();
  while (m.accepted - since.accepted > m.processed - since.processed && performance.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, everyMs));
    m = await metrics();
  }
  return m;
}

export interface BenchedProduct {
  url: string;
  sandboxUrl: string;
  child: ChildProcess;
  readyMs: number;
  /** The sandbox child process (npm start runs the sandbox in its own process), if any. */
  sandboxPid(): number | undefined;
  /** Starts, then stops and writes, a CPU profile of the product's main thread (see profile-hook.ts). */
  toggleProfile(): void;
  profileDir: string;
  /** Deliveries accepted and processed, and bursts the door absorbed (each held processing: see burst.ts). */
  metrics(): Promise<{ accepted: number; processed: number; bursts: number }>;
  stop(): Promise<void>;
}

/** `node handlers/main.ts` as a user starts it (sandbox mode), with the profile hook preloaded. */
export async function startProduct(env: Record<string, string> = {}): Promise<BenchedProduct> {
  const port = await freePort();
  const sandboxPort = await freePort();
  const profileDir = mkdtempSync(join(tmpdir(), "aisre-bench-prof-"));
  const child = spawn(process.execPath, [...PRODUCT_NODE_FLAGS, "--import", hook, "handlers/main.ts"], {
    cwd: root,
    env: {
      ...PRODUCT_ENV,
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      AISRE_DATA_DIR: mkdtempSync(join(tmpdir(), "aisre-bench-data-")),
      LOG_LEVEL: "warn",
      AISRE_PROFILE_DIR: profileDir,
      ...(process.env.AISRE_SANDBOX_PROCESS ? { AISRE_SANDBOX_PROCESS: process.env.AISRE_SANDBOX_PROCESS } : {}),
      ...(process.env.AISRE_HEAP_SNAPSHOT ? { AISRE_HEAP_SNAPSHOT: process.env.AISRE_HEAP_SNAPSHOT } : {}),
      ...(process.env.AISRE_MEMORY_TRACE ? { AISRE_MEMORY_TRACE: process.env.AISRE_MEMORY_TRACE } : {}),
      ...(process.env.AISRE_HEAP_SNAPSHOT_AT ? { AISRE_HEAP_SNAPSHOT_AT: process.env.AISRE_HEAP_SNAPSHOT_AT } : {}),
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`aisre exited (${child.exitCode}) before /readyz answered`);
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (performance.now() - t0 > 600_000) throw new Error("/readyz did not answer within 600 s");
    await new Promise((r) => setTimeout(r, 50));
  }
  const readyMs = performance.now() - t0;
  return {
    url,
    sandboxUrl: `http://127.0.0.1:${sandboxPort}`,
    child,
    readyMs,
    profileDir,
    sandboxPid: () => childrenOf(child.pid ?? 0)[0],
    toggleProfile: () => child.kill("SIGUSR2"),
    async metrics() {
      const text = await fetch(`${url}/metrics`).then((r) => r.text());
      return { accepted: counter(text, "aisre_webhooks_received_total", 'outcome="accepted"'), processed: counter(text, "aisre_webhook_delivery_outcomes_total", 'outcome="processed"'), bursts: counter(text, "aisre_webhook_bursts_total", "") };
    },
    stop: () => stopChild(child, 30_000),
  };
}
