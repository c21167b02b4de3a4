import { clockOf, type Clock } from "../../domain/clock.ts";
import { randomBytes } from "node:crypto";
import { Router, type RouteHandler } from "../../http/router.ts";
import type { ServerResponse } from "node:http";
import { type SimInput, type SimState, SimulationFiles } from "./persist.ts";
import { type Logger, silentLogger } from "../../log.ts";
import type { SandboxPart, ScenarioControl, ScenarioInfo } from "../part.ts";
import { AlertGrouper, type WebhookPayload } from "./alerts/alertmanager.ts";
import { RuleEngine } from "./alerts/engine.ts";
import { deploymentStatusPayload, githubHeaders } from "./alerts/github.ts";
import { ALERT_RULES } from "./alerts/rules.ts";
import { AlarmEvaluator } from "./cloudwatch/alarms.ts";
import { cloudwatchRouter } from "./cloudwatch/api.ts";
import { DeliveryQueue } from "./delivery.ts";
import { serviceHealth, type ServiceHealth } from "./health.ts";
import { hooksRouter } from "./hooks.ts";
import { type K8sAction, k8sRouter } from "./k8s/api.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { hasHistory, rememberHistory, restoreHistory } from "./history-memo.ts";
import { adoptHistory, historyInWorker, historyParts } from "./history-worker.ts";
import { prometheusRouter } from "./prometheus/api.ts";
import { Rng } from "../../domain/random.ts";
import { scenarioByName, SCENARIOS } from "./scenarios/catalog.ts";
import { NAMESPACE } from "./catalog.ts";
import type { ScenarioContext, SimScenarioInfo } from "./scenarios/types.ts";
import { type SimTopology, simTopology } from "./topology.ts";
import { revisionOf } from "./world/cluster.ts";
import type { RolloutInfo } from "./world/rollout.ts";
import { STEP_MS, type World } from "./world/world.ts";

export interface SimulatedSystemOptions {
  /** Simulated seconds per real second (SIM_SPEED). */
  speed: number;
  seed?: number;
  /** Where the kubeconfig is written. */
  dataDir: string;
  /** Base URL the sandbox is reachable at, e.g. http://127.0.0.1:3001. */
  publicUrl: string;
  /** The bot's `/webhooks/alertmanager`. */
  alertWebhookUrl?: string;
  /** The bot's GitHub webhook endpoint (deployment_status). */
  githubWebhookUrl?: string;
  githubSecret?: string;
  logger?: Logger;
  /** Simulated start (ms); default: now. */
  startTime?: number;
  /** Healthy history generated before the start (ms); default 3 hours. */
  historyMs?: number;
  /**
   * When the history (and a saved world's replay) is generated: "now" (default), before this
   * returns; "later", by `warm()` in slices that leave the event loop free between them, or at
   * once when something needs the world first (its routes wait for it; `tick`, `health`… fill it
   * there and then). Until then the clock stands at the instant the history ends. "worker": as
   * "later", `warm()` has the history's steps taken in a worker thread (history-worker.ts), waits for
   * them and copies them in (else generates them itself, in slices, if the worker could not); the
   * event loop stays free meanwhile.
   */
  history?: "now" | "later" | "worker";
  /** Alertmanager timing (sim ms): group_wait 30s, group_interval 5m, repeat_interval 4h by default. */
  alertmanager?: { groupWaitMs?: number; groupIntervalMs?: number; repeatIntervalMs?: number };
  /**
   * Keep the simulation in `dataDir` (simulation.json, simulation-inputs.jsonl) and continue a saved
   * one of the same seed: the sandbox's own process sets it, so a restart goes on with the same world.
   */
  persist?: boolean;
  /**
   * The most simulated time past the start a restart rebuilds by replay (default 6 hours): a replay
   * takes every step again, so a world that ran longer than this begins anew instead of making the
   * restart slower every hour it ran.
   */
  maxReplayMs?: number;
}

/** Default bound on a restart's replay: 6 simulated hours past the start (1,440 steps, a few seconds). */
export const MAX_REPLAY_MS = 6 * 3_600_000;

export interface ActionRecord {
  at: string;
  action: string;
  target: string;
  detail: string;
}

