import { DEFAULT_LIFECYCLE, type LifecycleOptions } from "../../correlate/lifecycle.ts";
import type { AppMetrics } from "../../observability/metrics.ts";
import type { Alert } from "../../domain/alert.ts";
import type { Incident, TimelineEntry } from "../../domain/incident.ts";
import type { Topology } from "../../domain/topology.ts";
import type { IncidentEventMap, IncidentEvents } from "../../incident/incident-events.ts";
import { rootRef } from "../../incident/outbox-sender.ts";
import type { Runbook } from "../../knowledge/runbook.ts";
import type { Logger } from "../../log.ts";
import type { Recommendation } from "../../remediate/types.ts";
import type { IncidentCard } from "../../store/repos/incidents.ts";
import { createStore, type Store } from "../../store/store.ts";
import type { Toolsets } from "../../toolsets/index.ts";
import { cardDiagnosis, diffDiagnoses, type HypothesisChange } from "../adapters.ts";
import { diagnose } from "../engine.ts";
import type { FeedbackCalibration } from "../feedback-calibration.ts";
import type { Diagnosis, DiagnosisInput, EvidenceItem, Hypothesis } from "../types.ts";
import { assembleContext, type AssembledContext, type AssemblyOptions } from "./assemble.ts";
import { cardHeadline, impactLine, peakImpact, resolvedHeadline } from "./headline.ts";
import { chooseRemedy, type RemedyChoice } from "./remedy.ts";
import { plainDiagnosisPresenter, type DiagnosisPresenter } from "./view.ts";
import { plural } from "../../text/words.ts";
import { withLock } from "../../store/locks.ts";
import { type Clock } from "../../domain/clock.ts";

/** Advisory lock namespace: one diagnosis publication per incident at a time, across replicas. */

/** What the diagnosis needs from remediation (RemediationService.recommend). */
export interface RecommendPort {
  recommend(incidentId: string, rec: Recommendation): Promise<{ offered: boolean; reason: string; duplicate?: boolean }>;
}

export interface DiagnosisServiceOptions {
  store: Store;
  incidents: { events: IncidentEvents; markCardDirty(tx: Store, id: string): Promise<void>; headlineChanged(s: Store, incident: Incident, headline: string): Promise<() => void> };
  toolsets: Toolsets;
  topology: () => Topology;
  runbooks: () => readonly Runbook[];
  logger: Logger;
  defaultChannel: string;
  presenter?: DiagnosisPresenter;
  outbox?: { poke(): void };
  remediation?: RecommendPort;
  /**
   * The system's time (the simulation's in the sandbox): the debounce, the least interval and the
   * refresh below are durations in it, so a faster simulated clock diagnoses in as many of its minutes.
   */
  clock: Clock;
  /** Quiet time after a signal before ranking (signals come in bursts). Default 3 s of system time. */
  debounceMs?: number;
  /** Least time between two rankings of one incident. Default 20 s of system time. */
  minIntervalMs?: number;
  /** Re-ranking of open incidents as their metrics move on (0 = off). Default 2 min of system time. */
  refreshMs?: number;
  /** Rankings running at once (a storm opens many incidents). Default 2. */
  concurrency?: number;
  assembly?: AssemblyOptions;
  /** Recommend an action when the leader is at least this confident. Default 0.5. */
  recommendAbove?: number;
  /** When an alert flaps (DEFAULT_LIFECYCLE unless the incidents' own): one that does rode through a fix and does not reopen the cause. */
  lifecycle?: LifecycleOptions;
  /** Counts rankings by outcome (`aisre_diagnosis_runs_total`). */
  metrics?: Pick<AppMetrics, "diagnosisRuns">;
  /** The correction learnt from responders' grades (src/diagnose/feedback-calibration.ts); none by default. */
  calibration?: () => Promise<FeedbackCalibration>;
}

interface Slot {
  /** Cancels the scheduled ranking. */
  timer?: () => void;
  reasons: string[];
  lastRun: number;
  running?: Promise<void>;
  /** Wall time the last ranking took and when it ended: a ranking's own cost paces the next (CPU). */
  costMs: number;
  endedWall: number;
}

export interface DiagnosisRun {
  incidentId: string;
  posted: "analysis" | "update" | "none";
  changes: HypothesisChange[];
  diagnosis: Diagnosis;
  context: AssembledContext;
  recommendation?: { choice: RemedyChoice; outcome: string };
}

