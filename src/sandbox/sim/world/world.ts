import { SERVICES, serviceSpec } from "../catalog.ts";
import { Rng } from "../../../domain/random.ts";
import { Cluster } from "./cluster.ts";
import { Database, type DbQuery } from "./database.ts";
import { type Fault, mergeEffects } from "./faults.ts";
import { podLogLines } from "./logs.ts";
import { appendLog, stepPod } from "./pods.ts";
import { isPodReady, RolloutController, type RolloutInfo, type RolloutListener } from "./rollout.ts";
import { computeSignals, type ErrorCause, type ServiceInputs, type Signals } from "./signals.ts";
import type { PodEffect, SimPod } from "./types.ts";

export const STEP_MS = 15_000;
const DAY = 86_400_000;

export const REPORT_QUERY_NIGHTLY = "SELECT date_trunc('day', o.created_at) AS day, o.region, sum(i.quantity * i.unit_price) AS revenue FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.created_at >= now() - interval '1 day' GROUP BY 1, 2";

interface ScheduledAction {
  at: number;
  label: string;
  run: () => void;
}

interface RunningJob {
  jobName: string;
  podName: string;
  queryId: string;
  endsAt: number;
}

/**
 * The simulated world, advanced in fixed 15-second steps: the cluster, the database, the faults,
 * the request model and the queue. Everything observable (metrics, logs, k8s objects) is derived
 * from it; `onStep` listeners (metrics, alerts) run after each step.
 */
export class World {
  readonly rng: Rng;
  readonly cluster: Cluster;
  readonly db = new Database();
  readonly rollout: RolloutController;
  faults: Fault[] = [];
  signals = new Map<string, Signals>();
  effects = new Map<string, PodEffect>();
  now: number;
  queueDepth = 35;
  /** Messages per second in/out of the queue during the last step. */
  queueIn = 0;
  queueOut = 0;
  cacheEvictionsPerSec = 0;
  private readonly noise = new Map<string, number>();
  private timeline: ScheduledAction[] = [];
  private readonly stepListeners: Array<(w: World) => void> = [];
  private readonly rolloutListeners: RolloutListener[] = [];
  private job: RunningJob | undefined;

  constructor(options: { seed: number; start: number }) {
    this.rng = new Rng(options.seed);
    this.now = Math.floor(options.start / STEP_MS) * STEP_MS;
    this.cluster = new Cluster(this.rng, this.now);
    // The listener list itself, not a closure over this world: a copy of the world (history-memo.ts)
    // gets its own list.
    this.rollout = new RolloutController(this.cluster, this.rolloutListeners);
    for (const s of SERVICES) this.noise.set(s.name, 0);
    this.signals = computeSignals(this.now, this.inputs());
  }

  onStep(listener: (w: World) => void): void {
    this.stepListeners.push(listener);
  }

  onRollout(listener: RolloutListener): void {
    this.rolloutListeners.push(listener);
  }

  /** Runs `run` when simulated time reaches `at` (at the first step at or after it). */
  schedule(at: number, label: string, run: () => void): void {
    this.timeline.push({ at, label, run });
    this.timeline.sort((a, b) => a.at - b.at);
  }

  cancelScheduled(prefix: string): void {
    this.timeline = this.timeline.filter((a) => !a.label.startsWith(prefix));
  }

  addFault(f: Fault): void {
    this.faults = [...this.faults.filter((x) => x.id !== f.id), f];
  }

  removeFaults(prefix: string): void {
    this.faults = this.faults.filter((f) => !f.id.startsWith(prefix));
  }

  /** Changes a deployment's image (and env) like CI would; the rollout controller takes it from there. */
  deploy(service: string, version: string, options: { env?: Record<string, string>; creator?: string; description?: string } = {}): void {
    const dep = this.cluster.deployments.get(service);
    if (!dep) throw new Error(`no deployment ${service}`);
    const c = dep.spec.template.spec.containers[0];
    c.image = `${serviceSpec(service).image}:${version}`;
    dep.spec.template.metadata.labels.version = version;
    for (const [name, value] of Object.entries(options.env ?? {})) {
      c.env = [...(c.env ?? []).filter((e: { name: string }) => e.name !== name), { name, value }];
    }
    dep.metadata.generation += 1;
    this.cluster.touch(dep);
    this.rollout.pendingDeploys.set(service, {
      id: 400_000_000 + this.rng.int(90_000_000),
      sha: this.rng.hex(40),
      creator: options.creator ?? "deploy-bot",
      description: options.description ?? `Deploy ${service} ${version}`,
    });
  }

