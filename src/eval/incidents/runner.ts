import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../http/free-port.ts";
import type { FaultTruth, RunRecord, SeenReply, ThreadRecord } from "./metrics.ts";
import { readActionCard, readCard, type SlackMessageLike } from "./observe.ts";

/**
 * Runs one eval run through the whole product: `npm start`'s entry (handlers/main.ts) in a child
 * process on free ports and a fresh data folder, with the sandbox at SIM_SPEED and a seed. Faults are
 * injected through the sandbox's control API, the incident channel is read through the Slack Web API
 * as a person would, the first remediation proposed is approved when it is the documented fix (as
 * the on-call engineer, and the incident commander when two approvals are needed), and each fault is
 * stopped after a while if nothing fixed it, so every incident gets to its resolution.
 */

export interface FaultPlan {
  scenario: string;
  /** Inject at this simulated minute of the run, or once the previous fault's incident is resolved. */
  when: { at: number } | "after-previous-resolved";
}

export interface RunPlan {
  id: string;
  kind: RunRecord["kind"];
  seed: number;
  faults: FaultPlan[];
}

export interface RunnerOptions {
  speed: number;
  /** Simulated minutes a fault runs before the eval stops it (if nothing fixed it). */
  faultMinutes: number;
  /** Simulated minutes after the last fault stopped to wait for resolution and the postmortem. */
  settleMinutes: number;
  /** Give up a run after this many simulated minutes. */
  maxMinutes: number;
  /** The simulated clock's first instant (SIM_START): fixed, so a run's traffic does not depend on the hour it runs at. */
  simStart: string;
  /** Keep each run's data folder (its database: timelines, grouping reasons) to read afterwards. */
  keepData?: boolean;
  log?: (line: string) => void;
}

const M = 60_000;
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface FaultState {
  plan: FaultPlan;
  truth?: FaultTruth;
  stopped: boolean;
}