/** The part of a diagnosis kept in the timeline to tell what changed next time. */
interface Snapshot {
  uncertainty: Diagnosis["uncertainty"];
  headline: string;
  gaps: string[];
  hypotheses: Array<Pick<Hypothesis, "rank" | "service" | "cause" | "services" | "score" | "confidence" | "gaps"> & { evidence: EvidenceItem[]; counterEvidence: EvidenceItem[] }>;
}

function snapshotOf(d: Diagnosis): Snapshot {
  return {
    uncertainty: d.uncertainty,
    headline: d.headline,
    gaps: d.gaps.slice(0, 10),
    hypotheses: d.hypotheses.slice(0, 5).map((h) => ({
      rank: h.rank,
      service: h.service,
      cause: h.cause,
      services: h.services,
      score: h.score,
      confidence: h.confidence,
      gaps: h.gaps,
      evidence: h.evidence.slice(0, 10),
      counterEvidence: h.counterEvidence.slice(0, 4),
    })),
  };
}

const fromSnapshot = (s: Snapshot): Diagnosis => ({ ...s, notes: [], elapsedMs: 0 });

/**
 * The engine input without the services another open incident has as its own (and this one does
 * not): a fault being handled there — a deploy of cart that opened its own incident — is not this
 * incident's cause, however close in the graph (pure). Their metrics, changes, pod signals, logs and
 * runbooks are left out; the graph stays, so paths through them still count.
 */
export function withoutServicesOfOtherIncidents(input: DiagnosisInput, elsewhere: ReadonlySet<string>): DiagnosisInput {
  if (elsewhere.size === 0) return input;
  const keep = (s: string) => !elsewhere.has(s);
  return {
    ...input,
    services: input.services.filter((x) => keep(x.service)),
    ...(input.baseline ? { baseline: input.baseline.filter((x) => keep(x.service)) } : {}),
    ...(input.changes ? { changes: input.changes.filter((x) => keep(x.service)) } : {}),
    ...(input.k8s ? { k8s: input.k8s.filter((x) => keep(x.service)) } : {}),
    ...(input.logs ? { logs: input.logs.filter((x) => keep(x.service)) } : {}),
    ...(input.runbooks ? { runbooks: input.runbooks.filter((r) => r.services.some(keep)) } : {}),
    ...(input.extraServices ? { extraServices: input.extraServices.filter(keep) } : {}),
  };
}

/**
 * Alerts of each kind (service, name, status, severity) a ranking reads: the first and the last this
 * many by start. A ranking read every alert of the incident (150–1,850 ms at a storm's 12,000 per
 * incident, on the main thread and the store's one connection, every 20 s per incident).
 */
export const ALERTS_PER_KIND = 20;

/** How long a resolved incident's services stay its own (its reopen window): the fault there was handled there. */
export const HANDLED_ELSEWHERE_MS = 30 * 60_000;

/**
 * The services other incidents have as their own, which this one does not (pure): those of every
 * open incident, and of incidents resolved within the last `windowMs` (system time). A deploy that
 * crash-looped in its own incident, rolled back and resolved there, is not this incident's cause
 * once that incident is closed either (the cache incident picked cart's rollout up minutes after).
 * Services merged into this incident are in its own list, so a merged incident takes none away.
 */
export function servicesHandledElsewhere(incident: Pick<Incident, "id" | "services">, others: readonly Incident[], nowMs: number, windowMs = HANDLED_ELSEWHERE_MS): Set<string> {
  const out = new Set<string>();
  for (const i of others) {
    if (i.id === incident.id) continue;
    const resolvedAt = i.status === "resolved" ? Date.parse(i.resolvedAt ?? i.updatedAt) : undefined;
    if (resolvedAt !== undefined && !(nowMs - resolvedAt <= windowMs)) continue;
    for (const s of i.services) if (!incident.services.includes(s)) out.add(s);
  }
  return out;
}

/** How soon after an incident began a change of another service marks it a fault of its own (grouping's freshChangeMs). */
export const CHANGED_SINCE_MS = 30 * 60_000;