  /** Starts the reporting CronJob's Job now, running `query` on orders-db. */
  startReportJob(query: string, targetCores: number, durationMs: number, runaway: boolean): DbQuery {
    this.finishJob(false, "superseded");
    const s = serviceSpec("reporting");
    const job = this.cluster.createJob(s, this.now);
    const pod = this.cluster.createPod(s, "Job", job, this.now, false);
    const q = this.db.start({ usename: "reporting", applicationName: "reporting-job", clientAddr: pod.ip, query, startedAt: this.now + 3000, targetCores, runaway });
    this.job = { jobName: job.metadata.name, podName: pod.name, queryId: q.queryId, endsAt: this.now + durationMs };
    const cj = this.cluster.cronjobs.get("reporting")!;
    cj.status = { ...cj.status, lastScheduleTime: new Date(this.now).toISOString().replace(/\.\d+Z$/, "Z"), active: [{ kind: "Job", name: job.metadata.name, namespace: "shop", apiVersion: "batch/v1" }] };
    this.cluster.touch(cj);
    return q;
  }

  private finishJob(ok: boolean, message: string): void {
    if (!this.job) return;
    const job = this.cluster.jobs.get(this.job.jobName);
    const pod = this.cluster.pods.get(this.job.podName);
    if (job && pod) {
      const line = ok
        ? `${new Date(this.now).toISOString()} INFO [reporting] report written to s3://acme-shop-reports/daily/${new Date(this.now).toISOString().slice(0, 10)}.parquet`
        : `${new Date(this.now).toISOString()} ERROR [reporting] psycopg2.errors.${message === "killed" ? "AdminShutdown: terminating connection due to administrator command" : `QueryCanceled: ${message}`}`;
      appendLog(pod, { at: this.now, text: line });
      this.cluster.finishJob(job, pod, this.now, ok, message);
      this.cluster.event({ kind: "Job", name: job.metadata.name, uid: job.metadata.uid }, ok ? "Completed" : "BackoffLimitExceeded", ok ? "Job completed" : "Job has reached the specified backoff limit", ok ? "Normal" : "Warning", "job-controller");
    }
    const cj = this.cluster.cronjobs.get("reporting")!;
    cj.status = { ...cj.status, active: undefined, ...(ok ? { lastSuccessfulTime: new Date(this.now).toISOString().replace(/\.\d+Z$/, "Z") } : {}) };
    this.cluster.touch(cj);
    this.db.finish(this.job.queryId);
    this.job = undefined;
  }

  /** `pg_terminate_backend`: ends a statement; the job that ran it fails. */
  killQuery(queryId: string | undefined, by: string): DbQuery | undefined {
    const q = this.db.kill(queryId, this.now, by);
    if (q && this.job && this.job.queryId === q.queryId) this.finishJob(false, "killed");
    if (q) {
      const db = this.cluster.pods.get("orders-db-0");
      if (db) appendLog(db, { at: this.now, text: `${new Date(this.now).toISOString().replace("T", " ").replace("Z", " UTC")} [${q.pid}] FATAL:  terminating connection due to administrator command` });
    }
    return q;
  }

  step(): void {
    this.now += STEP_MS;
    this.cluster.now = this.now;
    while (this.timeline.length > 0 && this.timeline[0]!.at <= this.now) this.timeline.shift()!.run();
    this.cron();
    this.rollout.step();
    this.db.step(STEP_MS);

    this.effects = new Map();
    for (const pod of this.cluster.pods.values()) {
      const effect = mergeEffects(this.faults.map((f) => f.podEffect?.(pod, this.now)));
      this.effects.set(pod.name, effect);
      const prev = this.signals.get(pod.service);
      stepPod(this.cluster, pod, serviceSpec(pod.service), effect, prev?.utilization ?? 0.5, STEP_MS);
    }
    this.signals = computeSignals(this.now, this.inputs());
    this.updateQueue();
    this.updatePodUsage();
    this.writeLogs();
    for (const l of this.stepListeners) l(this);
  }

  private cron(): void {
    const dayStart = Math.floor(this.now / DAY) * DAY;
    const at = dayStart + 2 * 3_600_000;
    if (this.now >= at && this.now - STEP_MS < at && !this.job) this.startReportJob(REPORT_QUERY_NIGHTLY, 0.5, 38 * 60_000, false);
    if (this.job && this.now >= this.job.endsAt) this.finishJob(true, "");
    if (this.job) {
      const pod = this.cluster.pods.get(this.job.podName);
      if (pod && pod.phase === "Running" && this.rng.next() < 0.2) appendLog(pod, { at: this.now, text: `${new Date(this.now).toISOString()} INFO [reporting] waiting for query pid=${this.job.queryId} (${Math.round((this.now - pod.containerStartedAt) / 1000)}s)` });
    }
  }

  readyPods(service: string): SimPod[] {
    return this.cluster.servicePods(service).filter((p) => isPodReady(p, this.now));
  }