export interface SimulatedSystem extends SandboxPart, ScenarioControl {
  readonly name: string;
  readonly router: Router;
  /** Path of the kubeconfig written into dataDir. */
  readonly kubeconfigPath: string;
  /** Bearer token the simulated API server accepts. */
  readonly token: string;
  /** Starts the real-time clock (SandboxPart) or a scenario (ScenarioControl); `overlap` keeps the running ones. */
  start(): Promise<void>;
  start(name: string, opts?: { overlap?: boolean }): Promise<ScenarioInfo>;
  /** Stops the clock and deliveries (SandboxPart) or a scenario (ScenarioControl). */
  stop(): Promise<void>;
  stop(name: string): Promise<void>;
  list(): SimScenarioInfo[];
  /** Ground truth of the running scenario (with its concrete fix target), or null. */
  activeInfo(): (SimScenarioInfo & { startedAt: string }) | null;
  topology(): SimTopology;
  /** Advances simulated time by `simMs` now (tests; works with or without the real-time clock). */
  tick(simMs: number): void;
  /** Current simulated time (ms since epoch). */
  now(): number;
  /** The simulation's clock as the product's Clock port (the system's time in the sandbox). */
  clock: Clock;
  /** The simulated cluster's namespace. */
  namespace: string;
  health(): ServiceHealth[];
  /** Alerts currently firing in the simulation's Prometheus. */
  firingAlerts(): Array<{ alertname: string; service: string; severity: string; labels: Record<string, string>; since: string }>;
  /** Alertmanager notifications produced so far (whether or not a webhook URL is set). */
  notifications(): WebhookPayload[];
  /** Remediations seen through the APIs (rollout restart, scale, rollback, kill query, …). */
  actions(): ActionRecord[];
  /** Resolves when every queued webhook has been delivered. */
  flush(): Promise<void>;
  /** The simulated world (for tests and the sandbox page). */
  readonly world: World;
  /** Generates the history not generated yet (history: "later") in slices; resolves once the world is live. */
  warm(): Promise<void>;
  /** False while the history is still to be generated (history: "later"). */
  warmed(): boolean;
}

/** Steps of history generated per slice of `warm()` (a few ms each), between which the event loop runs. */
const WARM_SLICE_STEPS = 20;

/** Where a replayed request's answer goes: nowhere (it was answered when it was made). */
const DISCARDED_RESPONSE = {
  statusCode: 200,
  headersSent: false,
  writeHead() {
    return this;
  },
  setHeader() {
    return this;
  },
  getHeader: () => undefined,
  write: () => true,
  end() {
    return this;
  },
} as unknown as ServerResponse;

