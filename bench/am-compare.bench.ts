import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../src/http/free-port.ts";
import { cpuShares } from "./support/cpu-profile.ts";
import { PRODUCT_ENV, PRODUCT_NODE_FLAGS } from "../handlers/node-flags.ts";
import { childrenOf, cpuSeconds, drained, mainThreadCpuSeconds, stopChild, threadCpuSeconds } from "./support/product.ts";
import { closedLoop, type LoadResult } from "./support/load.ts";
import { createScratchDatabase, dropScratchDatabase } from "../test/support/scratch-databases.ts";

export const name = "am-compare: single-alert deliveries/s, aisre vs Alertmanager (same load generator, same machine)";

const root = fileURLToPath(new URL("../", import.meta.url));
const CLIENTS = 32;
const SECONDS = Number(process.env.AM_COMPARE_SECONDS ?? 10);
/**
 * Before each measured load, both Alertmanager and aisre take AM_COMPARE_WARM_SECONDS (2 by default; 0:
 * none) of the same load on other services: warm-up iterations, as any benchmark of a JIT-compiled
 * runtime has. The door's code is compiled by V8 while it runs (interpreted first, optimized once
 * hot): from a cold start its CPU per delivery was 0.13 ms in the first seconds of a load and 0.086 ms
 * from the 4th on (Postgres; its stored rate 2,300-4,900/s, then 6,300-7,900/s), while a product that
 * has run for hours runs its optimized code. aisre's warm-up deliveries are processed (and the
 * machine quiet) before the measured load, which opens its own incidents, as a new storm would.
 */
const WARM_SECONDS = Number(process.env.AM_COMPARE_WARM_SECONDS ?? 2);
/** The alerts' services: ten, `<prefix>-0` … `<prefix>-9`, in turn. */
const SERVICE_COUNT = 10;

function alertmanagerBinary(): string | undefined {
  for (const p of ["/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager", "/usr/local/bin/alertmanager"]) if (existsSync(p)) return p;
  const which = spawnSync("sh", ["-c", "command -v prometheus-alertmanager || command -v alertmanager"], { encoding: "utf8" });
  return which.stdout.trim() || undefined;
}

function oneAlert(i: number, run: string, prefix: string) {
  const service = `${prefix}-${i % SERVICE_COUNT}`;
  return {
    labels: { alertname: `StormAlert${i % 4}`, service, instance: `${service}-${run}-${i}`, severity: i % 7 === 0 ? "critical" : "warning" },
    annotations: { summary: `${service} symptom ${i}` },
    startsAt: new Date(Date.now() - 30_000).toISOString(),
    generatorURL: "http://prometheus/graph",
  };
}

/** Alertmanager's own intake: `POST /api/v2/alerts` with one alert. */
const amBody =
  (run: string, prefix = "storm-svc") =>
  (i: number) =>
    JSON.stringify([{ ...oneAlert(i, run, prefix), endsAt: new Date(Date.now() + 300_000).toISOString() }]);

/** The same alert as an Alertmanager v4 webhook delivery to aisre (a group of one). */
const aisreBody =
  (run: string, prefix = "storm-svc") =>
  (i: number) => {
    const a = { status: "firing", ...oneAlert(i, run, prefix), endsAt: "0001-01-01T00:00:00Z", fingerprint: `${run}-${i}` };
    return JSON.stringify({ version: "4", groupKey: `{}:{instance="${a.labels.instance}"}`, truncatedAlerts: 0, status: "firing", receiver: "aisre", groupLabels: { instance: a.labels.instance }, commonLabels: a.labels, commonAnnotations: a.annotations, externalURL: "http://alertmanager", alerts: [a] });
  };