export async function runOne(plan: RunPlan, o: RunnerOptions): Promise<RunRecord> {
  const dataDir = mkdtempSync(join(tmpdir(), "aisre-eval-"));
  const port = await freePort();
  const sandboxPort = await freePort();
  const bot = `http://127.0.0.1:${port}`;
  const sandbox = `http://127.0.0.1:${sandboxPort}`;
  const errors: string[] = [];
  const child: ChildProcess = spawn(process.execPath, ["handlers/main.ts"], {
    cwd: ROOT,
    env: { PORT: String(port), SANDBOX_PORT: String(sandboxPort), HOST: "127.0.0.1", AISRE_DATA_DIR: dataDir, SIM_SPEED: String(o.speed), SIM_SEED: String(plan.seed), SIM_START: o.simStart, LOG_LEVEL: "error" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const record: RunRecord = { id: plan.id, kind: plan.kind, seed: plan.seed, speed: o.speed, faults: [], threads: [], pagedKeys: [], jiraComments: {}, simMinutes: 0, errors };
  try {
    // A loaded machine (a shared CI box, several runs at once) can take minutes to start the product.
    await waitUntil(
      async () => (await fetch(`${bot}/healthz`)).ok && (await fetch(`${sandbox}/sim/clock`)).ok,
      300_000,
      () => `the product did not start: ${stderr}`,
    );
    // Read what the on-call engineer's Slack shows (the sandbox page's own reads: no API rate limits to wait out).
    const read = async (path: string) => (await (await fetch(`${sandbox}/sandbox/users/U_ALICE/channels/%23incidents${path}`)).json()) as { channel: string; messages?: SlackMessageLike[]; replies?: SlackMessageLike[] };
    const channel = (await read("/messages?limit=1")).channel;
    if (!channel) throw new Error("no #incidents channel in the sandbox workspace");
    const simNow = async () => ((await (await fetch(`${sandbox}/sim/clock`)).json()) as { simTimeMs: number }).simTimeMs;
    // Start-up work (indexing, baselines) can hold the process for a while, and the simulation skips
    // ahead meanwhile: inject only once the product answers promptly again.
    let prompt = 0;
    const settleBy = Date.now() + 120_000;
    while (prompt < 6 && Date.now() < settleBy) {
      const t = Date.now();
      await simNow().catch(() => undefined);
      prompt = Date.now() - t < 500 ? prompt + 1 : 0;
      await sleep(500);
    }

    const start = await simNow();
    const faults: FaultState[] = plan.faults.map((p) => ({ plan: p, stopped: false }));
    const threads = new Map<string, ThreadRecord>();
    const seen = new Map<string, number>();
    const clicked = new Set<string>();
    const clicks: Array<Promise<unknown>> = [];
    let lastStop: number | undefined;
    let resolvedSince: number | undefined;

    let failures = 0;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the product exited (${child.exitCode}): ${stderr.slice(-800)}`);
      try {
        if (await step()) break;
        failures = 0;
      } catch (e) {
        // A read can fail while the machine is busy; many in a row mean the product is gone.
        o.log?.(`  ${plan.id}: read failed: ${e instanceof Error ? e.message : String(e)}`);
        if (++failures >= 20) throw e;
      }
      await sleep(300);
    }
    /** Reads the channel as a person would; approves the first remediation when it is the documented fix of a running fault. */
    async function readChannel(now: number): Promise<void> {
      const history = (await read("/messages?limit=200")).messages ?? [];
      for (const root of history) {
        if (!readCard(root).incidentId) continue;
        let t = threads.get(root.ts);
        if (!t) threads.set(root.ts, (t = { rootTs: root.ts, firstSeen: now, root, cards: [], replies: [] }));
        t.root = root;
        const card = readCard(root);
        if (JSON.stringify(t.cards.at(-1)?.card) !== JSON.stringify(card)) t.cards.push({ at: now, card });
        const replies = (await read(`/threads/${root.ts}`)).replies ?? [];
        t.replies = replies.map((m): SeenReply => {
          if (!seen.has(m.ts)) seen.set(m.ts, now);
          return { ...m, firstSeen: seen.get(m.ts)! };
        });
        // Approve the first remediation when it is the documented fix of a running fault.
        const first = replies.find((m) => readActionCard(m));
        const proposal = first ? readActionCard(first) : undefined;
        if (first && proposal?.approvable && !clicked.has(first.ts)) {
          const right = faults.some((f) => f.truth && !f.stopped && f.truth.fix === proposal.action && proposal.service === (f.truth.fixTarget.kind === "deployment" ? f.truth.fixTarget.name : f.truth.rootCause));
          clicked.add(first.ts);
          if (right) {
            o.log?.(`  ${plan.id}: approving ${proposal.action} ${proposal.service}`);
            clicks.push(approve(sandbox, channel, first.ts).catch((e: unknown) => errors.push(`approving failed: ${String(e)}`)));
          }
        }
      }
    }
    async function step(): Promise<boolean> {
      const now = await simNow();
      record.simMinutes = Math.round((now - start) / M);
      // Inject what is due.
      for (const [i, f] of faults.entries()) {
        if (f.truth) continue;
        const prev = faults[i - 1];
        const due = f.plan.when === "after-previous-resolved" ? !!prev?.truth && prev.stopped && [...threads.values()].length > 0 && [...threads.values()].every((t) => t.cards.at(-1)?.card.status === "resolved") && now - (lastStop ?? now) >= 0 : now - start >= f.plan.when.at * M;
        if (!due) continue;
        const body = (await post(`${sandbox}/sandbox/scenarios/${f.plan.scenario}${i > 0 && f.plan.when !== "after-previous-resolved" ? "?overlap=1" : ""}`, {})) as { scenario: { rootCause: string; fix: string; fixTarget: { kind: string; name: string } } };
        f.truth = { scenario: f.plan.scenario, rootCause: body.scenario.rootCause, fix: body.scenario.fix, fixTarget: body.scenario.fixTarget, startedAt: await simNow() };
        o.log?.(`  ${plan.id}: ${f.plan.scenario} injected at minute ${Math.round((f.truth.startedAt - start) / M)}`);
      }
      await readChannel(now);
      // Stop faults nothing fixed: after faultMinutes once a remedy was proposed for the incident
      // (on a slow machine the diagnosis takes more simulated minutes), at twice that regardless.
      const proposed = [...threads.values()].some((t) => t.replies.some((m) => readActionCard(m)));
      for (const f of faults) {
        if (f.truth && !f.stopped && now - f.truth.startedAt >= o.faultMinutes * M && (proposed || now - f.truth.startedAt >= 2 * o.faultMinutes * M)) {
          await fetch(`${sandbox}/sandbox/scenarios/${f.plan.scenario}`, { method: "DELETE" });
          f.stopped = true;
          lastStop = now;
          o.log?.(`  ${plan.id}: ${f.plan.scenario} stopped at minute ${record.simMinutes}`);
        }
      }
      const allDone = faults.every((f) => f.truth && f.stopped);
      const allResolved = threads.size > 0 && [...threads.values()].every((t) => t.cards.at(-1)?.card.status === "resolved");
      resolvedSince = allResolved ? (resolvedSince ?? now) : undefined;
      if (allDone && allResolved && resolvedSince !== undefined && now - resolvedSince >= o.settleMinutes * M) return true;
      if (now - start >= o.maxMinutes * M) {
        errors.push(`gave up after ${o.maxMinutes} simulated minutes (${threads.size} incident(s), ${[...threads.values()].filter((t) => t.cards.at(-1)?.card.status !== "resolved").length} unresolved)`);
        return true;
      }
      return false;
    }
    await Promise.all(clicks);
    // The thread as final: once the product has nothing left to send (its outbox empty, no card edit
    // or withdrawal under way), read every thread once more. A defined settling point, not a sleep.
    if (!(await settled(bot, 120_000))) errors.push("the product did not settle (outbox or remediation work still pending after 2 min)");
    await readChannel(await simNow());
    const state = (await (await fetch(`${sandbox}/sandbox/state`)).json()) as { pagerdutyIncidents?: Array<{ dedupKey?: string; incidentKey?: string }>; jiraIssues?: Array<{ key: string; comments: number }> };
    record.pagedKeys = (state.pagerdutyIncidents ?? []).map((i) => i.dedupKey ?? i.incidentKey ?? "").filter(Boolean);
    for (const j of state.jiraIssues ?? []) record.jiraComments[j.key] = j.comments;
    record.faults = faults.flatMap((f) => (f.truth ? [f.truth] : []));
    record.threads = [...threads.values()];
  } catch (e) {
    errors.push(e instanceof Error ? `${e.message}${e.cause ? ` (${String(e.cause)})` : ""}` : String(e));
  } finally {
    child.kill("SIGTERM");
    await Promise.race([new Promise((r) => child.once("exit", r)), sleep(10_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
    if (o.keepData) o.log?.(`  ${plan.id}: data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
  return record;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await res.json().catch(() => ({}))) as unknown;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/** The on-call engineer approves; the incident commander too when the policy wants two people. */
async function approve(sandbox: string, channel: string, ts: string): Promise<void> {
  for (const user of ["U_ALICE", "U_CAROL"]) {
    const seen = (await post(`${sandbox}/sandbox/users/${user}/clicks`, { channel, ts, action_id: "remediation_approve" })) as { messages?: SlackMessageLike[] };
    const text = JSON.stringify(seen.messages ?? []);
    if (!/\(1\/2\)|another approver|second approver|1 of 2/i.test(text)) return;
  }
}

/**
 * Whether the product has settled: its outbox is empty and no remediation work (a withdrawal, a card
 * edit, an action) is under way, in two reads in a row (its /metrics gauges), within `timeoutMs`.
 */
async function settled(bot: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (Date.now() < deadline) {
    const text = await (await fetch(`${bot}/metrics`)).text().catch(() => "");
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
    quiet = gauge("aisre_outbox_pending") === 0 && gauge("aisre_remediation_pending") === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return true;
    await sleep(300);
  }
  return false;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(why());
    await sleep(500);
  }
}
