import type { Alert } from "../../domain/alert.ts";
import type { Incident } from "../../domain/incident.ts";
import { callersOf, dependenciesOf, type Topology } from "../../domain/topology.ts";
import type { Toolsets } from "../../toolsets/index.ts";
import type { ChangeRecord } from "../../toolsets/changes.ts";
import { alertQuery } from "../../knowledge/alert-query.ts";
import type { RunbookHit, SimilarIncident } from "../../toolsets/knowledge.ts";
import type { PodSignal } from "../../toolsets/kubernetes.ts";
import type { LogSignature } from "../../toolsets/log-signatures.ts";
import type { OncallView } from "../../toolsets/ports.ts";
import type { ToolResult } from "../../toolsets/types.ts";
import { graphFromTopology } from "../adapters.ts";
import { estimateOnset, symptomSeries } from "./onset.ts";
import type { DiagnosisInput, K8sSignalInput, LogSignatureInput, RunbookMatchInput } from "../types.ts";
import { plural, possessive } from "../../text/words.ts";

/**
 * Context assembly: everything the toolsets can tell about an incident, gathered at once and turned
 * into the engine's `DiagnosisInput`. Every tool call is a value (ok / no_data / error / disabled);
 * what could not be read becomes an investigation gap instead of failing the diagnosis.
 */

export interface AssemblyOptions {
  /** Reference period before the onset (default 60 min). */
  lookbackMs?: number;
  /** Metric resolution (default 60 s; coarser for long windows, at most ~600 points). */
  stepSeconds?: number;
  /** Most services looked at (nearest to the alerting ones first). */
  maxServices?: number;
  /** Services whose logs are read (default 16) and pods per service (default 2; 4 for alerting services). */
  maxLogServices?: number;
  logPodsPerService?: number;
  /** Changes this long before the onset are fetched (default 6 h; the engine weighs them by proximity). */
  changesLookbackMs?: number;
}

export interface ToolRun {
  tool: string;
  status: ToolResult<unknown>["status"];
  /** The ok summary, or the reason / error. */
  detail: string;
  notes?: string[];
}