async function waitFor(url: string, child: ChildProcess, what: string, ms = 600_000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}) before ${url} answered`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return performance.now() - t0;
    if (performance.now() - t0 > ms) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Busy and total CPU time of the machine (every core), from os.cpus(). */
function machineTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
    total += t;
    busy += t - c.times.idle;
  }
  return { busy, total };
}

/**
 * Waits until the machine is quiet: under a quarter of its CPU busy in each of two seconds in a row
 * (at most `maxMs`); returns how long that took. A product just started is still warming (runbooks
 * indexed, the first polls and topology; the warm-up delivery's incident has its context gathered and
 * diagnosed, which its sandbox answers), which a storm would not find.
 */
async function machineQuiet(maxMs: number): Promise<number> {
  const t0 = performance.now();
  let quiet = 0;
  while (quiet < 2 && performance.now() - t0 < maxMs) {
    const a = machineTimes();
    await new Promise((r) => setTimeout(r, 1000));
    const b = machineTimes();
    quiet = (b.busy - a.busy) / Math.max(1, b.total - a.total) < 0.25 ? quiet + 1 : 0;
  }
  return performance.now() - t0;
}

const stop = (child: ChildProcess): Promise<void> => stopChild(child, 20_000);

async function runAlertmanager(bin: string): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), "aisre-bench-am-"));
  writeFileSync(join(dir, "am.yml"), "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n");
  const port = await freePort();
  const child = spawn(bin, [`--config.file=${join(dir, "am.yml")}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="], { stdio: "ignore" });
  try {
    await waitFor(`http://127.0.0.1:${port}/-/ready`, child, "alertmanager", 30_000);
    if (WARM_SECONDS > 0) await closedLoop(`http://127.0.0.1:${port}/api/v2/alerts`, amBody(`amwarm${Date.now()}`, "warm-svc"), { clients: CLIENTS, seconds: WARM_SECONDS });
    return await closedLoop(`http://127.0.0.1:${port}/api/v2/alerts`, amBody(`am${Date.now()}`), { clients: CLIENTS, seconds: SECONDS });
  } finally {
    await stop(child);
  }
}

/** Sums a Prometheus counter's samples whose labels contain `match`. */
function counter(text: string, metric: string, match: string): number {
  let sum = 0;
  for (const line of text.split("\n")) if (line.startsWith(metric) && line.includes(match)) sum += Number(line.split(" ").at(-1));
  return sum;
}

function rssMiB(pid: number): number {
  try {
    return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024);
  } catch {
    return Number.NaN;
  }
}

interface AisreRun extends LoadResult {
  readyMs: number;
  /** Unless AM_COMPARE_AT_READY: from /readyz to a first delivery processed, before the load. */
  warmMs?: number;
  /** Of warmMs: the last wait, until the machine was quiet (machineQuiet). */
  quietMs?: number;
  /** Deliveries of the warm-up load (WARM_SECONDS), all processed before the measured load. */
  warmDeliveries: number;
  /** CPU seconds the product's process (all its threads) used during the load. */
  cpuDuringLoad: number;
  /** Of those, its main thread's (the HTTP door, and processing unless it runs elsewhere). */
  mainCpuDuringLoad: number;
  /** GET /readyz (a store round trip) every 250 ms during the load: milliseconds, sorted. */
  roundTrips: number[];
  /** CPU seconds during the load by thread: the main thread, each worker thread (oldest first: the webhook door's comes first on PGlite), the rest. */
  threadsDuringLoad: Array<[string, number]>;
  processedDuringLoad: number;
  /** Bursts the door told during the load (it spilled, processing waited). */
  bursts: number;
  backlogAtEnd: number;
  drainSeconds: number;
  rssMiB: number;
  /** The sandbox's own process (npm start runs it beside the product). */
  sandboxRssMiB: string;
}

/**
 * Each run on Postgres gets a database of its own on `url`'s server, dropped after it — as each run on
 * PGlite gets a new data directory: on the given database itself, every run began with what the
 * earlier ones left (30,000 deliveries not yet processed, 220,000 dead rows) and took it for its own
 * load (780-2,050 deliveries/s from one run to the next).
 */
async function onFreshDatabase<T>(url: string | undefined, run: (url?: string) => Promise<T>): Promise<T> {
  if (!url) return run();
  const db = await createScratchDatabase(url);
  try {
    return await run(db.url);
  } finally {
    await dropScratchDatabase(url, db.name);
  }
}