export function createSimulatedSystem(options: SimulatedSystemOptions): SimulatedSystem {
  const logger = (options.logger ?? silentLogger).child({ part: "sim" });
  const seed = options.seed ?? 42;
  const speed = options.speed > 0 ? options.speed : 1;
  const historyMs = options.historyMs ?? 3 * 3_600_000;
  // A saved simulation of the same seed (and start, when one is asked for) is continued.
  const files = options.persist ? new SimulationFiles(options.dataDir, logger) : undefined;
  let saved = files?.load();
  if (saved && (saved.state.seed !== seed || saved.state.historyMs !== historyMs || (options.startTime !== undefined && options.startTime !== saved.state.start))) {
    logger.warn({ savedSeed: saved.state.seed, seed }, "sim: the saved simulation is of another seed or start; a new world begins (the old files are kept aside)");
    files?.discard();
    saved = undefined;
  }
  const ranMs = saved ? saved.state.steps * STEP_MS - historyMs : 0;
  if (saved && ranMs > (options.maxReplayMs ?? MAX_REPLAY_MS)) {
    logger.warn({ ranHours: Math.round(ranMs / 360_000) / 10, inputs: saved.inputs.length }, "sim: the saved simulation ran longer than a restart replays; a new world begins (the old files are kept aside)");
    files?.discard();
    saved = undefined;
  }
  const start = saved?.state.start ?? options.startTime ?? Date.now();
  const { world, store, emitter } = historyParts(seed, start, historyMs);
  const rules = new RuleEngine(store, ALERT_RULES);
  const alarms = new AlarmEvaluator(world.now);
  const publicUrl = options.publicUrl.replace(/\/$/, "");
  const am = options.alertmanager ?? {};
  const grouper = new AlertGrouper({
    receiver: "aisre",
    groupBy: ["alertname", "service"],
    groupWaitMs: am.groupWaitMs ?? 30_000,
    groupIntervalMs: am.groupIntervalMs ?? 5 * 60_000,
    repeatIntervalMs: am.repeatIntervalMs ?? 4 * 3_600_000,
    externalUrl: `${publicUrl}/alertmanager`,
    generatorUrl: (expr) => `${publicUrl}/prometheus/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=1`,
  });
  const deliveries = new DeliveryQueue({ logger });
  const idRng = new Rng(seed ^ 0x5bd1e995);
  const token = saved?.state.token ?? randomBytes(24).toString("hex");
  const kubeconfigPath = writeKubeconfig(options.dataDir, publicUrl, token);
  const sent: WebhookPayload[] = [];
  const actions: ActionRecord[] = [];
  let live = false;
  let steps = 0;
  /** Rebuilding a saved world: everything happens again, except what went out (webhooks, logs). */
  let replaying = false;
  // The running scenarios, latest last: one at a time unless a start asks to overlap the others.
  const running: Array<{ def: (typeof SCENARIOS)[number]; ctx: ScenarioContext; info: SimScenarioInfo }> = [];
  const latest = () => running.at(-1) ?? null;

  const recordAction = (action: string, target: string, detail: string): void => {
    actions.push({ at: new Date(world.now).toISOString(), action, target, detail });
    if (actions.length > 500) actions.shift();
    if (!replaying) logger.info({ action, target, detail }, "sim: remediation applied");
  };

  world.onStep((w) => {
    emitter.emit(w);
    steps += 1;
    if (!live) return;
    if (steps % 2 === 0) {
      rules.evaluate(w.now);
      grouper.ingest([...rules.alerts.values()], w.now);
      for (const payload of grouper.flush(w.now)) {
        sent.push(payload);
        if (sent.length > 500) sent.shift();
        if (options.alertWebhookUrl && !replaying) deliveries.enqueue("alertmanager", options.alertWebhookUrl, payload);
      }
    }
    if (steps % 4 === 0) alarms.evaluate(store, w.now);
  });

  world.onRollout((event, r: RolloutInfo) => {
    if (!live || !r.deploy) return;
    const state = event === "started" ? "in_progress" : event === "succeeded" ? "success" : "failure";
    const body = JSON.stringify(deploymentStatusPayload(r, state, world.now, `${publicUrl}/k8s/apis/apps/v1/namespaces/shop/deployments/${r.deployment}`));
    const headers = githubHeaders("deployment_status", idRng.uuid(), body, options.githubSecret);
    if (replaying) return;
    if (options.githubWebhookUrl) deliveries.enqueue("github", options.githubWebhookUrl, body, headers);
    logger.info({ deployment: r.deployment, version: r.version, state }, "sim: deploy status");
  });

  // Healthy history before "now" (generated by fill, below), so baselines exist from the first query.
  const firstStep = world.now;
  const historySteps = start >= firstStep + STEP_MS ? Math.floor((start - firstStep) / STEP_MS) : 0;
  /** Where the world stands once filled: the clock reads this until then. */
  const filledAt = firstStep + Math.max(historySteps, saved?.state.steps ?? 0) * STEP_MS;
  let stage: "history" | "replay" | "done" = "history";
  const memo = options.startTime !== undefined;
  // The history's steps in a worker thread (unless this process has them already), started by warm().
  const inWorker = () => options.history === "worker" && historySteps > 0 && stage === "history" && steps === 0 && !(memo && hasHistory(seed, start, historyMs));
  let generating: ReturnType<typeof historyInWorker> | undefined;
  let replayBegan: number | undefined;
  let savedOnce = false;
  let warming: Promise<void> | undefined;
  /** The history generated in slices, the event loop running between them. */
  const warm = (): Promise<void> => {
    if (stage === "done") return Promise.resolve();
    warming ??= (async () => {
      // The worker's history, copied in (unless something needed the world at once meanwhile).
      if (inWorker()) generating = historyInWorker({ seed, start, historyMs });
      const worked = await generating?.result;
      if (worked && generating && stage === "history" && steps === 0) {
        const taken = adoptHistory(worked, { world, store, emitter });
        if (taken !== undefined) steps = taken;
      }
      generating = undefined;
    })().then(
      () =>
        new Promise<void>((resolve, reject) => {
          const slice = () => {
            try {
              if (fill(WARM_SLICE_STEPS)) resolve();
              else setImmediate(slice);
            } catch (e) {
              reject(e);
            }
          };
          setImmediate(slice);
        }),
    );
    return warming;
  };
  /** The world live now: what is left of the history generated at once (for what reads the world synchronously). */
  const warmNow = (): void => {
    if (stage !== "done") fill();
  };
  /** The real-time clock was asked to start before the history was generated: it starts once it is. */
  let clockWanted = false;

  // Inputs of a saved simulation not yet applied again (each comes before the step it was made at).
  const replay: SimInput[] = saved ? [...saved.inputs].sort((x, y) => x.step - y.step) : [];
  const applyDue = (): void => {
    for (let next = replay[0]; next !== undefined && next.step <= steps; next = replay[0]) {
      replay.shift();
      applyInput(next);
    }
  };
  /** One step of the world, after the replayed inputs due before it. */
  const advance = (): void => {
    if (replay.length > 0) applyDue();
    world.step();
  };

  let remainder = 0;
  const tick = (simMs: number): void => {
    remainder += simMs;
    while (remainder >= STEP_MS) {
      remainder -= STEP_MS;
      advance();
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let realBase = 0;
  let simBase = 0;
  /** The real-time clock's anchor of a saved simulation: its clock goes on from there once started. */
  let savedAnchor: SimState["anchor"];
  let saver: NodeJS.Timeout | undefined;

  /** Changes through the APIs (anything but a GET) are inputs: recorded with their step before they take effect. */
  const recorded =
    (handler: RouteHandler): RouteHandler =>
    (req, res) => {
      if (files && !replaying && req.method !== "GET") {
        const headers: Record<string, string> = {};
        for (const h of ["authorization", "content-type"]) if (typeof req.headers[h] === "string") headers[h] = req.headers[h];
        const query = req.query.toString();
        files.append({ step: steps, kind: "http", method: req.method, url: `${req.path}${query ? `?${query}` : ""}`, headers, body: req.body.toString("base64") });
      }
      return handler(req, res);
    };

  const router = new Router();
  router.includeWrapped(
    k8sRouter({
      world,
      token,
      onAction: (a: K8sAction) => recordAction(a.action, `${a.namespace}/${a.name}`, a.detail),
    }),
    recorded,
  );
  router.include(prometheusRouter({ store, rules, now: () => world.now }));
  router.include(cloudwatchRouter({ store, alarms }));

  /** Starts a scenario now (recorded as an input first, unless it is being replayed). */
  function startScenario(name: string, opts: { overlap?: boolean } = {}): ScenarioInfo {
    const def = scenarioByName(name);
    if (!def) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
    if (files && !replaying) files.append({ step: steps, kind: "scenario", op: "start", name, ...(opts.overlap ? { overlap: true } : {}) });
    for (const r of [...running]) if (!opts.overlap || r.def.name === name) stopScenario(r.def.name, false);
    const ctx: ScenarioContext = { world, startedAt: world.now, id: `scenario:${name}:${world.now}` };
    const extra = def.start(ctx) ?? {};
    const info = { ...def.info(), ...(extra.fixTarget ? { fixTarget: extra.fixTarget } : {}) };
    running.push({ def, ctx, info });
    if (!replaying) logger.info({ scenario: name, rootCause: info.rootCause }, "sim: scenario started");
    return info;
  }

  function stopScenario(name: string, record = true): void {
    const i = running.findIndex((r) => r.def.name === name);
    const [r] = i < 0 ? [] : running.splice(i, 1);
    if (!r) return;
    if (record && files && !replaying) files.append({ step: steps, kind: "scenario", op: "stop", name });
    r.def.stop?.(r.ctx);
    world.removeFaults(r.ctx.id);
    world.cancelScheduled(r.ctx.id);
    if (!replaying) logger.info({ scenario: name }, "sim: scenario stopped");
  }

  /** Applies a recorded input again, at the step it was made at. */
  function applyInput(input: SimInput): void {
    try {
      if (input.kind === "scenario") {
        if (input.op === "start") startScenario(input.name, { overlap: input.overlap === true });
        else stopScenario(input.name);
        return;
      }
      router.dispatch({ method: input.method, url: input.url, headers: input.headers, body: Buffer.from(input.body, "base64") }, DISCARDED_RESPONSE);
    } catch (e) {
      logger.debug({ err: e, input: input.kind }, "sim: a replayed input failed (as it did when it was made)");
    }
  }

  async function startImpl(name?: string, opts: { overlap?: boolean } = {}): Promise<ScenarioInfo | undefined> {
    if (name !== undefined) {
      if (stage !== "done") await warm();
      return startScenario(name, opts);
    }
    deliveries.resume();
    if (timer) return undefined;
    if (stage !== "done") {
      // The clock runs from where the history ends, once it is generated (warm() or the first need).
      clockWanted = true;
      return undefined;
    }
    realBase = Date.now();
    simBase = world.now + remainder;
    // A restored simulation's clock went on while the sandbox was down: it catches up (or skips ahead).
    if (savedAnchor) ({ realBase, simBase } = savedAnchor);
    savedAnchor = undefined;
    // Where the clock stands is saved every second while it runs (inputs are saved as they come).
    if (files) {
      saver = setInterval(() => files.save(stateNow()), 1000);
      saver.unref?.();
    }
    timer = setInterval(() => {
      const target = simBase + (Date.now() - realBase) * speed;
      let budget = 400;
      while (world.now + remainder + STEP_MS <= target && budget-- > 0) advance();
      if (budget <= 0) {
        simBase = world.now;
        realBase = Date.now();
        logger.warn("sim: falling behind real time; skipping ahead");
      }
    }, 100);
    timer.unref?.();
    return undefined;
  }

  async function stopImpl(name?: string): Promise<void> {
    if (name !== undefined) {
      if (stage !== "done") await warm();
      return stopScenario(name);
    }
    clockWanted = false;
    generating?.stop();
    // Saved with the clock's anchor: simulated time goes on while the sandbox is down, as after a crash
    // (not before the world is generated: the saved state is then still the right one).
    if (files && stage === "done") files.save(stateNow());
    if (timer) clearInterval(timer);
    timer = undefined;
    clearInterval(saver);
    saver = undefined;
    deliveries.stop();
  }

  const stateNow = (): SimState => ({ version: 1, seed, start, historyMs, speed, token, steps, remainder, ...(timer ? { anchor: { realBase, simBase } } : {}), deliveries: deliveries.waiting() });

  // Served routes (added below, once all are in `router`) wait for the world to be generated without
  // blocking the event loop; replayed inputs go to `router` itself.
  const served = new Router();
  const system: SimulatedSystem = {
    name: "sim",
    router: served,
    kubeconfigPath,
    token,
    world,
    warm,
    warmed: () => stage === "done",
    state() {
      warmNow();
      return {
        services: serviceHealth(world),
        deployments: [...world.cluster.deployments.values()].map((d) => {
          const rs = world.cluster.replicaSetsOf(d.metadata.name);
          const rollout = world.rollout.rollouts.get(d.metadata.name);
          return {
            name: d.metadata.name,
            namespace: d.metadata.namespace,
            version: d.spec.template.metadata.labels.version,
            image: d.spec.template.spec.containers[0].image,
            replicas: d.spec.replicas,
            readyReplicas: d.status?.readyReplicas ?? 0,
            revision: Number(d.metadata.annotations["deployment.kubernetes.io/revision"] ?? 0),
            paused: Boolean(d.spec.paused),
            rollout: rollout ? { state: rollout.state, version: rollout.version, startedAt: new Date(rollout.startedAt).toISOString(), rollback: rollout.rollback } : null,
            history: rs.map((x) => ({ revision: revisionOf(x), replicaSet: x.metadata.name, image: x.spec.template.spec.containers[0].image, createdAt: x.metadata.creationTimestamp })),
          };
        }),
        activeScenario: system.activeInfo(),
        activeScenarios: running.map((r) => ({ ...r.info, startedAt: new Date(r.ctx.startedAt).toISOString() })),
        kubeconfig: kubeconfigPath,
        simTime: new Date(world.now).toISOString(),
        simSpeed: speed,
        simAlerts: system.firingAlerts(),
        simActions: actions.slice(-50),
        simDbQueries: world.db.queries.map((q) => ({ queryId: q.queryId, usename: q.usename, durationSeconds: Math.round((world.now - q.startedAt) / 1000), query: q.query.slice(0, 120) })),
      };
    },
    start: startImpl as SimulatedSystem["start"],
    stop: stopImpl as SimulatedSystem["stop"],
    list: () => SCENARIOS.map((s) => s.info()),
    active: () => latest()?.def.name ?? null,
    activeInfo: () => {
      const a = latest();
      return a ? { ...a.info, startedAt: new Date(a.ctx.startedAt).toISOString() } : null;
    },
    topology: simTopology,
    tick(simMs: number) {
      warmNow();
      tick(simMs);
      simBase += simMs;
    },
    now: () => (stage === "done" ? world.now : filledAt),
    clock: clockOf(() => (stage === "done" ? world.now : filledAt), speed),
    namespace: NAMESPACE,
    health: () => {
      warmNow();
      return serviceHealth(world);
    },
    firingAlerts: () => {
      warmNow();
      return rules.firing().map((a) => ({ alertname: a.labels.alertname!, service: a.labels.service ?? "", severity: a.labels.severity ?? "", labels: a.labels, since: new Date(a.firedAt ?? a.activeAt).toISOString() }));
    },
    notifications: () => [...sent],
    actions: () => [...actions],
    flush: () => deliveries.idle(),
  };
  router.includeWrapped(
    hooksRouter({
      world,
      speed,
      state: () => system.state(),
      topology: () => {
        const t = simTopology();
        return { services: t.services, edges: t.edges.map((e) => ({ from: e.from, to: e.to, sources: ["simulation"] })) };
      },
      onKill: (id, detail) => recordAction("kill_db_query", `orders-db/${id}`, detail),
      onFlush: (prefix, keys) => recordAction("flush_cache_prefix", `cache/${prefix}`, `flushed ${keys} keys under ${prefix}`),
    }),
    recorded,
  );
  served.includeWrapped(router, (handler) => (req, res) => (stage === "done" ? handler(req, res) : warm().then(() => handler(req, res))));

  /**
   * Generates the history, then replays a saved world, at most `budget` steps at a time; true once
   * the world is live (and saved).
   */
  function fill(budget = Number.POSITIVE_INFINITY): boolean {
    if (stage === "history") {
      // Generated here (the world was needed at once, or the worker could not): the worker's is not wanted.
      generating?.stop();
      generating = undefined;
      // The same history generated earlier in this process is copied into this world (history-memo.ts);
      // only a start given (tests, evaluations) recurs: one taken from the wall clock never does.
      if (memo && steps === 0) steps = restoreHistory(seed, start, historyMs, { world, store, emitter }) ?? 0;
      while (world.now + STEP_MS <= start) {
        if (budget-- <= 0) return false;
        world.step();
      }
      if (memo) rememberHistory(seed, start, historyMs, { world, store, emitter }, steps);
      live = true;
      stage = saved ? "replay" : "done";
    }
    if (stage === "replay" && saved) {
      // The saved world again: the same steps with the same inputs at the same steps, nothing sent.
      replayBegan ??= Date.now();
      replaying = true;
      try {
        while (steps < saved.state.steps) {
          if (budget-- <= 0) return false;
          advance();
        }
        applyDue();
      } finally {
        replaying = false;
      }
      remainder = saved.state.remainder;
      for (const d of saved.state.deliveries) deliveries.enqueue(d.kind, d.url, d.body, d.headers);
      savedAnchor = saved.state.speed === speed ? saved.state.anchor : undefined;
      logger.info({ steps, inputs: saved.inputs.length, simTime: new Date(world.now).toISOString(), ms: Date.now() - replayBegan }, "sim: saved simulation restored");
      stage = "done";
    }
    if (!savedOnce) {
      savedOnce = true;
      files?.save(stateNow());
      if (clockWanted) void startImpl();
    }
    return true;
  }
  if ((options.history ?? "now") === "now") fill();
  return system;
}
