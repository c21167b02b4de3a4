import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../src/http/free-port.ts";
import { itemAt } from "../src/domain/indexed.ts";

export const repoRoot = fileURLToPath(new URL("../", import.meta.url));

/** One chaos case's outcome: what the issue's table asks for. */
export interface ChaosRow {
  fault: string;
  /** Deliveries answered 2xx (stored). */
  accepted: number;
  /** Deliveries answered non-2xx or not answered (the sender keeps them and retries). */
  refused: number;
  /** Accepted deliveries not processed at the end. */
  lost: number;
  /** Slack posts made twice (same outbox id, or a second root for one incident), Jira issues or pages doubled. */
  duplicated: number;
  /** Seconds from the fault's end to recovery (what "recovery" is for the case: see `recovery`). */
  recoverSeconds: number;
  recovery: string;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Proc {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

function spawnNode(args: string[], env: Record<string, string>, url: string): Proc {
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, url, output: () => out, exited };
}

async function until<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs: number, proc?: Proc): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch {
      /* not yet */
    }
    if (proc && proc.child.exitCode !== null) throw new Error(`${what}: the process exited (${proc.child.exitCode}):\n${proc.output().slice(-3000)}`);
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${proc ? `:\n${proc.output().slice(-3000)}` : ""}`);
}
export { until };

/** `npx aisre sandbox` in a data folder of its own. */
export async function startSharedSandbox(dataDir = mkdtempSync(join(tmpdir(), "aisre-chaos-sandbox-"))): Promise<Proc & { dataDir: string; botToken: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawnNode(["src/cli/main.ts", "sandbox"], { SANDBOX_PORT: String(port), AISRE_DATA_DIR: dataDir, LOG_LEVEL: "warn", SIM_ALERT_DELIVERY: "false" }, url);
  await until(async () => ((await fetch(`${url}/sandbox/faults`)).ok ? true : undefined), "the shared sandbox", 60_000, proc);
  const { botToken } = JSON.parse(readFileSync(join(dataDir, "sandbox", "app.json"), "utf8")) as { botToken: string };
  return { ...proc, dataDir, botToken };
}

export interface ReplicaSpec {
  sandboxUrl: string;
  databaseUrl?: string;
  dataDir?: string;
  port?: number;
  /** More environment for the replica (AISRE_HOUSEKEEPING_MS, …). */
  env?: Record<string, string>;
}

/** A bot replica (`npm start`) using the shared sandbox; resolves once /readyz answers 200. */
export async function startReplica(spec: ReplicaSpec): Promise<Proc & { spec: Required<Pick<ReplicaSpec, "dataDir" | "port">> & ReplicaSpec }> {
  const port = spec.port ?? (await freePort());
  const dataDir = spec.dataDir ?? mkdtempSync(join(tmpdir(), "aisre-chaos-replica-"));
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = { PORT: String(port), SANDBOX_PORT: "0", AISRE_DATA_DIR: dataDir, AISRE_SANDBOX_URL: spec.sandboxUrl, LOG_LEVEL: "warn", AISRE_POLL: "false", SIM_ALERT_DELIVERY: "false" };
  if (spec.databaseUrl) env.DATABASE_URL = spec.databaseUrl;
  Object.assign(env, spec.env);
  const proc = spawnNode(["handlers/main.ts"], env, url);
  await until(async () => ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) })).status === 200 ? true : undefined), `replica on ${port} ready`, 120_000, proc);
  return { ...proc, spec: { ...spec, dataDir, port } };
}

export async function stop(p: Proc, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  await p.exited;
}

const SERVICES = ["checkout", "payments", "inventory"];

/**
 * Sends generic-webhook deliveries (one alert each, ids unique to the run) at `perSecond`, round
 * robin over the live targets, for `seconds`. Records which were accepted (2xx).
 */
export class Storm {
  readonly accepted = new Set<string>();
  refused = 0;
  /** Why deliveries were refused: `HTTP <status>`, or the error that ended the request. */
  readonly refusedBy = new Map<string, number>();
  private n = 0;
  private stopped = false;
  private readonly tag: string;
  private readonly services: readonly string[];
  /** `services`: the alerts' services, in turn (default three of the shop's: they make one incident). */
  constructor(tag: string, services: readonly string[] = SERVICES) {
    this.tag = `${tag}-${Date.now().toString(36)}`;
    this.services = services;
  }

  async run(targets: () => string[], perSecond: number, seconds: number, severity = "critical"): Promise<void> {
    const started = Date.now();
    const inFlight = new Set<Promise<void>>();
    while (!this.stopped && Date.now() - started < seconds * 1000) {
      const due = Math.floor(((Date.now() - started) / 1000) * perSecond);
      while (this.n < due) {
        const list = targets();
        const i = this.n++;
        const p = this.send(list[i % Math.max(1, list.length)], i, severity).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await sleep(20);
    }
    await Promise.all(inFlight);
  }

  stop(): void {
    this.stopped = true;
  }

  private refuse(why: string): void {
    this.refused++;
    this.refusedBy.set(why, (this.refusedBy.get(why) ?? 0) + 1);
  }

  /** The refusals by reason, one line each (for stderr). */
  refusals(): string {
    return [...this.refusedBy].map(([why, n]) => `  ${n} × ${why}`).join("\n");
  }

  private async send(target: string | undefined, i: number, severity: string): Promise<void> {
    const id = `${this.tag}-${i}`;
    if (!target) {
      this.refuse("no live replica");
      return;
    }
    try {
      const res = await fetch(`${target}/webhooks/generic`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-aisre-delivery": id },
        body: JSON.stringify({ alerts: [{ id, name: "ChaosErrorRate", status: "firing", severity, service: this.services[i % this.services.length], summary: `chaos ${id}` }] }),
        // A sender's patience (Alertmanager waits 10 s by default; a loaded machine needs more to be fair).
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer();
      if (res.status >= 200 && res.status < 300) this.accepted.add(id);
      else this.refuse(`HTTP ${res.status}`);
    } catch (e) {
      this.refuse(e instanceof Error ? `${e.name}: ${(e.cause as Error | undefined)?.message ?? e.message}`.slice(0, 120) : String(e));
    }
  }
}

/** Accepted deliveries not processed, read from the store. */
export async function unprocessed(query: (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>, accepted: Set<string>): Promise<number> {
  if (accepted.size === 0) return 0;
  const rows = await query("SELECT count(*)::int AS n FROM webhook_deliveries WHERE source = 'generic' AND delivery_id = ANY($1::text[]) AND processed_at IS NOT NULL", [[...accepted]]);
  return accepted.size - Number(itemAt(rows, 0).n);
}

/** Duplicates visible in the shared sandbox: Slack posts (by outbox id, and roots per incident), Jira issues, pages. */
export async function duplicates(sandbox: { url: string; botToken: string }, incidents: number): Promise<{ slack: number; jira: number; pages: number; roots: number }> {
  const api = async (method: string, args: Record<string, string>) => {
    const res = await fetch(`${sandbox.url}/api/${method}`, { method: "POST", headers: { authorization: `Bearer ${sandbox.botToken}`, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(args) });
    return (await res.json()) as { messages?: Array<{ ts: string; bot_id?: string; thread_ts?: string; reply_count?: number; metadata?: { event_payload?: { outbox_id?: string } } }>; channels?: Array<{ id: string; name: string }> };
  };
  const ids = new Map<string, number>();
  let roots = 0;
  const channels = (await api("conversations.list", { limit: "999" })).channels ?? [];
  for (const ch of channels) {
    const top = (await api("conversations.history", { channel: ch.id, limit: "999", include_all_metadata: "true" })).messages ?? [];
    const all = [...top];
    for (const m of top) if (m.reply_count) all.push(...((await api("conversations.replies", { channel: ch.id, ts: m.ts, limit: "1000", include_all_metadata: "true" })).messages ?? []).filter((r) => r.ts !== m.ts));
    if (ch.name === "incidents") roots += top.filter((m) => m.bot_id).length;
    for (const m of all) {
      const id = m.metadata?.event_payload?.outbox_id;
      if (id) ids.set(id, (ids.get(id) ?? 0) + 1);
    }
  }
  const slack = [...ids.values()].reduce((s, n) => s + n - 1, 0) + Math.max(0, roots - incidents);
  const state = (await (await fetch(`${sandbox.url}/sandbox/state`)).json()) as { jiraIssues?: Array<{ labels: string[]; summary: string }>; pagerdutyIncidents?: Array<{ dedupKey: string | null; title: string }> };
  const count = (keys: string[]) => {
    const m = new Map<string, number>();
    for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
    return [...m.values()].reduce((s, n) => s + n - 1, 0);
  };
  // Every incident ticket carries its incident's label (`aisre-<incident id>`): two tickets with one label are a duplicate.
  const jira = count((state.jiraIssues ?? []).map((i) => i.labels.find((l) => /^aisre-INC/i.test(l)) ?? i.summary));
  const pages = count((state.pagerdutyIncidents ?? []).map((i) => i.dedupKey ?? i.title));
  return { slack, jira, pages, roots };
}

export async function readyWithin(url: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await until(async () => ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })).status === 200 ? true : undefined), `${url} ready`, timeoutMs);
  return (Date.now() - started) / 1000;
}