/** The product as a user starts it (`node handlers/main.ts`, sandbox mode), on PGlite or on `databaseUrl`. */
async function runAisre(databaseUrl?: string): Promise<AisreRun> {
  const port = await freePort();
  const env: Record<string, string> = { ...PRODUCT_ENV, PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: String(port), SANDBOX_PORT: String(await freePort()), AISRE_DATA_DIR: mkdtempSync(join(tmpdir(), "aisre-bench-amc-")), LOG_LEVEL: "warn" };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  // AISRE_SANDBOX_PROCESS=true: the sandbox in its own process (its RSS is then printed apart).
  if (process.env.AISRE_SANDBOX_PROCESS) env.AISRE_SANDBOX_PROCESS = process.env.AISRE_SANDBOX_PROCESS;
  // AM_COMPARE_CPU_PROF=<dir>: the aisre process writes a V8 CPU profile there on exit.
  const prof = process.env.AM_COMPARE_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.AM_COMPARE_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...PRODUCT_NODE_FLAGS, ...prof, "handlers/main.ts"], { cwd: root, env, stdio: ["ignore", "ignore", "inherit"] });
  const base = `http://127.0.0.1:${port}`;
  const metrics = async () => {
    const text = await fetch(`${base}/metrics`).then((r) => r.text());
    return { accepted: counter(text, "aisre_webhooks_received_total", 'outcome="accepted"'), processed: counter(text, "aisre_webhook_delivery_outcomes_total", ""), bursts: counter(text, "aisre_webhook_bursts_total", "") };
  };
  try {
    const readyMs = await waitFor(`${base}/readyz`, child, "aisre");
    // The load starts once a first delivery is processed (the product has warmed after /readyz: the
    // simulation's history, the first topology, the Kubernetes and Jira clients loaded), so the run
    // measures the door and processing of a running product, as a storm finds it, rather than beside
    // the warm-up (on a loaded 2-core machine that takes 10-30 s and most of the main thread).
    // AM_COMPARE_AT_READY=1: at /readyz instead.
    let warmMs: number | undefined;
    let quietMs: number | undefined;
    let warmed = 0;
    if (!process.env.AM_COMPARE_AT_READY) {
      const t0 = performance.now();
      const first = await metrics();
      await fetch(`${base}/webhooks/alertmanager`, { method: "POST", headers: { "content-type": "application/json" }, body: aisreBody(`warm${Date.now()}`)(0) });
      while ((await metrics()).processed <= first.processed) {
        if (performance.now() - t0 > 300_000) throw new Error("no delivery processed within 300 s of /readyz");
        await new Promise((r) => setTimeout(r, 250));
      }
      // The warm-up load (WARM_SECONDS), every delivery of it processed…
      if (WARM_SECONDS > 0) {
        const warm = await closedLoop(`${base}/webhooks/alertmanager`, aisreBody(`aiwarm${Date.now()}`, "warm-svc"), { clients: CLIENTS, seconds: WARM_SECONDS });
        warmed = warm.ok;
        await drained(metrics, { accepted: 0, processed: 0 }, 300_000 - (performance.now() - t0));
      }
      // …and once the machine is quiet again (the runbooks indexed, the first polls and topology
      // made, the warm-up's incidents diagnosed: the sandbox answers those too), at most 60 s.
      quietMs = await machineQuiet(60_000);
      warmMs = performance.now() - t0;
    }
    const before = await metrics();
    const cpu0 = cpuSeconds(child.pid!);
    const main0 = mainThreadCpuSeconds(child.pid!);
    const threads0 = threadCpuSeconds(child.pid!);
    // Beside the load, not part of it: a round trip through the store every 250 ms (GET /readyz asks
    // the database), as a Slack click's statements wait behind processing's.
    const probe = storeRoundTrips(`${base}/readyz`);
    const load = await closedLoop(`${base}/webhooks/alertmanager`, aisreBody(`ai${Date.now()}`), { clients: CLIENTS, seconds: SECONDS });
    const roundTrips = await probe.stop();
    const cpuDuringLoad = cpuSeconds(child.pid!) - cpu0;
    const mainCpuDuringLoad = mainThreadCpuSeconds(child.pid!) - main0;
    const threadsDuringLoad = byThread(child.pid!, threads0, threadCpuSeconds(child.pid!));
    const atEnd = await metrics();
    const rss = rssMiB(child.pid!);
    const sandboxRss = childrenOf(child.pid!).map(rssMiB);
    const t0 = performance.now();
    await drained(metrics, before, 120_000);
    await stop(child); // writes the CPU profile when asked for one
    return {
      ...load,
      roundTrips,
      readyMs,
      warmMs,
      quietMs,
      warmDeliveries: warmed,
      cpuDuringLoad,
      mainCpuDuringLoad,
      threadsDuringLoad,
      processedDuringLoad: atEnd.processed - before.processed,
      bursts: atEnd.bursts - before.bursts,
      backlogAtEnd: atEnd.accepted - atEnd.processed,
      drainSeconds: (performance.now() - t0) / 1000,
      rssMiB: rss,
      sandboxRssMiB: sandboxRss.length ? sandboxRss.join("+") : "in the product",
    };
  } finally {
    await stop(child);
  }
}