export interface AssembledContext {
  input: DiagnosisInput;
  /** unix ms */
  window: { start: number; onset: number; end: number; stepSeconds: number };
  services: string[];
  symptom?: { service: string; metric?: string; alert: string };
  tools: ToolRun[];
  /** Investigation gaps from tools that were off or failed. */
  gaps: string[];
  changes: ChangeRecord[];
  podSignals: PodSignal[];
  logs: Array<{ service: string; signatures: LogSignature[] }>;
  /** Runbooks matched per service (the engine sees them as evidence) and for the whole incident. */
  runbooks: Array<RunbookHit & { service?: string }>;
  similar: SimilarIncident[];
  oncall: { service: string; people: OncallView[] } | undefined;
  /** The workload kind of each service seen in the cluster, and its pods. */
  workloads: Record<string, { kind: "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "Pod"; pods: string[] }>;
  elapsedMs: number;
}

/** Services to look at: the alerting ones, everything they depend on, and their callers (BFS order). */
export function candidateServices(topology: Topology, seeds: readonly string[], max: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const push = (s: string) => {
    if (!seen.has(s) && out.length < max) {
      seen.add(s);
      out.push(s);
    }
  };
  for (const s of seeds) push(s);
  // Causes live downstream in the call graph (dependencies), effects upstream (callers).
  let frontier = [...seeds];
  while (frontier.length > 0 && out.length < max) {
    const next: string[] = [];
    for (const s of frontier) {
      for (const d of dependenciesOf(topology, s)) {
        if (!seen.has(d)) {
          push(d);
          next.push(d);
        }
      }
    }
    frontier = next;
  }
  for (const s of [...out]) for (const c of callersOf(topology, s)) push(c);
  return out;
}

const METRIC_HINTS: Array<[RegExp, string]> = [
  [/memory|oom|heap/i, "memory_utilization"],
  [/cpu|throttl/i, "cpu_utilization"],
  [/disk|volume|filesystem|inode|storage/i, "disk_utilization"],
  [/crash|restart|backoff/i, "container_restarts"],
  [/pool|connection/i, "db_pool_utilization"],
  [/backlog|queue|lag/i, "queue_backlog"],
  [/latency|slow|duration|p9\d/i, "latency_p99"],
  [/error|5xx|fail|burn|slo|availability/i, "error_ratio"],
  [/down|unavailable|unreachable|absent/i, "up"],
];

/** The metric an alert is about, from its name (matched to a series by kind when not by name). */
export function metricHint(alertName: string): string | undefined {
  const words = alertName.replace(/([a-z])([A-Z])/g, "$1 $2");
  return METRIC_HINTS.find(([re]) => re.test(words))?.[1];
}

const ms = (iso: string | undefined): number | undefined => {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(t) ? t : undefined;
};

function run(tool: string, r: ToolResult<unknown>): ToolRun {
  switch (r.status) {
    case "ok":
      return { tool, status: "ok", detail: r.summary, ...(r.notes?.length ? { notes: r.notes } : {}) };
    case "no_data":
      return { tool, status: "no_data", detail: r.reason };
    case "error":
      return { tool, status: "error", detail: r.error };
    case "disabled":
      return { tool, status: "disabled", detail: r.reason };
  }
}

/** Pod signals from pod state and events, one per service and kind (largest count, earliest time). */
export function mergeSignals(lists: ReadonlyArray<readonly PodSignal[]>): PodSignal[] {
  const m = new Map<string, PodSignal>();
  for (const list of lists) {
    for (const s of list) {
      const k = `${s.service}|${s.kind}`;
      const cur = m.get(k);
      if (!cur) m.set(k, { ...s });
      else {
        cur.count = Math.max(cur.count, s.count);
        if (s.at !== undefined && (cur.at === undefined || s.at < cur.at)) cur.at = s.at;
        // Born after a rollout only when every source says so.
        if (s.bornAt === undefined) delete cur.bornAt;
        else if (cur.bornAt !== undefined && s.bornAt < cur.bornAt) cur.bornAt = s.bornAt;
        cur.detail ??= s.detail;
      }
    }
  }
  return [...m.values()];
}

/**
 * Gathers the context of an incident through the toolsets and builds the engine input.
 * `alerts` are the incident's alerts (firing and resolved); the onset is the earliest start.
 */
/** Every service `s` calls, directly or not. */
function transitiveDependencies(t: Topology, s: string): Set<string> {
  const out = new Set<string>();
  const stack = [s];
  while (stack.length) {
    for (const d of dependenciesOf(t, stack.pop()!)) {
      if (!out.has(d) && d !== s) {
        out.add(d);
        stack.push(d);
      }
    }
  }
  return out;
}

const escapeRe = (x: string): string => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Whether a log line refers to `name` as a service it talks to, not as an ordinary word ("thumbnail
 * cache", "search results"): after "upstream", "to", "for", "from", "calling", "dial"…, before
 * "call", "query", "returned", "responded", "timed out", "refused", "unavailable"…, or as a host.
 */
export function namesDependency(text: string, name: string): boolean {
  const n = escapeRe(name);
  const B = "(?![\\w-])";
  const A = "(?<![\\w-])";
  return (
    new RegExp(`\\b(upstream|downstream|to|for|from|calling|call|connect(ing)?( to)?|dial(ing)?|reach|contact(ing)?|service|backend|dependency)\\s+["'\`]?${n}${B}`, "i").test(text) ||
    new RegExp(`${A}${n}["'\`]?\\s*(call|calls|query|queries|request|requests|returned|responded|response|timed out|timeout|refused|unavailable|unreachable|is down|error|failed|connection|pool)\\b`, "i").test(text) ||
    new RegExp(`(//|@)${n}([.:/]|${B})|${A}${n}\\.[\\w-]+\\.svc\\b|${A}${n}:\\d{2,5}\\b`, "i").test(text)
  );
}

/** P(X ≥ k) for X ~ Poisson(λ). */
function poissonTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  let term = Math.exp(-lambda);
  let below = term;
  for (let i = 1; i < k; i++) {
    term *= lambda / i;
    below += term;
  }
  return Math.max(0, 1 - below);
}

/**
 * Whether a log signature is more frequent since the onset than its base rate before explains: seen
 * `after` times in `afterMs` against `before` times in `beforeMs`. The base rate of a line never seen
 * before is not zero but at most about half a line in the window (a Jeffreys prior): a sparse
 * background line ("upstream orders-db returned 500", once in a while) showing two or three times in
 * a long incident is what that rate predicts, not news; hundreds of new tracebacks are.
 */
export function unusualSinceOnset(before: number, after: number, beforeMs: number, afterMs: number): boolean {
  const expected = ((before + 0.5) / Math.max(60_000, beforeMs)) * Math.max(60_000, afterMs);
  return after >= 3 * expected && poissonTail(after, expected) < 0.01;
}

/**
 * Log signatures → engine evidence (pure):
 * - clearly more frequent since the onset than before it (unusualSinceOnset: a signature as frequent
 *   before the onset as after, or a sparse one seen a few times, is background noise and is left
 *   out); info lines only when brand new (slow-query logs);
 * - a line that names a dependency ("timeout waiting for orders-db query", "upstream payments call
 *   failed") is evidence against that dependency, not against the service that wrote it.
 */
export function logEvidence(service: string, signatures: readonly LogSignature[], coverage: { from: number; to: number } | undefined, onsetMs: number, dependencies: ReadonlySet<string>): Array<LogSignatureInput & { blamedBy?: string; background?: boolean }> {
  const out: Array<LogSignatureInput & { blamedBy?: string; background?: boolean }> = [];
  const haveBefore = coverage !== undefined && coverage.from <= onsetMs - 5 * 60_000;
  const deps = [...dependencies].sort((a, b) => b.length - a.length);
  for (const sig of signatures) {
    const after = sig.after ?? sig.count;
    const before = sig.before ?? 0;
    if (after === 0) continue;
    if (haveBefore && sig.before !== undefined) {
      // The base rate: was this line there before the incident, and is it clearly more frequent now?
      if (!unusualSinceOnset(before, after, onsetMs - coverage!.from, coverage!.to - onsetMs)) continue;
      if (sig.level === "info" && !(before === 0 && after >= 3)) continue;
    } else if (sig.level === "info") continue;
    const text = sig.signature;
    const named = deps.filter((d) => namesDependency(text, d));
    const base = { signature: text, count: after, ...(sig.firstSeen !== undefined ? { firstSeen: sig.firstSeen / 1000 } : {}), error: sig.level === "error" };
    if (named.length > 0 && !namesDependency(text, service)) {
      for (const d of named) out.push({ ...base, service: d, signature: `in ${possessive(service)} logs: ${text}`, blamedBy: service });
    } else out.push({ ...base, service });
  }
  // A line naming a dependency weighs by its part of what the caller logged since the onset: checkout's
  // errors naming payments 312 times and orders-db 25 times (the evening's background) are evidence
  // against payments, hardly against orders-db; catalog's 5 naming orders-db beside its 400 ENOSPC
  // errors say catalog is the one failing.
  let total = 0;
  for (const e of out) total += e.count;
  return out.map((e) => (e.blamedBy && total > e.count ? { ...e, share: e.count / total } : e));
}

/**
 * Gathers the context of an incident through the toolsets and builds the engine input.
 * `alerts` are the incident's alerts (firing and resolved); the onset is the primary alert's start,
 * moved back to where its metric left its normal range.
 */
/**
 * The alert that defines the incident (its symptom and onset): the most severe, user-facing
 * (errors, latency, availability) before internal, earliest first. A noisy warning that fired
 * earlier and was grouped in does not get to set the onset.
 */
export function primaryAlert(alerts: readonly Alert[]): Alert | undefined {
  const userFacing = (a: Alert): number => (["error_ratio", "latency_p99", "up"].includes(metricHint(a.name) ?? "") ? 0 : 1);
  const sev = (a: Alert): number => Number(a.severity.slice(3)) || 9;
  return [...alerts].filter((a) => a.service).sort((a, b) => Number(b.status === "firing") - Number(a.status === "firing") || sev(a) - sev(b) || userFacing(a) - userFacing(b) || (ms(a.startsAt) ?? 0) - (ms(b.startsAt) ?? 0))[0];
}

export async function assembleContext(incident: Incident, alerts: readonly Alert[], topology: Topology, toolsets: Toolsets, o: AssemblyOptions = {}): Promise<AssembledContext> {
  const started = performance.now();
  const founding = primaryAlert(alerts);
  const starts = alerts.map((a) => ms(a.startsAt)).filter((t): t is number => t !== undefined);
  // The system's time (the simulation's in the sandbox), never the wall clock.
  const systemNow = await toolsets.metrics.systemNow();
  const alertOnset = (founding ? ms(founding.startsAt) : undefined) ?? (starts.length ? Math.min(...starts) : (ms(incident.createdAt) ?? systemNow));
  const latestSignal = Math.max(...alerts.map((a) => Math.max(ms(a.startsAt) ?? 0, ms(a.endsAt) ?? 0)), 0);
  const end = Math.max(systemNow, latestSignal + 60_000, alertOnset + 60_000);
  const lookback = o.lookbackMs ?? 2 * 3_600_000;
  const start = alertOnset - lookback;
  const step = Math.max(o.stepSeconds ?? 60, Math.ceil((end - start) / 1000 / 600 / 60) * 60);

  const alerting = [...new Set([...incident.services, ...alerts.map((a) => a.service).filter((s): s is string => !!s)])];
  const services = candidateServices(topology, alerting, o.maxServices ?? 60);
  const known = new Set(topology.services);
  const logServices = services.slice(0, o.maxLogServices ?? 16).filter((s) => known.size === 0 || known.has(s) || alerting.includes(s));

  const symptom = founding?.service ? { service: founding.service, metric: metricHint(founding.name), alert: founding.name } : undefined;

  const t = toolsets;
  const metrics = await t.metrics.t.serviceMetrics.run({ services, start, end, stepSeconds: step });
  const metricsData = metrics.status === "ok" ? metrics.data.services : [];
  // The onset: where the metric of an alert of this burst (within half an hour of the primary)
  // first left its normal range, when that is earlier than the primary alert. A pool that fills for
  // five minutes before the edge's error-budget alert fires moves the onset back to when it began.
  let onset = alertOnset;
  const floor = alertOnset - lookback / 2;
  for (const a of alerts) {
    const at = ms(a.startsAt);
    if (!a.service || at === undefined || Math.abs(at - alertOnset) > 30 * 60_000) continue;
    const series = symptomSeries(metricsData, a.service, metricHint(a.name));
    if (!series) continue;
    const est = estimateOnset(series, at / 1000, { maxShiftS: lookback / 2000 }) * 1000;
    if (est < onset) onset = Math.max(floor, est);
  }

  const logSince = onset - 30 * 60_000;
  const [changes, pods, events, logs, oncall, similar] = await Promise.all([
    t.changes.t.recentChanges.run({ services, since: onset - (o.changesLookbackMs ?? 6 * 3_600_000), until: end }),
    t.kubernetes.t.podState.run({ services, since: onset - 30 * 60_000 }),
    t.kubernetes.t.events.run({ services, since: onset - 30 * 60_000, limit: 200 }),
    Promise.all(
      logServices.map(async (s) => ({
        service: s,
        r: await t.kubernetes.t.logSignatures.run({ service: s, since: logSince, now: end, maxPods: alerting.includes(s) ? 4 : (o.logPodsPerService ?? 2), tailLines: 1500, minLevel: "info", splitAt: onset, protect: services }),
      })),
    ),
    symptom ? t.oncall.t.whoIsOnCall.run({ service: symptom.service }) : Promise.resolve(undefined),
    t.knowledge.t.similarIncidents.run({
      text: [incident.title, ...new Set(alerts.slice(0, 20).map((a) => alertQuery(a)))].join(". ").slice(0, 4000),
      services: incident.services,
      alertNames: [...new Set(alerts.map((a) => a.name))].slice(0, 200),
      excludeIncidentId: incident.id,
      limit: 3,
    }),
  ]);

  const tools: ToolRun[] = [run("service_metrics", metrics), run("recent_changes", changes), run("k8s_pod_state", pods), run("k8s_events", events)];
  const logOk = logs.filter((l) => l.r.status === "ok" || l.r.status === "no_data");
  const logFirst = logs.find((l) => l.r.status !== "ok" && l.r.status !== "no_data");
  const logRead = logs.filter((l) => l.r.status === "ok").length;
  if (logs.length) {
    tools.push(logOk.length ? { tool: "log_signatures", status: logRead ? "ok" : "no_data", detail: `logs of ${logRead} of ${plural(logs.length, "service")} read and clustered`, ...(logFirst ? { notes: [`${logFirst.service}: ${run("", logFirst.r).detail}`] } : {}) } : run("log_signatures", logFirst!.r));
  }
  if (oncall) tools.push(run("who_is_on_call", oncall));
  tools.push(run("similar_incidents", similar));

  const gaps: string[] = [];
  const gapOf = (label: string, r: ToolResult<unknown> | undefined): void => {
    if (!r) return;
    if (r.status === "disabled") gaps.push(`${label}: ${r.reason}`);
    else if (r.status === "error") gaps.push(`${label} could not be read: ${r.error}`);
  };
  gapOf("metrics", metrics);
  gapOf("recent changes", changes);
  gapOf("pod state", pods);
  if (pods.status !== "disabled") gapOf("Kubernetes events", events);
  if (logs.length && logOk.length === 0) gapOf("logs", logFirst?.r);
  for (const r of [metrics, changes, pods]) if (r.status === "ok" && r.notes) gaps.push(...r.notes.filter((n) => /failed|not read|could not|no metrics for/.test(n)));
  const k8sOff = pods.status === "disabled";
  if (k8sOff) for (let i = gaps.length - 1; i >= 0; i--) if (/rollout history/.test(gaps[i] ?? "")) gaps.splice(i, 1);

  const changeList: ChangeRecord[] = changes.status === "ok" ? changes.data : [];
  const podSignals = mergeSignals([pods.status === "ok" ? pods.data.flatMap((p) => p.signals) : [], events.status === "ok" ? events.data.signals : []]);
  const logList = logs.flatMap((l) => (l.r.status === "ok" ? [{ service: l.service, signatures: l.r.data.signatures, coverage: l.r.data.coverage }] : []));

  const k8s: K8sSignalInput[] = podSignals.map((s) => ({ service: s.service, kind: s.kind, count: s.count, ...(s.at !== undefined ? { at: s.at / 1000 } : {}), ...(s.bornAt !== undefined ? { bornAt: s.bornAt / 1000 } : {}), ...(s.detail ? { detail: s.detail } : {}) }));
  const logInputs: LogSignatureInput[] = [];
  for (const l of logList) {
    const ev = logEvidence(l.service, l.signatures, l.coverage, onset, transitiveDependencies(topology, l.service));
    const own = ev.filter((e) => !e.blamedBy).slice(0, 5);
    const blamed = ev.filter((e) => e.blamedBy).slice(0, 5);
    for (const e of [...own, ...blamed]) logInputs.push({ service: e.service, signature: e.signature, count: e.count, ...(e.firstSeen !== undefined ? { firstSeen: e.firstSeen } : {}), ...(e.error !== undefined ? { error: e.error } : {}), ...(e.share !== undefined ? { share: e.share } : {}) });
  }

  // Runbooks per service, matched on that service's own signals: its alerts, pod reasons, log errors.
  const runbooks: Array<RunbookHit & { service?: string }> = [];
  const runbookInputs: RunbookMatchInput[] = [];
  for (const s of services) {
    const own = alerts.filter((a) => a.service === s);
    const sig = podSignals.filter((p) => p.service === s);
    const lg = logInputs.filter((x) => x.service === s && x.error !== false);
    if (own.length === 0 && sig.length === 0 && lg.length === 0) continue;
    const text = [...own.map((a) => `${a.name} ${a.summary}`), ...sig.map((x) => `${x.kind} ${x.detail ?? ""}`), ...lg.slice(0, 5).map((x) => x.signature)].join("\n");
    const r = await t.knowledge.t.runbookMatches.run({ alertNames: own.map((a) => a.name), services: [s], text, limit: 1 });
    if (r.status === "ok" && r.data[0] && r.data[0].score >= 0.3) {
      runbooks.push({ ...r.data[0], service: s });
      runbookInputs.push({ runbookId: r.data[0].id, title: r.data[0].title, score: r.data[0].score, services: [s] });
    }
  }
  const workloads: AssembledContext["workloads"] = {};
  if (pods.status === "ok") {
    for (const sp of pods.data) workloads[sp.service] = { kind: sp.workload, pods: sp.pods.map((p) => p.name) };
  }
  const graph = graphFromTopology(topology);
  const input: DiagnosisInput = {
    services: metricsData,
    ...(graph ? { graph } : {}),
    anomalyStart: Math.floor(onset / 1000),
    ...(symptom ? { symptom: { service: symptom.service, ...(symptom.metric ? { metric: symptom.metric } : {}) } } : {}),
    changes: changeList.map((c) => ({ service: c.service, at: Date.parse(c.at) / 1000, kind: c.kind, ...(c.version ? { version: c.version } : {}), ...(c.description ? { description: c.description.slice(0, 80) } : {}) })),
    k8s,
    logs: logInputs,
    runbooks: runbookInputs,
    extraServices: alerting,
    queried: {
      changes: changes.status === "ok" || changes.status === "no_data",
      k8s: pods.status === "ok" || pods.status === "no_data",
      logs: logOk.length > 0,
      runbooks: true,
    },
  };
  return {
    input,
    window: { start, onset, end, stepSeconds: step },
    services,
    ...(symptom ? { symptom } : {}),
    tools,
    gaps,
    changes: changeList,
    podSignals,
    logs: logList.map((l) => ({ service: l.service, signatures: l.signatures })),
    runbooks,
    similar: similar.status === "ok" ? similar.data : [],
    oncall: oncall?.status === "ok" && symptom ? { service: symptom.service, people: oncall.data } : undefined,
    workloads,
    elapsedMs: Math.round(performance.now() - started),
  };
}
