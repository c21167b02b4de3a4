import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface Spawned {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs a project script with the same Node as the tests (Node 24), capturing its output. */
export function runNode(args: string[], env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/**
 * Waits until `url` answers 2xx from the spawned process. Fails at once, with what the process
 * printed, when it exits first (a port taken by a parallel test, a crash), instead of waiting out
 * the whole budget; and with its output when the budget runs out.
 */
export async function untilReady(run: Spawned, url: string, ms: number): Promise<void> {
  let exitCode: number | null | undefined;
  void run.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the process exited (${exitCode}) before ${url} answered:\n${run.output().slice(-4000)}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${ms} ms; the process printed:\n${run.output().slice(-4000)}`);
}