/** GETs `url` every 250 ms (one at a time) until stopped; resolves with the latencies, sorted. */
function storeRoundTrips(url: string): { stop(): Promise<number[]> } {
  const times: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      await fetch(url).then(
        (r) => r.arrayBuffer(),
        () => undefined,
      );
      times.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return times.sort((a, b) => a - b);
    },
  };
}

/** CPU seconds between two snapshots: the main thread, each worker thread by age, the other threads summed by name (libuv-worker: the file system's writes; V8Worker: the garbage collector's and compiler's helpers). */
function byThread(pid: number, before: Map<number, { name: string; s: number }>, after: Map<number, { name: string; s: number }>): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const rest = new Map<string, number>();
  let workers = 0;
  for (const [tid, t] of [...after].sort((a, b) => a[0] - b[0])) {
    const s = t.s - (before.get(tid)?.s ?? 0);
    if (tid === pid) out.unshift(["main", s]);
    else if (t.name === "WorkerThread") out.push([`worker #${++workers}`, s]);
    else rest.set(t.name, (rest.get(t.name) ?? 0) + s);
  }
  return [...out, ...[...rest].sort((a, b) => b[1] - a[1])];
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n) : "n/a");

/**
 * Rounds: Alertmanager, then aisre on each store, again and again (AM_COMPARE_ROUNDS, 3 by default, 1
 * with --quick). On this 2-core machine one Alertmanager run gave 7,453 and the next 12,940/s, so a
 * single pair says little: each round's ratio is taken against the Alertmanager run just before it,
 * and the median of the rounds' ratios is the figure (the last round's details are printed too).
 */