/**
 * The services deployed or reconfigured after the incident began that are not its own (pure): a
 * change after the onset cannot have caused it, and the grouping gives that service's alerts an
 * incident of their own. The flapping cache incident, reopened by its alert firing again, picked
 * up cart's rollout 1.8.0 made seven minutes after it began (the reopened alert's start looked like
 * the onset) and proposed rolling cart back before cart's own incident had opened. A change within a
 * minute of the incident's start may be its trigger (a deploy's webhook lags its first symptoms);
 * one older than `freshMs` says nothing any more. `changes` as the engine takes them (seconds).
 */
export function servicesChangedSinceItBegan(incident: Pick<Incident, "services" | "createdAt">, changes: readonly { service: string; at: number; kind?: string }[], nowMs: number, freshMs = CHANGED_SINCE_MS): Set<string> {
  const began = Date.parse(incident.createdAt);
  const out = new Set<string>();
  if (!Number.isFinite(began)) return out;
  for (const c of changes) {
    const atMs = c.at * 1000;
    if ((c.kind === "deploy" || c.kind === "config") && !incident.services.includes(c.service) && atMs > began + 60_000 && nowMs - atMs <= freshMs) out.add(c.service);
  }
  return out;
}

/** Remediations run on services (their "executed" entries), as the engine's interventions (unix seconds). */
export function interventionsOf(actions: readonly TimelineEntry[]): Array<{ service: string; at: number }> {
  const out: Array<{ service: string; at: number }> = [];
  for (const e of actions) {
    const service = (e.data.target as { service?: unknown } | undefined)?.service;
    if (e.kind === "action" && e.data.event === "executed" && typeof service === "string" && service) out.push({ service, at: Date.parse(e.at) / 1000 });
  }
  return out;
}

/** The changes worth a message: leader changes, moves of 10 points, meaningful arrivals and exits. */
export function significantChanges(prev: Diagnosis, next: Diagnosis): HypothesisChange[] {
  return diffDiagnoses(prev, next, { consider: 3, minDelta: 0.1 }).filter((c) => c.kind === "leader" || c.kind === "strengthened" || c.kind === "weakened" || (c.kind === "new" && (c.to ?? 0) >= 0.1) || (c.kind === "dropped" && (c.from ?? 0) >= 0.1));
}

/**
 * The live diagnosis: listens to incident events, debounces, gathers the context through the
 * toolsets, ranks, and publishes: the root card's "What's going on / What caused it / What to do
 * next", the first analysis in the thread (the ranked list with evidence, counter-evidence and
 * gaps), then one message per change of the ranking — never a repost of the whole analysis. The
 * last published ranking is kept in the timeline (kind `hypothesis`), so a restart or another
 * replica compares against what the thread already says.
 */
export class DiagnosisService {
  private o: DiagnosisServiceOptions;
  private readonly presenter: DiagnosisPresenter;
  private readonly slots = new Map<string, Slot>();
  private readonly queue: Array<() => Promise<void>> = [];
  private active = 0;
  private refreshTimer?: () => void;
  private stopped = false;
  private remediation?: RecommendPort;
  private readonly listeners: Array<() => void> = [];

  private get clock(): Clock {
    return this.o.clock;
  }

  constructor(o: DiagnosisServiceOptions) {
    this.o = o;
    this.presenter = o.presenter ?? plainDiagnosisPresenter;
    this.remediation = o.remediation;
  }

  /** Adjusts the pacing (tests and operators: a faster clock wants shorter waits). */
  configure(o: Partial<Pick<DiagnosisServiceOptions, "debounceMs" | "minIntervalMs" | "refreshMs" | "recommendAbove" | "assembly">>): void {
    this.o = { ...this.o, ...o };
  }

  /** Remediation may be built after the diagnosis; recommendations start once it is attached. */
  attachRemediation(r: RecommendPort | undefined): void {
    this.remediation = r;
  }

  start(): void {
    const ev = this.o.incidents.events;
    const on = <K extends "opened" | "alerts" | "changes" | "status">(name: K, fn: (...args: IncidentEventMap[K]) => void) => this.listeners.push(ev.subscribe(name, fn));
    on("opened", (i: Incident) => this.request(i.id, "incident opened"));
    on("alerts", (i: Incident, alerts: Alert[]) => {
      const firing = alerts.filter((a) => a.status === "firing");
      if (firing.length) this.request(i.id, `${plural(firing.length, "alert")}: ${[...new Set(firing.map((a) => `${a.name}${a.service ? ` on ${a.service}` : ""}`))].slice(0, 3).join(", ")}`);
    });
    on("changes", (i: Incident, changes: Array<{ kind: string; service: string; version?: string }>) => this.request(i.id, changes.map((c) => `${c.kind} of ${c.service}${c.version ? ` ${c.version}` : ""}`).join(", ")));
    on("status", (i: Incident) => {
      if (i.status === "resolved") this.cancel(i.id);
    });
    this.scheduleRefresh();
  }