  private inputs(): Map<string, ServiceInputs> {
    const out = new Map<string, ServiceInputs>();
    for (const s of SERVICES) {
      const prev = this.noise.get(s.name) ?? 0;
      const n = 0.85 * prev + 0.15 * this.rng.normal();
      this.noise.set(s.name, n);
      const ready = s.kind === "job" ? this.cluster.servicePods(s.name).filter((p) => p.phase === "Running") : this.readyPods(s.name);
      let errSum = 0;
      let cause: ErrorCause = "defect";
      let leaked = 0;
      let memPressure = 0;
      for (const p of ready) {
        const e = this.effects.get(p.name);
        if (e?.errorRatio) {
          errSum += e.errorRatio;
          cause = e.errorCause ?? "defect";
        }
        leaked += e?.leakedConnections ?? 0;
        if (s.memLimitMiB > 0) memPressure += Math.max(0, p.memBytes / (s.memLimitMiB * 1024 * 1024) - 0.75);
      }
      let latencyFactor = 1 + (ready.length ? (memPressure / ready.length) * 8 : 0);
      let capacityFactor = 1 / latencyFactor;
      for (const f of this.faults) {
        const e = f.serviceEffect?.(s.name, this.now);
        if (e?.latencyFactor) latencyFactor *= e.latencyFactor;
        if (e?.capacityFactor) capacityFactor *= e.capacityFactor;
      }
      let consumeRps: number | undefined;
      if (s.kind === "worker") {
        const db = this.signals.get("orders-db");
        const dbSlow = db ? Math.max(1, (db.p50 * 4 + 0.12) / 0.135) : 1;
        const capacity = (ready.length * s.podCapacityRps * capacityFactor) / dbSlow;
        consumeRps = Math.min(this.queueDepth / (STEP_MS / 1000) + this.queueIn, capacity);
      }
      out.set(s.name, {
        readyPods: ready.length,
        podErrorRatio: ready.length ? errSum / ready.length : 0,
        podErrorCause: cause,
        leakedConnections: leaked,
        extraCores: s.name === "orders-db" ? this.db.extraCores() : 0,
        latencyFactor,
        capacityFactor,
        consumeRps,
        noise: Math.max(0.85, 1 + 0.04 * n),
      });
    }
    return out;
  }

  private updateQueue(): void {
    const checkout = this.signals.get("checkout")!;
    this.queueIn = checkout.rps * (1 - checkout.errorRatio);
    this.queueOut = this.signals.get("order-processor")!.rps;
    this.queueDepth = Math.max(0, this.queueDepth + (this.queueIn - this.queueOut) * (STEP_MS / 1000));
    this.cacheEvictionsPerSec = 0.4 + this.faults.reduce((a, f) => a + (f.cacheEvictionsPerSec?.(this.now) ?? 0), 0);
  }

  private updatePodUsage(): void {
    for (const s of SERVICES) {
      const sig = this.signals.get(s.name)!;
      const pods = this.cluster.servicePods(s.name);
      const ready = pods.filter((p) => isPodReady(p, this.now));
      for (const p of pods) {
        const running = p.phase === "Running" && !p.waiting;
        const cores = !running ? 0.001 : ready.includes(p) ? (sig.cpuCores / Math.max(1, ready.length)) * (1 + 0.03 * this.rng.normal()) : s.cpuIdleCores * 2;
        p.cpuCores = Math.max(0.001, Math.min(cores, s.cpuLimitCores));
        p.cpuSecondsTotal += (p.cpuCores * STEP_MS) / 1000;
      }
    }
  }

  private writeLogs(): void {
    for (const pod of this.cluster.pods.values()) {
      if (pod.phase !== "Running" || pod.waiting || !isPodReady(pod, this.now)) continue;
      const s = serviceSpec(pod.service);
      const sig = this.signals.get(s.name)!;
      const effect = this.effects.get(pod.name);
      // Pod-level causes (a defect, a full disk) only on the pods that have them.
      const podSig: Signals = {
        ...sig,
        causes: sig.causes.filter((c) => (c.cause !== "defect" && c.cause !== "disk-full") || effect?.errorRatio).map((c) => (c.cause === "defect" || c.cause === "disk-full" ? { ...c, ratio: effect?.errorRatio ?? 0 } : c)),
      };
      for (const line of podLogLines(s, pod, podSig, this.rng, this.now - STEP_MS, STEP_MS, effect?.errorLog)) appendLog(pod, line);
      if (s.name === "orders-db") this.dbLogs(pod);
    }
  }

  private dbLogs(pod: SimPod): void {
    for (const q of this.db.queries) {
      if (this.rng.next() < 0.25 && this.now - q.startedAt > 30_000) {
        const ms = this.now - q.startedAt;
        appendLog(pod, { at: this.now, text: `${new Date(this.now).toISOString().replace("T", " ").replace("Z", " UTC")} [${q.pid}] LOG:  process ${q.pid} still waiting; duration: ${ms}.000 ms  statement: ${q.query}` });
      }
    }
    const sig = this.signals.get("orders-db")!;
    if (sig.p99 > 0.5 && this.rng.next() < 0.6) {
      appendLog(pod, {
        at: this.now - this.rng.int(STEP_MS),
        text: `${new Date(this.now).toISOString().replace("T", " ").replace("Z", " UTC")} [${20000 + this.rng.int(40000)}] LOG:  duration: ${(sig.p99 * 1000).toFixed(3)} ms  execute <unnamed>: SELECT id, status, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20`,
      });
    }
  }

  rolloutHistory(): RolloutInfo[] {
    return this.rollout.history;
  }
}