const ROUNDS = Number(process.env.AM_COMPARE_ROUNDS ?? (process.argv.includes("--quick") ? 1 : 3));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function run(): Promise<Record<string, string | number>> {
  const bin = alertmanagerBinary();
  if (!bin) return { skipped: "Alertmanager not found: install it with `sudo apt-get install prometheus-alertmanager` (Debian/Ubuntu) and run again" };
  const out: Record<string, string | number> = {
    load: `${CLIENTS} concurrent keep-alive clients, ${SECONDS} s each after ${WARM_SECONDS} s of warm-up, one alert per delivery; ${ROUNDS} round(s) of Alertmanager then aisre`,
    "machine load (1-min average) at start": readFileSync("/proc/loadavg", "utf8").split(" ")[0] ?? "?",
  };
  // AM_COMPARE_STORES=postgres (or pglite): one store only.
  const stores = (process.env.AM_COMPARE_STORES ?? "pglite,postgres").split(",");
  const targets: Array<[string, string | undefined]> = stores.includes("pglite") ? [["PGlite (embedded default)", undefined]] : [];
  const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (pgUrl && stores.includes("postgres")) targets.push(["Postgres", pgUrl]);
  else if (!pgUrl) out.Postgres = "skipped: set TEST_DATABASE_URL or BENCH_DATABASE_URL";
  const amRates: number[] = [];
  const rounds = new Map<string, Array<{ rate: number; ratio: number; p99: number }>>(targets.map(([label]) => [label, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    const am = await runAlertmanager(bin);
    amRates.push(am.rate);
    const line = [`Alertmanager ${fmt(am.rate)}/s (p99 ${am.p99.toFixed(1)} ms)`];
    for (const [label, url] of targets) {
      const r = await onFreshDatabase(url, runAisre);
      rounds.get(label)!.push({ rate: r.rate, ratio: r.rate / am.rate, p99: r.p99 });
      line.push(`${label.split(" ")[0]} ${fmt(r.rate)}/s (ratio ${(r.rate / am.rate).toFixed(3)}, p99 ${r.p99.toFixed(1)} ms)`);
      if (round === ROUNDS) details(out, label, r, am);
    }
    out[`round ${round}`] = line.join("; ");
  }
  out["Alertmanager POST /api/v2/alerts deliveries/s, median of rounds"] = fmt(median(amRates));
  for (const [label, rs] of rounds) {
    out[`aisre ${label} deliveries/s, median of rounds`] = fmt(median(rs.map((r) => r.rate)));
    out[`aisre ${label} ratio to Alertmanager, median of rounds (min–max) (target ≥ 0.5)`] = `${median(rs.map((r) => r.ratio)).toFixed(3)} (${Math.min(...rs.map((r) => r.ratio)).toFixed(3)}–${Math.max(...rs.map((r) => r.ratio)).toFixed(3)})`;
    out[`aisre ${label} ack p99 ms, worst round (target ≤ 100)`] = Math.max(...rs.map((r) => r.p99)).toFixed(1);
  }
  return out;
}

/** The last round's figures for one store: where the CPU went, the backlog, memory, start. */
function details(out: Record<string, string | number>, label: string, r: AisreRun, am: LoadResult): void {
  out[`last round: Alertmanager ack p50 / p99 ms`] = `${am.p50.toFixed(1)} / ${am.p99.toFixed(1)}`;
  out[`last round: aisre ${label} ack p50 / p99 ms`] = `${r.p50.toFixed(1)} / ${r.p99.toFixed(1)}`;
  out[`last round: aisre ${label} refused / errors`] = `${r.failed} ${JSON.stringify(r.statuses)}`;
  out[`last round: aisre ${label} processed during load /s`] = fmt(r.processedDuringLoad / r.seconds);
  // What a busy machine disturbs least: the product's CPU per delivery acknowledged during the load
  // (all its threads; processing of what was acknowledged is partly in it, so read it with the line above).
  out[`last round: aisre ${label} product CPU s during the load; ms per acknowledged delivery`] = `${r.cpuDuringLoad.toFixed(1)}; ${((1000 * r.cpuDuringLoad) / Math.max(1, r.ok)).toFixed(2)}`;
  out[`last round: aisre ${label} main thread CPU ms per acknowledged delivery`] = ((1000 * r.mainCpuDuringLoad) / Math.max(1, r.ok)).toFixed(2);
  out[`last round: aisre ${label} CPU ms per acknowledged delivery by thread`] = r.threadsDuringLoad.map(([name, s]) => `${name} ${((1000 * s) / Math.max(1, r.ok)).toFixed(3)}`).join(", ");
  const rt = r.roundTrips;
  out[`last round: aisre ${label} store round trip during the load (GET /readyz every 250 ms) p50 / max ms`] = rt.length ? `${rt[Math.floor(rt.length / 2)]!.toFixed(1)} / ${rt.at(-1)!.toFixed(1)} (${rt.length})` : "n/a";
  out[`last round: aisre ${label} bursts the door told during the load`] = r.bursts;
  out[`last round: aisre ${label} backlog at end of load`] = r.backlogAtEnd;
  out[`last round: aisre ${label} seconds to drain the backlog`] = r.drainSeconds.toFixed(1);
  out[`last round: aisre ${label} RSS MB after the load (product; sandbox process)`] = `${r.rssMiB}; ${r.sandboxRssMiB}`;
  out[`last round: aisre ${label} start → /readyz ms`] = fmt(r.readyMs);
  out[`last round: aisre ${label} load started`] =
    r.warmMs === undefined ? "at /readyz (AM_COMPARE_AT_READY=1)" : `${fmt(r.warmMs)} ms after /readyz, once a first delivery was processed, ${r.warmDeliveries} of a ${WARM_SECONDS} s warm-up load processed, and the machine quiet (${fmt(r.quietMs ?? Number.NaN)} ms of that)`;
  if (process.env.AM_COMPARE_CPU_PROF) cpuShares(process.env.AM_COMPARE_CPU_PROF).forEach((line, i) => (out[`last round: aisre ${label} CPU #${i + 1} (whole run incl. start)`] = line));
}