  /** The next periodic look, `refreshMs` of system time after the last one. */
  private scheduleRefresh(): void {
    const every = this.o.refreshMs ?? 120_000;
    if (every <= 0 || this.stopped) return;
    this.refreshTimer = this.clock.timer(every, () => {
      void this.refresh()
        .catch((e: unknown) => this.o.logger.warn({ err: e }, "diagnosis refresh failed"))
        .finally(() => this.scheduleRefresh());
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.listeners.splice(0)) off();
    this.refreshTimer?.();
    for (const s of this.slots.values()) {
      s.timer?.();
      s.timer = undefined;
    }
    await this.idle();
  }

  /** Resolves when nothing is scheduled or running. */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.slots.values()].filter((s) => s.timer || s.running);
      if (pending.length === 0 && this.queue.length === 0 && this.active === 0) return;
      await Promise.all(pending.map((s) => s.running ?? new Promise((r) => setTimeout(r, 50))));
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private slot(id: string): Slot {
    let s = this.slots.get(id);
    if (!s) this.slots.set(id, (s = { reasons: [], lastRun: 0, costMs: 0, endedWall: 0 }));
    return s;
  }

  private cancel(id: string): void {
    const s = this.slots.get(id);
    s?.timer?.();
    if (s) s.timer = undefined;
  }

  /** Schedules a ranking of the incident: after the debounce, and not sooner than the minimum interval. */
  request(id: string, reason: string): void {
    if (this.stopped) return;
    const s = this.slot(id);
    s.reasons.push(reason);
    if (s.timer) return;
    const now = this.clock.now();
    const wait = Math.max(this.o.debounceMs ?? 3000, s.lastRun + (this.o.minIntervalMs ?? 20_000) - now);
    s.timer = this.clock.timer(wait, () => this.fire(id, s));
  }

