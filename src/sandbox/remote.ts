import { backoffMs } from "../domain/backoff.ts";
import { clockOf, type Clock } from "../domain/clock.ts";
import type { Logger } from "../log.ts";
import type { SandboxAppInfo } from "./gateway.ts";

/** A sandbox run as its own process (`npx aisre sandbox`), shared by this and other bot replicas. */
export interface RemoteSandbox {
  url: string;
  botToken: string;
  signingSecret: string;
  kubeconfigPath?: string;
  /** The simulation's clock, followed from the sandbox (undefined without a simulated system). */
  clock?: Clock;
  close(): Promise<void>;
}

/**
 * Registers this replica with a shared sandbox (AISRE_SANDBOX_URL) so that the sandbox's gateway
 * forwards Slack events and webhooks to it, and learns the bot token, the signing secret, the
 * simulation clock. Registration is renewed, so a restarted sandbox finds its
 * replicas again.
 */
export async function connectSandbox(options: { url: string; botUrl: string; logger: Logger; waitMs?: number }): Promise<RemoteSandbox> {
  const base = options.url.replace(/\/$/, "");
  const register = async () => {
    const res = await fetch(`${base}/sandbox/app/replicas`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: options.botUrl }), signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`the sandbox at ${base} answered ${res.status} to the registration`);
    return (await res.json()) as SandboxAppInfo;
  };
  const started = Date.now();
  const deadline = started + (options.waitMs ?? 60_000);
  let info: SandboxAppInfo;
  for (let attempt = 0; ; attempt++) {
    try {
      info = await register();
      break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`no shared sandbox at ${base} (AISRE_SANDBOX_URL): ${e instanceof Error ? e.message : String(e)}`);
      // A sandbox starting alongside (npm start) takes a few seconds: said quietly at first.
      const level = Date.now() - started < 30_000 ? "debug" : "warn";
      options.logger[level]({ url: base, err: e }, "shared sandbox not reachable yet; retrying");
      await new Promise((r) => setTimeout(r, backoffMs(attempt, { baseMs: 50, maxMs: 250 })));
    }
  }

  let clock = { now: Date.now(), at: Date.now(), speed: info.simSpeed ?? 1 };
  const refresh = async () => {
    try {
      const c = (await (await fetch(`${base}/sandbox/app/clock`, { signal: AbortSignal.timeout(5000) })).json()) as { now: number; speed: number };
      clock = { now: c.now, at: Date.now(), speed: c.speed };
    } catch (e) {
      options.logger.warn({ url: base, err: e }, "shared sandbox clock not refreshed");
    }
  };
  await refresh();
  const timers = [setInterval(() => void refresh(), 2000), setInterval(() => void register().catch((e: unknown) => options.logger.warn({ err: e }, "re-registering with the shared sandbox failed")), 10_000)];
  for (const t of timers) t.unref();
  const simulated = info.kubeconfigPath !== undefined;
  return {
    url: base,
    botToken: info.botToken,
    signingSecret: info.signingSecret,
    kubeconfigPath: info.kubeconfigPath,
    clock: simulated ? clockOf(() => clock.now + (Date.now() - clock.at) * clock.speed, info.simSpeed ?? 1) : undefined,
    async close() {
      for (const t of timers) clearInterval(t);
      await fetch(`${base}/sandbox/app/replicas?url=${encodeURIComponent(options.botUrl)}`, { method: "DELETE", signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    },
  };
}