  private fire(id: string, s: Slot): void {
    s.timer = undefined;
    if (this.stopped) return;
    if (s.running) {
      // A ranking is under way: go again when it is done.
      void s.running.then(() => this.request(id, "signals during the last ranking"));
      return;
    }
    // A fast simulated clock must not turn rankings into a busy loop: an incident's next ranking
    // waits, in wall time, at least as long as its last one took (at most half the CPU for it).
    const rest = s.endedWall + s.costMs - Date.now();
    if (rest > 0) {
      const t = setTimeout(() => this.fire(id, s), rest);
      t.unref?.();
      s.timer = () => clearTimeout(t);
      return;
    }
    const reasons = s.reasons.splice(0);
    const started = Date.now();
    s.running = this.enqueue(() => this.runSafe(id, reasons)).finally(() => {
      s.running = undefined;
      s.lastRun = this.clock.now();
      s.endedWall = Date.now();
      s.costMs = s.endedWall - started;
    });
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      const go = async () => {
        this.active++;
        try {
          await job();
        } finally {
          this.active--;
          resolve();
          const next = this.queue.shift();
          if (next) void next();
        }
      };
      if (this.active < (this.o.concurrency ?? 2)) void go();
      else this.queue.push(go);
    });
  }

  private async runSafe(id: string, reasons: string[]): Promise<void> {
    try {
      await this.run(id, reasons);
      this.o.metrics?.diagnosisRuns.inc({ outcome: "ok" });
    } catch (e) {
      this.o.metrics?.diagnosisRuns.inc({ outcome: "failed" });
      this.o.logger.error({ err: e, incident: id }, "diagnosis failed");
    }
  }

  /**
   * Re-ranks the open incidents (metrics keep moving). After a restart this also catches up on
   * incidents opened just before it: publication compares with the thread, so nothing is repeated.
   */
  async refresh(): Promise<void> {
    const open = await this.o.store.incidents.listOpen();
    for (const i of open) {
      const s = this.slots.get(i.id);
      if (!s || (!s.timer && !s.running && this.clock.now() - s.lastRun >= (this.o.refreshMs ?? 120_000))) this.request(i.id, "new data since the last look");
    }
  }

  /**
   * Ranks an incident now without publishing anything (the assistant's "what is the root cause?",
   * resolved incidents included): the diagnosis and the context it was built from.
   */
  async assess(id: string): Promise<{ incident: Incident; diagnosis: Diagnosis; context: AssembledContext; alerts: Alert[] } | undefined> {
    const incident = await this.o.store.incidents.get(id);
    if (!incident) return undefined;
    // Of a storm's thousands of alerts of one kind, the first and the last (see sampleForDiagnosis):
    // every alert of an incident that has no more than 2 × ALERTS_PER_KIND of each kind.
    const alerts = await this.o.store.alerts.sampleForDiagnosis(id, ALERTS_PER_KIND);
    const assembled = await assembleContext(incident, alerts, this.o.topology(), this.o.toolsets, this.o.assembly);
    // Services another open incident has as its own are that incident's to explain.
    const [open, recent] = await Promise.all([this.o.store.incidents.listOpen(), this.o.store.incidents.listRecent(100)]);
    const elsewhere = servicesHandledElsewhere(incident, [...open, ...recent], this.clock.now());
    // So are services changed after this incident began: a fault of their own, their own incident.
    for (const svc of servicesChangedSinceItBegan(incident, assembled.input.changes ?? [], assembled.window.end)) elsewhere.add(svc);
    const trimmed = elsewhere.size ? { ...assembled, input: withoutServicesOfOtherIncidents(assembled.input, elsewhere) } : assembled;
    // What the fix did to services: pods it started are not evidence of the cause.
    const interventions = interventionsOf(await this.o.store.timeline.list(id, ["action"]));
    const context = interventions.length ? { ...trimmed, input: { ...trimmed.input, interventions } } : trimmed;
    // Responders' grades correct the leader's confidence (when any incident was graded).
    const feedback = await this.o.calibration?.().catch((e: unknown) => {
      this.o.logger.warn({ err: e }, "feedback calibration unavailable; the evaluation-fitted confidences stand");
      return undefined;
    });
    const raw = diagnose(feedback ? { ...context.input, options: { ...context.input.options, feedback } } : context.input);
    return { incident, alerts, context, diagnosis: { ...raw, gaps: [...new Set([...context.gaps, ...raw.gaps])] } };
  }

  /** What the thread last said: the published ranking (from the timeline), if any. */
  async published(id: string): Promise<{ at: string; event: "analysis" | "update"; diagnosis: Diagnosis } | undefined> {
    const e = (await this.o.store.timeline.list(id, ["hypothesis"])).reverse().find((x) => x.data.snapshot);
    return e ? { at: e.at, event: e.data.event as "analysis" | "update", diagnosis: fromSnapshot(e.data.snapshot as Snapshot) } : undefined;
  }

  /**
   * The symptoms the published ranking explained are over: the incident's alerts (not the
   * detector's anomalies) have all resolved, or a fix of the leading cause was verified (the
   * symptoms recovered once it ran). The cause found stands until the incident resolves; weaker
   * signals arriving as it winds down (an anomaly elsewhere, noise in the logs, a flapping alert
   * that rode through the fix) do not overturn it. A real alert firing anew reopens the question.
   */
  private async settled(id: string): Promise<boolean> {
    const real = await this.o.store.alerts.realAlerts(id);
    if (real.any && !real.firing) return (await this.published(id)) !== undefined;
    // cascading-failure walk: after payments' restart was verified, the red herring's flapping
    // RedisEvictionsHigh kept the incident open, a re-ranking on its flips led with reporting's CPU
    // (92 %), and the resolved card and the postmortem named reporting as the cause.
    const fix = (await this.o.store.timeline.list(id, ["action"])).reverse().find((e) => e.data.event === "verified");
    const fixed = (fix?.data.target as { service?: string } | undefined)?.service;
    if (!fix || !fixed || fixed !== (await this.published(id))?.diagnosis.hypotheses[0]?.service) return false;
    return !(await this.o.store.alerts.firingAnewSince(id, fix.at, (this.o.lifecycle ?? DEFAULT_LIFECYCLE).flapThreshold));
  }

  /** Ranks one incident now and publishes what changed. */
  async run(id: string, reasons: string[] = []): Promise<DiagnosisRun | undefined> {
    const store = this.o.store;
    const current = await store.incidents.get(id);
    if (!current || current.status === "resolved") return undefined;
    if (await this.settled(id)) return undefined;
    const assessed = await this.assess(id);
    if (!assessed) return undefined;
    const { incident, alerts, context: ctx, diagnosis } = assessed;
    const raw = { elapsedMs: diagnosis.elapsedMs };
    const choice = this.remediation ? chooseRemedy(diagnosis, ctx, this.o.runbooks(), alerts, { minConfidence: this.o.recommendAbove ?? 0.5, openedAtS: Math.floor(Date.parse(incident.createdAt) / 1000) }) : undefined;
    const alerting = [...new Set(alerts.filter((a) => a.status === "firing" && a.service).map((a) => a.service!))];
    // Where users feel it: the symptom's service, then the alerting ones.
    const impacted = [...new Set([...(ctx.symptom ? [ctx.symptom.service] : []), ...alerting])];
    const impact = impactLine(impacted, ctx.input.services);
    // A person who declared the incident named it: their title stays the card's, the Jira summary and the
    // page title (the cause is on the card under "What caused it"). Alert-opened incidents follow the ranking.
    const headline = incident.origin === "declared" ? undefined : cardHeadline({ diagnosis, impacted, services: ctx.input.services, minConfidence: this.o.recommendAbove ?? 0.5 });
    const card: IncidentCard = { diagnosis: cardDiagnosis(diagnosis, choice?.recommendation.type === "rollback" ? choice.recommendation.target.service : undefined), ...(impact ? { impact } : {}), ...(headline ? { headline } : {}) };
    if (choice && card.diagnosis) {
      const t = choice.recommendation;
      card.diagnosis.nextSteps = [`Recommended: ${t.type.replace(/_/g, " ")} of ${t.target.pod ?? t.target.service} — ${choice.why}; see the action card in the thread.`, ...(card.diagnosis.nextSteps ?? [])].slice(0, 4);
    }
    const trigger = reasons.length ? [...new Set(reasons)].slice(0, 3).join("; ") : "a new look";

    let told: (() => void) | undefined;
    const published = await withLock(
      store.db,
      "diagnosis",
      async (tx) => {
        const s = createStore(tx, this.o.store.clock);
        // Resolved while this ranking ran: nothing more is said (it would read as a new hypothesis in the postmortem).
        if ((await s.incidents.get(id))?.status === "resolved") return { posted: "none" as const, changes: [] as HypothesisChange[], cardChanged: false, headlineChanged: false, resolved: true };
        const before = (await s.timeline.list(id, ["hypothesis"])).reverse().find((e) => e.data.snapshot);
        const prev = before ? fromSnapshot(before.data.snapshot as Snapshot) : undefined;
        const channel = incident.channel ?? this.o.defaultChannel;
        const oldCard = await s.incidents.card(id);
        if (incident.origin !== "declared") {
          // The worst it got, kept across rankings: what the resolved card and the postmortem are titled by.
          const peak = peakImpact(impacted, ctx.input.services, ctx.input.anomalyStart, oldCard.peak);
          const past = resolvedHeadline(peak, diagnosis, this.o.recommendAbove ?? 0.5);
          if (peak) card.peak = peak;
          if (past) card.resolvedHeadline = past;
        }
        const cardChanged = JSON.stringify({ d: oldCard.diagnosis, i: oldCard.impact, h: oldCard.headline }) !== JSON.stringify({ d: card.diagnosis, i: card.impact ?? oldCard.impact, h: card.headline ?? oldCard.headline });
        // The peak and the resolved headline are stored too, but the open card does not show them: no edit for them alone.
        const keptChanged = JSON.stringify({ p: oldCard.peak, r: oldCard.resolvedHeadline }) !== JSON.stringify({ p: card.peak ?? oldCard.peak, r: card.resolvedHeadline ?? oldCard.resolvedHeadline });
        if (cardChanged || keptChanged) await s.incidents.mergeCard(id, card);
        // The card's edit is wanted in this transaction: a replica that dies after the commit leaves it to another.
        if (cardChanged) await this.o.incidents.markCardDirty(s, id);
        const headlineChanged = card.headline !== undefined && card.headline !== oldCard.headline;
        // The PagerDuty incident's title and the Jira summary follow the headline: durable rows, written with the card.
        if (headlineChanged && card.headline) told = await this.o.incidents.headlineChanged(s, incident, card.headline);
        if (!prev) {
          const msg = this.presenter.analysis({
            incident,
            diagnosis,
            window: ctx.window,
            ...(ctx.symptom ? { symptom: ctx.symptom } : {}),
            tools: ctx.tools,
            ...(ctx.oncall ? { oncall: { service: ctx.oncall.service, people: ctx.oncall.people.map((p) => ({ name: p.user.name, level: p.level, ...(p.user.email ? { email: p.user.email } : {}) })) } } : {}),
            similar: ctx.similar.map((x) => ({ title: x.title, excerpt: x.excerpt, ...(typeof x.meta.incidentId === "string" ? { incidentId: x.meta.incidentId } : {}), ...(x.fixedBy?.length ? { fixedBy: x.fixedBy } : {}) })),
            runbooks: ctx.runbooks.map((r) => ({ title: r.title, ...(r.service ? { service: r.service } : {}), score: r.score, ...(r.path ? { path: r.path } : {}) })),
          });
          await s.outbox.enqueue({ channel, method: "chat.postMessage", payload: { ...msg, unfurl_links: false, thread_ts: rootRef(id) }, dedupeKey: `diagnosis:${id}:analysis` });
          await s.timeline.append({ incidentId: id, kind: "hypothesis", actor: "aisre", text: `Diagnosis: ${diagnosis.headline}`, data: { event: "analysis", trigger, snapshot: snapshotOf(diagnosis), tools: ctx.tools, window: ctx.window } });
          return { posted: "analysis" as const, changes: [] as HypothesisChange[], cardChanged, headlineChanged };
        }
        const changes = significantChanges(prev, diagnosis);
        if (changes.length === 0) return { posted: "none" as const, changes, cardChanged, headlineChanged };
        // The thread hears of a new leading cause; lesser moves (a runner-up strengthening, a candidate
        // dropping) go to the timeline and the card only: the noise budget of the thread.
        if (!changes.some((c) => c.kind === "leader")) {
          await s.timeline.append({ incidentId: id, kind: "hypothesis", actor: "aisre", text: changes.map((c) => c.text).join("\n"), data: { event: "update", quiet: true, trigger, changes, snapshot: snapshotOf(diagnosis) } });
          return { posted: "none" as const, changes, cardChanged, headlineChanged };
        }
        const msg = this.presenter.update({ incident, changes, diagnosis, trigger });
        const seq = (await s.timeline.list(id, ["hypothesis"])).length;
        await s.outbox.enqueue({ channel, method: "chat.postMessage", payload: { ...msg, unfurl_links: false, thread_ts: rootRef(id) }, dedupeKey: `diagnosis:${id}:update:${seq}` });
        await s.timeline.append({ incidentId: id, kind: "hypothesis", actor: "aisre", text: changes.map((c) => c.text).join("\n"), data: { event: "update", trigger, changes, snapshot: snapshotOf(diagnosis) } });
        return { posted: "update" as const, changes, cardChanged, headlineChanged };
      },
      id,
    );
    if (published.headlineChanged) told?.();
    if (published.posted !== "none") this.o.outbox?.poke();
    this.o.logger.info({ incident: id, posted: published.posted, leader: diagnosis.hypotheses[0]?.service, confidence: diagnosis.hypotheses[0]?.confidence, verdict: diagnosis.uncertainty, assemblyMs: ctx.elapsedMs, rankMs: raw.elapsedMs }, "diagnosis ranked");

    let recommendation: DiagnosisRun["recommendation"];
    if (choice && this.remediation && !("resolved" in published)) {
      try {
        const r = await this.remediation.recommend(id, choice.recommendation);
        recommendation = { choice, outcome: r.duplicate ? "already recommended" : r.reason };
      } catch (e) {
        this.o.logger.warn({ err: e, incident: id, action: choice.recommendation.type }, "recommending a remediation failed");
        recommendation = { choice, outcome: `not offered: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    return { incidentId: id, posted: published.posted, changes: published.changes, diagnosis, context: ctx, ...(recommendation ? { recommendation } : {}) };
  }
}
