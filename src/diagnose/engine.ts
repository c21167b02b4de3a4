import { analyzeSeries, medianStep, strengthOfZ, WINDOW_REFERENCE_DISCOUNT, Z_THRESHOLD } from "./anomaly.ts";
import { spanText } from "../text/spans.ts";
import type { SeriesAnomaly } from "./anomaly.ts";
import { buildGraph, distances, explanationScores, inferOrientation } from "./graph.ts";
import type { PropGraph } from "./graph.ts";
import { classifyMetric, kindCompatibility, namesLatency, tokens } from "./metric-kind.ts";
import type { MetricKind } from "./metric-kind.ts";
import { CLOSE_RATIO, confidences, loneLeaderConfidence } from "./calibration.ts";
import { closeCall } from "./close-call.ts";
import { applyFeedbackCalibration, NO_CALIBRATION } from "./feedback-calibration.ts";
import { clamp, pearson } from "./stats.ts";
import type { Diagnosis, DiagnosisInput, EvidenceItem, Hypothesis, MetricSeries, ServiceMetrics, UncertaintyVerdict } from "./types.ts";
import { comparedWithUsual, plural, runbookMatch } from "../text/words.ts";
import { itemAt } from "../domain/indexed.ts";

/**
 * The deterministic diagnosis engine. Pure: no I/O, no clock, no LLM. See docs/diagnosis.md.
 *
 * 1. Every metric of every service gets a robust z against its reference (baseline and/or
 *    pre-onset samples) in its bad direction; metrics are classified by keywords.
 * 2. With a symptom, each anomaly is weighted by how well its shape over the incident window
 *    follows the symptom's (a cause moves with its effect).
 * 3. Per service: the strongest anomaly per metric kind, combined noisy-OR across kinds.
 * 4. With a graph (parsimony): a hypothesis "the fault is in r" is scored by the anomaly r shows on
 *    its own account (not explained by an anomalous dependency, nor by a change in the load its
 *    callers send) and by the anomaly mass it explains downstream (weighted by how similarly those
 *    services move over time): own^(1/3) · explained^(2/3). This prefers the most upstream anomalous
 *    service that explains the downstream symptoms.
 * 5. Change proximity, Kubernetes signals, log signatures and runbook matches add evidence, gated
 *    by whether the service can explain what is observed.
 * 6. Confidence: the leader's relative score margin through a logistic mapping fitted on the
 *    development and synthetic cases and tempered (src/diagnose/calibration.ts), bounded by the
 *    strength of its own evidence.
 */

/** Weights of the non-metric evidence kinds (added to a metric/topology score in [0, 1]). */
export const EVIDENCE_WEIGHTS = { change: 0.55, k8s: 0.45, log: 0.3, runbook: 0.12 } as const;

/** e-folding time of change proximity: a deploy 30 min before onset keeps 37 % of its weight. */
const CHANGE_TAU_S = 1800;
/** Clock-skew slack: a change up to this long after the declared onset still counts. */
const CHANGE_SLACK_S = 180;
/** Pods a rollout creates start within seconds of it; a pod seen this soon before is counted as the rollout's too. */
const FIX_SLACK_S = 30;
/**
 * A fault's own errors show in its logs within minutes of the onset. A signature first seen later
 * than this is more likely a knock-on effect (or another fault) and fades with LOG_LATE_TAU_S.
 */
const LOG_LATE_GRACE_S = 600;
const LOG_LATE_TAU_S = 900;

/**
 * How much a log signature first seen at `firstSeen` says about an onset at `onset`: full weight from
 * 15 min before to 10 min after; seen for long before, it is background (fades like a change); first
 * seen well after, it is a consequence (fades fast: 50 min after the onset keeps 7 %).
 */
export function logProximity(firstSeen: number | undefined, onset: number): number {
  if (firstSeen === undefined) return 1;
  const lead = onset - firstSeen;
  if (lead > 900) return Math.exp(-(lead - 900) / CHANGE_TAU_S);
  const late = -lead;
  return late <= LOG_LATE_GRACE_S ? 1 : Math.exp(-(late - LOG_LATE_GRACE_S) / LOG_LATE_TAU_S);
}

interface ServiceState {
  name: string;
  anomalies: SeriesAnomaly[];
  /** Effective per-series strength after class weight and symptom coherence. */
  effective: Map<SeriesAnomaly, number>;
  coherence: Map<SeriesAnomaly, number | undefined>;
  hasMetrics: boolean;
}

interface Extra {
  change: number;
  k8s: number;
  log: number;
  /** Of `log`, what its callers' logs say of it ("in checkout's logs: upstream payments …"). */
  blamed: number;
  runbook: number;
  items: EvidenceItem[];
  counter: EvidenceItem[];
}

/** A log signature another service wrote that names this one (assemble's "in checkout's logs: …"). */
export const BLAMED_LINE = /^in \S+ logs: /;

interface Prepared {
  input: DiagnosisInput;
  names: string[];
  states: Map<string, ServiceState>;
  graph?: PropGraph;
  symptomService?: string;
  symptomSeries?: SeriesAnomaly;
  extras: Map<string, Extra>;
  notes: string[];
  gaps: string[];
  /** Can reach the symptom (or any anomalous service when no symptom) in the graph. */
  reachesSymptom: Map<string, number>;
  allSeries: SeriesAnomaly[];
}

interface Scored {
  service: string;
  anomaly: number;
  /** Anomaly not explained by anomalous dependencies or by load from its callers. */
  own: number;
  /** Anomaly mass this hypothesis explains (itself and what a fault in it reaches). */
  explained: number;
  /** Part of its anomaly explained by a change in the load its callers send. */
  loadExplained: number;
  metricScore: number;
  extraScore: number;
  score: number;
}

function seriesMap(list: readonly ServiceMetrics[] | undefined): Map<string, Map<string, MetricSeries>> {
  const m = new Map<string, Map<string, MetricSeries>>();
  for (const s of list ?? []) {
    let inner = m.get(s.service);
    if (!inner) m.set(s.service, (inner = new Map()));
    for (const ser of s.series) inner.set(ser.metric, ser);
  }
  return m;
}

/** "13:06 UTC": Slack presenters turn these into date tokens (src/text/slack-markup.ts slackTimesIn). */
function fmtTime(t: number): string {
  return `${new Date(t * 1000).toISOString().slice(11, 16)} UTC`;
}

/** A change's evidence summary without its clock time (fmtTime's " at 10:02 UTC"), for a sentence: "deploy 1.8.0, 2 min before onset". */
export function withoutClockTime(summary: string): string {
  return summary.replace(/ at \d\d:\d\d UTC/, "");
}

/** Words that make a metric a fraction, shown in percent. */
const PERCENT_WORDS = new Set(["ratio", "utilization", "utilisation", "pct", "percent"]);

/** A metric's value in its unit, read from its name: a fraction in percent, a duration in ms or s. */
export function fmtMetric(metric: string, x: number): string {
  if (!Number.isFinite(x)) return String(x);
  // By the name's words: "duration" holds "ratio" (job_duration_p99 read "rose to 56.1 %" for 561 ms).
  if (tokens(metric).some((w) => PERCENT_WORDS.has(w)) && Math.abs(x) <= 1.5) {
    const p = x * 100;
    return `${Math.abs(p) >= 10 ? p.toFixed(1) : Math.abs(p) >= 1 ? p.toFixed(2) : p.toPrecision(2)} %`;
  }
  if (/latency|duration|_seconds$/.test(metric)) return Math.abs(x) < 1 ? `${fmtNum(x * 1000)} ms` : `${fmtNum(x)} s`;
  return fmtNum(x);
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a === 0) return "0";
  if (a >= 1000) return x.toFixed(0);
  if (a >= 1) return x.toFixed(2).replace(/\.?0+$/, "");
  return x.toPrecision(3);
}

/**
 * A change as the evidence names it: "deploy 1.8.0", with its description when that says more than
 * the service and version ("Rolling out cart 1.8.0", "inventory 2.3.0 is live" do not; "Rollout of cart 1.8.0 did not
 * complete (ProgressDeadlineExceeded)" does, its own parentheses made a colon so none nest).
 */
export function changeLabel(c: { kind?: string; service: string; version?: string; description?: string }): string {
  const what = `${c.kind ?? "deploy"}${c.version ? ` ${c.version}` : ""}`;
  const d = c.description?.trim();
  if (!d) return what;
  const norm = (w: string) =>
    w
      .toLowerCase()
      .replace(/[.,;:]+$/, "")
      .replace(/^v(?=\d)/, "");
  const said = new Set([c.service, c.version ?? "", c.kind ?? "", "deploy", "deploying", "deployed", "rolling", "out", "rollout", "rolled", "of", "to", "version", "is", "now", "live", "released"].filter(Boolean).map(norm));
  const more = d.split(/\s+/).some((w) => !said.has(norm(w)));
  return more ? `${what} (${d.replace(/\s*\(([^()]*)\)/g, ": $1")})` : what;
}

/** Co-movement of a series with the symptom over common timestamps (sign-adjusted z). */
function coherenceWith(a: SeriesAnomaly, symptom: SeriesAnomaly | undefined): number | undefined {
  if (!symptom || a === symptom) return a === symptom ? 1 : undefined;
  const at = new Map<number, number>();
  for (let i = 0; i < a.window.slot.length; i++) at.set(itemAt(a.window.slot, i), itemAt(a.window.z, i));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < symptom.window.slot.length; i++) {
    const v = at.get(itemAt(symptom.window.slot, i));
    if (v !== undefined) {
      xs.push(v);
      ys.push(itemAt(symptom.window.z, i));
    }
  }
  if (xs.length < 3) return undefined;
  const ys0 = ys.some((y) => y !== ys[0]);
  const xs0 = xs.some((x) => x !== xs[0]);
  if (!ys0) return undefined; // symptom flat over the window: shape says nothing
  if (!xs0) return 0; // candidate flat while the symptom moved
  return pearson(xs, ys) ?? 0;
}

/** How much the symptom's shape lends or withholds weight: 0.4 (moves unlike it) … 1 (moves with it). */
function coherenceFactor(c: number | undefined, haveSymptomShape: boolean): number {
  if (!haveSymptomShape) return 1;
  if (c === undefined) return 0.7;
  return 0.4 + 0.6 * Math.max(0, c);
}

function pickSymptomSeries(st: ServiceState | undefined, metric: string | undefined): SeriesAnomaly | undefined {
  if (!st || st.anomalies.length === 0) return undefined;
  if (metric) {
    const exact = st.anomalies.find((a) => a.metric === metric) ?? st.anomalies.find((a) => a.metric.toLowerCase() === metric.toLowerCase());
    if (exact) return exact;
    // Not by that name: the strongest series of the same kind ("latency" → latency_p99).
    const kind = classifyMetric(metric).kind;
    const same = st.anomalies.filter((a) => a.cls.kind === kind).sort((a, b) => b.z - a.z)[0];
    if (same) return same;
  }
  const userFacing: MetricKind[] = ["latency", "errors", "availability"];
  const cands = st.anomalies.filter((a) => userFacing.includes(a.cls.kind));
  const pool = cands.length > 0 ? cands : st.anomalies;
  return [...pool].sort((a, b) => b.z - a.z)[0];
}

function errorish(text: string): boolean {
  return /(error|exception|fail|fatal|panic|timeout|timed out|refused|denied|oom|killed|crash|unavailable|5\d\d)/i.test(text);
}

function computeExtras(input: DiagnosisInput, names: Set<string>): Map<string, Extra> {
  const out = new Map<string, Extra>();
  const get = (s: string): Extra => {
    let e = out.get(s);
    if (!e) out.set(s, (e = { change: 0, k8s: 0, log: 0, blamed: 0, runbook: 0, items: [], counter: [] }));
    return e;
  };
  const onset = input.anomalyStart;
  for (const c of input.changes ?? []) {
    names.add(c.service);
    const e = get(c.service);
    const before = onset - c.at;
    const what = changeLabel(c);
    if (before < -CHANGE_SLACK_S) {
      e.counter.push({ kind: "change", source: { service: c.service, ref: c.version }, summary: `${what} at ${fmtTime(c.at)} came ${spanText(before)} after onset: cannot have caused it`, weight: 0.1, at: c.at });
      continue;
    }
    const p = Math.exp(-Math.max(0, before) / CHANGE_TAU_S);
    if (p > e.change) e.change = p;
    const summary = `${what} at ${fmtTime(c.at)}, ${before >= 0 ? `${spanText(before)} before onset` : "at onset"}`;
    if (p >= 0.05) e.items.push({ kind: "change", source: { service: c.service, ref: c.version }, summary, weight: p, at: c.at });
    else e.counter.push({ kind: "change", source: { service: c.service, ref: c.version }, summary: `${summary}: too long before to explain the onset`, weight: 0.05, at: c.at });
  }
  // When the fix (a remediation, or a rollback after the onset) first touched each service: pods seen
  // from then on are its own. Not any change after the onset: a deploy that came after an earlier
  // anomaly may be a second fault whose crash-looping pods are its evidence (a config rollout during a
  // cascading failure).
  const fixedAt = new Map<string, number>();
  const touched = (service: string, at: number) => {
    if (!(at >= (fixedAt.get(service) ?? Number.POSITIVE_INFINITY))) fixedAt.set(service, at);
  };
  for (const c of input.changes ?? []) if (c.at - onset > CHANGE_SLACK_S && isRollback(c, input.changes ?? [])) touched(c.service, c.at);
  for (const i of input.interventions ?? []) if (i.at > onset) touched(i.service, i.at);
  for (const k of input.k8s ?? []) {
    names.add(k.service);
    const e = get(k.service);
    if (k.at !== undefined && (k.at < onset - 3600 || k.at > onset + 7200)) continue;
    // Every pod behind it started after the fix (a remediation, a rollback) did: the fix's own pods.
    if (k.bornAt !== undefined && k.bornAt >= (fixedAt.get(k.service) ?? Number.POSITIVE_INFINITY) - FIX_SLACK_S) continue;
    const n = k.count ?? 1;
    let s: number;
    switch (k.kind) {
      case "OOMKilled":
      case "CrashLoopBackOff":
        s = 0.75 + 0.25 * (1 - Math.exp(-n / 3));
        break;
      case "restarts":
        s = 1 - Math.exp(-n / 3);
        break;
      case "ImagePullBackOff":
        s = 0.7;
        break;
      default:
        s = 0.35;
    }
    e.k8s = 1 - (1 - e.k8s) * (1 - s);
    e.items.push({ kind: "k8s", source: { service: k.service, ref: k.kind }, summary: `${k.kind}${n > 1 ? ` ×${n}` : ""}${k.detail ? `: ${k.detail}` : ""}${k.at !== undefined ? ` at ${fmtTime(k.at)}` : ""}`, weight: s, at: k.at });
  }
  for (const l of input.logs ?? []) {
    names.add(l.service);
    const e = get(l.service);
    const isErr = l.error ?? errorish(l.signature);
    const s = (isErr ? 1 : 0.3) * (1 - Math.exp(-l.count / 10)) * logProximity(l.firstSeen, onset) * clamp(l.share ?? 1, 0, 1);
    if (s < 0.02) continue;
    e.log = 1 - (1 - e.log) * (1 - s);
    if (BLAMED_LINE.test(l.signature)) e.blamed = 1 - (1 - e.blamed) * (1 - s);
    e.items.push({ kind: "log", source: { service: l.service, ref: l.signature }, summary: `${l.count}× "${l.signature.slice(0, 120)}"${l.firstSeen !== undefined ? `, first seen ${fmtTime(l.firstSeen)}` : ""}`, weight: s, at: l.firstSeen });
  }
  for (const r of input.runbooks ?? []) {
    for (const svc of r.services) {
      if (svc === "*" || !names.has(svc)) continue;
      const e = get(svc);
      const s = clamp(r.score, 0, 1);
      if (s > e.runbook) e.runbook = s;
      e.items.push({ kind: "runbook", source: { service: svc, ref: r.runbookId }, summary: runbookMatch(r.title, s), weight: s });
    }
  }
  return out;
}

/** "2.10.1" > "2.9.0": numeric parts compared in order; undefined when either has no number. */
function compareVersions(a: string | undefined, b: string | undefined): number | undefined {
  const pa = a?.match(/\d+/g)?.map(Number);
  const pb = b?.match(/\d+/g)?.map(Number);
  if (!pa?.length || !pb?.length) return undefined;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A change that takes its service back: marked a rollback, or a deploy of an older version than one before it. */
export function isRollback(c: { service: string; at: number; kind?: string; version?: string }, changes: ReadonlyArray<{ service: string; at: number; kind?: string; version?: string }>): boolean {
  if (c.kind === "rollback") return true;
  return changes.some((p) => p.service === c.service && p.at < c.at && (compareVersions(c.version, p.version) ?? 0) < 0);
}

function prepare(input: DiagnosisInput): Prepared {
  const notes: string[] = [];
  const gaps: string[] = [];
  const baseline = seriesMap(input.baseline);
  const names = new Set<string>();
  for (const s of input.services) names.add(s.service);
  for (const e of input.graph?.edges ?? []) {
    names.add(e.source);
    names.add(e.target);
  }
  for (const s of input.extraServices ?? []) names.add(s);
  if (input.symptom) names.add(input.symptom.service);

  const states = new Map<string, ServiceState>();
  const allSeries: SeriesAnomaly[] = [];
  let refKinds = new Set<string>();
  // Common grid: the median sampling step over all series.
  const steps: number[] = [];
  for (const sm of input.services) for (const ser of sm.series) if (ser.timestamps.length > 1) steps.push(medianStep(ser.timestamps));
  steps.sort((a, b) => a - b);
  const grid = steps.length ? steps[Math.floor(steps.length / 2)] : 60;
  for (const sm of input.services) {
    let st = states.get(sm.service);
    if (!st) states.set(sm.service, (st = { name: sm.service, anomalies: [], effective: new Map(), coherence: new Map(), hasMetrics: false }));
    for (const ser of sm.series) {
      const a = analyzeSeries(sm.service, ser, baseline.get(sm.service)?.get(ser.metric), { anomalyStart: input.anomalyStart, grid });
      if (!a) continue;
      st.anomalies.push(a);
      st.hasMetrics = true;
      allSeries.push(a);
      refKinds.add(a.referenceKind);
    }
  }
  if (allSeries.length === 0) gaps.push("no metrics at or after the anomaly start");
  if (refKinds.has("window")) {
    gaps.push(refKinds.size === 1 ? "no baseline: metrics compared against the quiet part of the incident window itself" : "no baseline for some metrics: those compared against the incident window itself");
  }
  if (!input.baseline && !refKinds.has("pre-onset") && !refKinds.has("baseline+pre-onset") && refKinds.size > 0 && !refKinds.has("window")) {
    // unreachable in practice; kept for clarity
  }
  refKinds = new Set();

  // Symptom
  const symptomService = input.symptom?.service;
  const symptomSeries = symptomService ? pickSymptomSeries(states.get(symptomService), input.symptom?.metric) : undefined;
  if (!input.symptom) gaps.push("no symptom given: every anomaly weighs the same, whatever the user impact");
  else if (!symptomSeries) gaps.push(`no metrics for the symptom service ${input.symptom.service}`);
  const haveShape = !!symptomSeries && symptomSeries.window.z.some((z) => z !== symptomSeries.window.z[0]);

  for (const st of states.values()) {
    for (const a of st.anomalies) {
      const c = coherenceWith(a, symptomSeries);
      st.coherence.set(a, c);
      st.effective.set(a, a.strength * a.cls.weight * coherenceFactor(c, haveShape) * kindCompatibility(a.cls.kind, symptomSeries?.cls.kind));
    }
  }

  // Graph
  let graph: PropGraph | undefined;
  if (input.graph && input.graph.edges.length > 0) {
    const o = inferOrientation([...names], input.graph, symptomService);
    if (o.note) notes.push(o.note);
    graph = buildGraph([...names], input.graph.edges, o.reverse);
    for (const n of graph.nodes) names.add(n);
  } else {
    gaps.push("no dependency graph: cannot tell causes from their downstream effects");
  }

  const extras = computeExtras(input, names);
  const queried = (k: "changes" | "k8s" | "logs" | "runbooks"): boolean => input.queried?.[k] ?? input[k] !== undefined;
  if (!queried("changes")) gaps.push("no deploy data");
  if (!queried("k8s")) gaps.push("no Kubernetes pod data");
  if (!queried("logs")) gaps.push("no log data");

  for (const n of names) {
    if (!states.has(n)) states.set(n, { name: n, anomalies: [], effective: new Map(), coherence: new Map(), hasMetrics: false });
  }
  // A gap is a service the evidence names (its pods, logs, a change, the symptom, the services asked
  // for) without metrics; one the dependency graph alone names was never asked about.
  const named = new Set([...input.services.map((s) => s.service), ...(input.extraServices ?? []), ...(input.symptom ? [input.symptom.service] : []), ...(input.changes ?? []).map((c) => c.service), ...(input.k8s ?? []).map((k) => k.service), ...(input.logs ?? []).map((l) => l.service)]);
  const noMetrics = [...states.values()].filter((s) => !s.hasMetrics && named.has(s.name)).map((s) => s.name);
  if (noMetrics.length > 0 && allSeries.length > 0) {
    gaps.push(`no metrics for ${plural(noMetrics.length, "service")}${noMetrics.length <= 5 ? `: ${noMetrics.join(", ")}` : ""}`);
  }

  const reachesSymptom = new Map<string, number>();
  if (graph && symptomService && graph.index.has(symptomService)) {
    // distance from each service down to the symptom = distance from the symptom going up
    const d = distances(graph.up, graph.index.get(symptomService)!);
    for (let i = 0; i < graph.nodes.length; i++) reachesSymptom.set(itemAt(graph.nodes, i), itemAt(d, i));
  }

  return { input, names: [...names].sort(), states, graph, symptomService, symptomSeries, extras, notes, gaps, reachesSymptom, allSeries };
}

/** Service anomaly: strongest effective anomaly per metric kind, noisy-OR across kinds. */
function serviceAnomaly(st: ServiceState, keep?: (a: SeriesAnomaly) => boolean): number {
  const perKind = new Map<string, number>();
  for (const a of st.anomalies) {
    if (keep && !keep(a)) continue;
    const e = st.effective.get(a) ?? 0;
    if (e > (perKind.get(a.cls.kind) ?? 0)) perKind.set(a.cls.kind, e);
  }
  let miss = 1;
  for (const e of perKind.values()) miss *= 1 - e;
  return 1 - miss;
}

/** Strongest traffic anomaly of a service (unweighted strength), in [0, 1]. */
function loadAnomaly(st: ServiceState | undefined, keep?: (a: SeriesAnomaly) => boolean): number {
  let best = 0;
  for (const a of st?.anomalies ?? []) if (a.cls.kind === "traffic" && (!keep || keep(a)) && a.strength > best) best = a.strength;
  return best;
}

/** A service's anomaly over time: per timestamp, the strongest (weighted, squashed) deviation. */
function profileOf(st: ServiceState | undefined, keep?: (a: SeriesAnomaly) => boolean): Map<number, number> | undefined {
  if (!st) return undefined;
  let prof: Map<number, number> | undefined;
  for (const a of st.anomalies) {
    if (a.strength <= 0 || (keep && !keep(a))) continue;
    prof ??= new Map();
    const disc = a.referenceKind === "window" ? WINDOW_REFERENCE_DISCOUNT : 1;
    for (let i = 0; i < a.window.slot.length; i++) {
      const v = a.cls.weight * disc * strengthOfZ(itemAt(a.window.z, i));
      const t = itemAt(a.window.slot, i);
      if (v > (prof.get(t) ?? 0)) prof.set(t, v);
      else if (!prof.has(t)) prof.set(t, 0);
    }
  }
  return prof;
}

/**
 * How well an upstream anomaly explains a downstream one: similarity of their time profiles.
 * 0.2 when they move differently, 1 when they move together, 0.5 when the shape cannot be told.
 */
function profileSimilarity(down: Map<number, number> | undefined, up: Map<number, number> | undefined): number {
  if (!down || !up) return 0.5;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [t, v] of down) {
    const w = up.get(t);
    if (w !== undefined) {
      xs.push(v);
      ys.push(w);
    }
  }
  if (xs.length < 3) return 0.5;
  const xFlat = !xs.some((x) => Math.abs(x - itemAt(xs, 0)) > 1e-9);
  const yFlat = !ys.some((y) => Math.abs(y - itemAt(ys, 0)) > 1e-9);
  if (xFlat && yFlat) return 0.5; // both constant: shape cannot tell
  // One constant and high: it stepped at the onset and stayed (the window starts at the onset, so
  // the step itself is not in it). The other matches as far as it stays up too.
  const stepped = (flat: number[], other: number[]): number | undefined => {
    if (itemAt(flat, 0) < 0.3) return undefined;
    const max = Math.max(...other);
    if (!(max > 0)) return 0.2;
    return 0.2 + 0.8 * (other.reduce((a, b) => a + b, 0) / other.length / max);
  };
  if (xFlat) return stepped(xs, ys) ?? 0.2; // one moved, the other did not
  if (yFlat) return stepped(ys, xs) ?? 0.2;
  const r = pearson(xs, ys);
  return r === undefined ? 0.5 : 0.2 + 0.8 * Math.max(0, r);
}

/** A candidate whose anomalies start this long (s, or three samples) after the symptom's is damped. */
const LATE_TOLERANCE_S = 300;
const LATE_FACTOR = 0.5;

/** Weight of the "own anomaly" factor against the explained anomaly mass (score = own^α · explained^(1-α)). */
export const OWN_EXPONENT = 1 / 3;

/**
 * What a service's logs weigh as its own anomaly. Its callers blaming it (their upstream errors
 * naming it) count half when its own metrics are there and look normal: a database answering at its
 * usual latency and load is not failing because a few callers' lines name it; those lines are their
 * noise, or their own fault (catalog's full disk, open for hours, and payments' 18 background
 * "upstream orders-db responded 502" made orders-db the leader in the walk).
 */
function logMass(ex: Extra, st: ServiceState | undefined, anomaly: number): number {
  if (!st?.hasMetrics || anomaly >= 0.05 || ex.blamed <= 0) return ex.log;
  // Own lines (1 - (1 - log) / (1 - blamed)), combined with half the blamed ones.
  const own = ex.blamed >= 1 ? 0 : Math.max(0, 1 - (1 - ex.log) / (1 - ex.blamed));
  return 1 - (1 - own) * (1 - 0.5 * ex.blamed);
}

function score(p: Prepared, keep?: (a: SeriesAnomaly) => boolean): Scored[] {
  const names = p.names;
  const anomaly = new Map<string, number>();
  for (const n of names) anomaly.set(n, serviceAnomaly(p.states.get(n)!, keep));

  const topo = new Map<string, { own: number; explained: number; loadExplained: number }>();
  let totalMass = 1e-9;
  if (p.graph) {
    const g = p.graph;
    const a = new Float64Array(g.nodes.length);
    const load = new Float64Array(g.nodes.length);
    for (let i = 0; i < g.nodes.length; i++) {
      a[i] = anomaly.get(itemAt(g.nodes, i)) ?? 0;
      // A service whose own signals (pods, logs) are abnormal counts as anomalous too.
      const ex = p.extras.get(itemAt(g.nodes, i));
      if (ex) a[i] = 1 - (1 - itemAt(a, i)) * (1 - 0.5 * Math.max(ex.k8s, logMass(ex, p.states.get(itemAt(g.nodes, i)), itemAt(a, i))));
      load[i] = loadAnomaly(p.states.get(itemAt(g.nodes, i)), keep);
    }
    const prof = g.nodes.map((n) => profileOf(p.states.get(n), keep));
    const simCache = new Map<number, number>();
    const sim = (u: number, v: number): number => {
      const k = u < v ? u * g.nodes.length + v : v * g.nodes.length + u;
      let s = simCache.get(k);
      if (s === undefined) simCache.set(k, (s = profileSimilarity(prof[u], prof[v])));
      return s;
    };
    const ex = explanationScores(g, a, load, sim);
    for (let i = 0; i < g.nodes.length; i++) totalMass += itemAt(a, i);
    for (let i = 0; i < g.nodes.length; i++) topo.set(itemAt(g.nodes, i), { own: Math.max(0, itemAt(ex.own, i)), explained: itemAt(ex.explained, i), loadExplained: itemAt(ex.loadExplained, i) });
  }

  // A cause does not start after its effect: a candidate whose anomalies all begin well after the
  // symptom's (a queue backing up because its consumer slowed down) is at best a victim.
  const sym = p.symptomSeries;
  const symStep = sym && sym.window.t.length > 1 ? itemAt(sym.window.t, 1) - itemAt(sym.window.t, 0) : 60;
  const tolerance = Math.max(LATE_TOLERANCE_S, 3 * symStep);
  const lateFactor = (n: string): number => {
    if (!sym || sym.firstAt === undefined || n === p.symptomService) return 1;
    const st = p.states.get(n);
    let first = Infinity;
    for (const a of st?.anomalies ?? []) if (a.firstAt !== undefined && (st!.effective.get(a) ?? 0) > 0.05 && (!keep || keep(a))) first = Math.min(first, a.firstAt);
    return Number.isFinite(first) && first - sym.firstAt > tolerance ? LATE_FACTOR : 1;
  };

  const out: Scored[] = [];
  for (const n of names) {
    const an = anomaly.get(n) ?? 0;
    let metricScore: number;
    let own = an;
    let explained = an;
    let loadExplained = 0;
    if (p.graph) {
      const t = topo.get(n);
      own = t?.own ?? 0;
      explained = t?.explained ?? 0;
      loadExplained = t?.loadExplained ?? 0;
      // Explained share of the total anomaly mass keeps the score in [0, 1], comparable with the
      // other evidence kinds whatever the size of the system.
      metricScore = own ** OWN_EXPONENT * Math.min(1, explained / totalMass) ** (1 - OWN_EXPONENT);
      const d = p.reachesSymptom.get(n);
      if (p.reachesSymptom.size > 0 && (d === undefined || d < 0)) metricScore *= 0.5;
    } else {
      metricScore = an;
    }
    metricScore *= lateFactor(n);
    // Extra evidence, gated by whether the service can explain what is observed.
    const ex = p.extras.get(n);
    let extraScore = 0;
    if (ex) {
      const d = p.reachesSymptom.get(n);
      const canExplain = p.reachesSymptom.size > 0 ? (d !== undefined && d >= 0 ? 1 : 0) : 0.5;
      const gate = 0.3 + 0.4 * canExplain + 0.3 * Math.min(1, an * 2);
      extraScore = gate * (EVIDENCE_WEIGHTS.change * ex.change + EVIDENCE_WEIGHTS.k8s * ex.k8s + EVIDENCE_WEIGHTS.log * ex.log + EVIDENCE_WEIGHTS.runbook * ex.runbook);
    }
    out.push({ service: n, anomaly: an, own, explained, loadExplained, metricScore, extraScore, score: metricScore + extraScore });
  }
  out.sort((x, y) => y.score - x.score || y.anomaly - x.anomaly || x.service.localeCompare(y.service));
  return out;
}

function metricEvidence(st: ServiceState, limit: number): EvidenceItem[] {
  const list = st.anomalies
    .filter((a) => a.z > Z_THRESHOLD)
    .sort((a, b) => (st.effective.get(b) ?? 0) - (st.effective.get(a) ?? 0) || b.z - a.z)
    .slice(0, limit);
  return list.map((a) => {
    const ratio = a.level !== 0 ? a.peakValue / a.level : Number.NaN;
    const vs = Number.isFinite(ratio) && ratio > 0 && a.level > 0 && (ratio >= 1.5 || ratio <= 0.67) ? comparedWithUsual(a.peakValue, a.level) : undefined;
    const rel = vs ? `; ${vs}` : "";
    const c = st.coherence.get(a);
    const shape = c === undefined ? "" : c >= 0.6 ? "; moves with the symptom" : c <= 0.1 ? "; does not follow the symptom" : "";
    const ref = a.referenceKind === "window" ? "the quiet part of the window" : a.referenceKind === "pre-onset" ? "before onset" : "baseline";
    return {
      kind: "metric" as const,
      source: { service: a.service, metric: a.metric },
      summary: `${a.metric.replace(/_/g, " ")} ${a.moved === "up" ? "rose" : "fell"} to ${fmtMetric(a.metric, a.peakValue)} at ${fmtTime(a.peakAt)} (${ref}: ${fmtMetric(a.metric, a.level)}${rel})${shape}`,
      weight: Number((st.effective.get(a) ?? 0).toFixed(3)),
      at: a.peakAt,
    };
  });
}

/** Resource kinds whose metric at its limit says why a service fails, more than its errors do. */
const RESOURCE_KINDS = new Set<MetricKind>(["cpu", "memory", "saturation"]);

function kindPhrase(st: ServiceState): string {
  const ranked = [...st.anomalies].filter((a) => a.z > Z_THRESHOLD).sort((a, b) => (st.effective.get(b) ?? 0) - (st.effective.get(a) ?? 0));
  // A resource at its limit (a full disk, a pool at 100 %) is the cause's words, whatever scored highest:
  // disk-full's card said "catalog likely (its errors rose)" once the errors outgrew the disk.
  const atLimit = ranked.find((a) => RESOURCE_KINDS.has(a.cls.kind) && a.cls.percentLike && a.moved === "up" && a.peakValue >= 0.8 && a.peakValue <= 1.5);
  const best = atLimit ?? ranked[0];
  if (!best) return "";
  const k = best.cls.kind;
  const verb = best.moved === "up" ? "rose" : "dropped";
  // A metric's name in words ("cache evictions rate", not cache_evictions_rate): it lands on the card's headline.
  // A time that is not a request's latency (a transaction's, a job's) keeps its own words: db-report-query's
  // card said "orders-db likely (its latency rose)" for its longest transaction.
  const words = k === "other" || k === "traffic" || k === "saturation" || (k === "latency" && !namesLatency(best.metric));
  const label = k === "errors" ? "errors" : k === "availability" ? "availability" : words ? metricWords(best.metric) : k;
  return `${label} ${verb}`;
}

/** A metric's name in words, without its unit ("db longest transaction", not db_longest_transaction_seconds). */
const metricWords = (metric: string): string =>
  tokens(metric)
    .filter((w) => !UNIT_WORDS.has(w))
    .join(" ") || metric.replace(/_/g, " ");
const UNIT_WORDS = new Set(["seconds", "second", "ms", "milliseconds", "bytes", "total"]);

function buildHypothesis(p: Prepared, s: Scored, rank: number, anomalous: Set<string>, confidence: number, scored: Map<string, Scored>): Hypothesis {
  const st = p.states.get(s.service)!;
  const evidence: EvidenceItem[] = [];
  const counter: EvidenceItem[] = [];
  const gaps: string[] = [];
  evidence.push(...metricEvidence(st, 5));
  if (!st.hasMetrics) gaps.push(`no metrics for ${s.service}`);
  else if (s.anomaly < 0.05) counter.push({ kind: "metric", source: { service: s.service }, summary: "own metrics look normal (none clearly off its usual level)", weight: 0.2 });

  const explained: string[] = [];
  if (p.graph) {
    const g = p.graph;
    const i = g.index.get(s.service);
    if (i !== undefined) {
      const dDown = distances(g.down, i);
      const dUp = distances(g.up, i);
      for (let j = 0; j < g.nodes.length; j++) if (itemAt(dDown, j) > 0 && anomalous.has(itemAt(g.nodes, j))) explained.push(itemAt(g.nodes, j));
      if (explained.length > 0) {
        evidence.push({
          kind: "topology",
          source: { service: s.service, ref: "graph" },
          summary: `upstream of ${plural(explained.length, "anomalous service")} it can explain: ${explained.slice(0, 6).join(", ")}${explained.length > 6 ? ", …" : ""}`,
          weight: Number(Math.min(1, s.explained / 2).toFixed(3)),
        });
      }
      // Dependencies anomalous on their own account (not merely from the load this service sends).
      const upstreamAnomalous: string[] = [];
      for (let j = 0; j < g.nodes.length; j++) if (itemAt(dUp, j) > 0 && (scored.get(itemAt(g.nodes, j))?.own ?? 0) >= 0.15) upstreamAnomalous.push(itemAt(g.nodes, j));
      if (s.anomaly > 0 && s.loadExplained >= 0.3 * s.anomaly) {
        const callers = itemAt(g.down, i)
          .map((j) => itemAt(g.nodes, j))
          .filter((n) => anomalous.has(n));
        const tr = st.anomalies.filter((a) => a.cls.kind === "traffic" && a.z > Z_THRESHOLD).sort((a, b) => b.z - a.z)[0];
        counter.push({
          kind: "topology",
          source: { service: s.service, metric: tr?.metric, ref: "graph" },
          summary: `its traffic changed${tr ? ` (${tr.metric} ${tr.moved === "up" ? "rose" : "fell"} to ${fmtMetric(tr.metric, tr.peakValue)}, usually ${fmtMetric(tr.metric, tr.level)})` : ""}: the load comes from its callers${callers.length ? ` (${callers.slice(0, 3).join(", ")})` : ""}, so they may be the origin`,
          weight: 0.4,
        });
      }
      if (upstreamAnomalous.length > 0) {
        counter.push({
          kind: "topology",
          source: { service: s.service, ref: "graph" },
          summary: `its own dependencies are anomalous too (${upstreamAnomalous.slice(0, 4).join(", ")}${upstreamAnomalous.length > 4 ? ", …" : ""}): it may be a victim`,
          weight: 0.3,
        });
      }
      if (p.symptomService && s.service !== p.symptomService) {
        const d = p.reachesSymptom.get(s.service);
        if (d !== undefined && d > 0) {
          evidence.push({ kind: "symptom", source: { service: s.service, ref: "graph" }, summary: `a fault here reaches the symptom ${p.symptomService}${p.symptomSeries ? ` (${p.symptomSeries.metric})` : ""} in ${plural(d, "hop")}`, weight: 0.2 });
        } else if (p.reachesSymptom.size > 0) {
          counter.push({ kind: "topology", source: { service: s.service, ref: "graph" }, summary: `no path in the dependency graph to the symptom ${p.symptomService}`, weight: 0.4 });
        }
      }
    } else {
      gaps.push(`${s.service} is not in the dependency graph`);
    }
  }
  if (p.symptomService && s.service === p.symptomService) {
    evidence.push({ kind: "symptom", source: { service: s.service, metric: p.symptomSeries?.metric }, summary: "this is where the symptom fired", weight: 0.1 });
  }
  // Timing: a cause does not start after its effect.
  const sym = p.symptomSeries;
  const first = st.anomalies.filter((a) => a.firstAt !== undefined && (st.effective.get(a) ?? 0) > 0.05).map((a) => a.firstAt!);
  if (sym?.firstAt !== undefined && first.length > 0 && s.service !== p.symptomService) {
    const f = Math.min(...first);
    const step = sym.window.t.length > 1 ? itemAt(sym.window.t, 1) - itemAt(sym.window.t, 0) : 60;
    if (f > sym.firstAt + step) counter.push({ kind: "metric", source: { service: s.service }, summary: `its anomalies start at ${fmtTime(f)}, after the symptom (${fmtTime(sym.firstAt)})`, weight: 0.3 });
  }
  const ex = p.extras.get(s.service);
  if (ex) {
    evidence.push(...ex.items);
    counter.push(...ex.counter);
  }
  evidence.sort((a, b) => b.weight - a.weight);

  // Cause sentence
  const change = ex?.items.filter((i) => i.kind === "change").sort((a, b) => b.weight - a.weight)[0];
  const pod = ex?.items.filter((i) => i.kind === "k8s").sort((a, b) => b.weight - a.weight)[0];
  const log = ex?.items.filter((i) => i.kind === "log").sort((a, b) => b.weight - a.weight)[0];
  const phrase = kindPhrase(st);
  const parts: string[] = [];
  if (change && change.weight >= 0.2) {
    const which = withoutClockTime(change.summary);
    // "the deploy 1.8.0, 2 min before onset, is the likely trigger": the time clause set off on both sides.
    parts.push(`the ${which}${which.includes(", ") ? "," : ""} is the likely trigger`);
  }
  if (pod) parts.push(`pods show ${pod.summary.split(":")[0]}`);
  if (phrase) parts.push(`its ${phrase}`);
  if (log && parts.length < 2) {
    // Signatures blamed on it from another service's logs read "in checkout's logs: upstream payments …".
    const own = ex?.items.filter((i) => i.kind === "log" && !BLAMED_LINE.test(i.source.ref ?? "")) ?? [];
    parts.push(own.length > 0 ? "new errors in its logs" : "its callers' logs name it");
  }
  if (explained.length > 0) parts.push(`it explains the anomalies in ${explained.length === 1 ? explained[0] : `${explained.length} dependent services`}`);
  const cause = parts.length > 0 ? `${s.service}: ${parts.join("; ")}.` : `${s.service}: weak signals only.`;

  const services = [s.service, ...explained.slice(0, 8)];
  return {
    rank,
    service: s.service,
    cause,
    services,
    score: Number(s.score.toFixed(4)),
    confidence: Number(confidence.toFixed(3)),
    evidence,
    counterEvidence: counter,
    gaps,
  };
}

/** Internal scores, for debugging and docs (not part of the product surface). */
export function debugScores(input: DiagnosisInput): { ranked: Scored[] } {
  return { ranked: score(prepare(input)) };
}

export function diagnose(input: DiagnosisInput): Diagnosis {
  const started = performance.now();
  const p = prepare(input);
  const ranked = score(p);
  const opts = input.options ?? {};
  const top = ranked[0];
  const second = ranked[1];
  const anomalous = new Set<string>();
  for (const [n, st] of p.states) if (serviceAnomaly(st) >= 0.15) anomalous.add(n);
  const gaps = [...p.gaps];
  if (p.graph) {
    // Unobserved common dependencies: no metrics of their own, several anomalous dependents.
    const g = p.graph;
    for (let i = 0; i < g.nodes.length; i++) {
      if (p.states.get(itemAt(g.nodes, i))?.hasMetrics) continue;
      const hit = itemAt(g.down, i)
        .map((j) => itemAt(g.nodes, j))
        .filter((n) => anomalous.has(n));
      if (hit.length >= 2) gaps.push(`${g.nodes[i]} has no metrics, yet ${hit.length} services that depend on it are anomalous (${hit.slice(0, 3).join(", ")}): it could be their common cause`);
    }
  }

  const positive = ranked.filter((r) => r.score > 0);
  const strengthOf = (r: Scored): number => Math.max(r.anomaly, Math.min(1, r.extraScore / 0.5));
  const conf = applyFeedbackCalibration(confidences({ scores: positive.map((r) => r.score), strength: positive.map(strengthOf) }), opts.feedback ?? NO_CALIBRATION);
  // A lone candidate that is the alert's own service, on its own symptoms alone, restates the alert.
  const lone = positive.length === 1 ? positive[0] : undefined;
  if (lone && lone.service === p.symptomService) {
    const ex = p.extras.get(lone.service);
    const corroborated = (ex !== undefined && (ex.change > 0 || ex.k8s > 0 || ex.log > 0)) || [...anomalous].some((s) => s !== lone.service);
    conf[0] = loneLeaderConfidence(conf[0] ?? 0, corroborated);
  }
  const scoredBy = new Map(ranked.map((r) => [r.service, r]));
  const listed = opts.includeAll ? [...positive, ...ranked.filter((r) => !(r.score > 0))] : positive;
  const hypotheses = listed.slice(0, opts.limit ?? listed.length).map((r, i) => buildHypothesis(p, r, i + 1, anomalous, conf[i] ?? 0, scoredBy));

  let uncertainty: UncertaintyVerdict = "confident";
  const lead = hypotheses[0];
  const leadStrength = top ? strengthOf(top) : 0;
  if (!lead || leadStrength < 0.2) uncertainty = "thin evidence";
  else if (top && second && second.score >= CLOSE_RATIO * top.score) uncertainty = "unsure: two candidates";
  else if (lead.confidence < 0.35) uncertainty = "thin evidence";

  let headline: string;
  const close = closeCall({ uncertainty, hypotheses });
  if (!lead) headline = "No anomalous service found: thin evidence.";
  else if (close) {
    headline = `Likely cause: ${lead.cause} (confidence ${Math.round(lead.confidence * 100)} %; ${close.second.service} close behind at ${Math.round(close.second.confidence * 100)} %)`;
  } else if (uncertainty === "unsure: two candidates" && hypotheses[1]) {
    headline = `Unsure: ${lead.service} or ${hypotheses[1].service} (${Math.round(lead.confidence * 100)} % / ${Math.round(hypotheses[1].confidence * 100)} %).`;
  } else if (uncertainty === "thin evidence") {
    headline = `Thin evidence: ${lead.service} is the best guess (${Math.round(lead.confidence * 100)} %).`;
  } else {
    headline = `Likely cause: ${lead.cause} (confidence ${Math.round(lead.confidence * 100)} %)`;
  }
  return {
    hypotheses,
    uncertainty,
    headline,
    gaps,
    notes: opts.feedback?.shift ? [...p.notes, `Leader's confidence corrected by ${opts.feedback.n} graded incident${opts.feedback.n === 1 ? "" : "s"} (logit ${opts.feedback.shift > 0 ? "+" : ""}${opts.feedback.shift.toFixed(2)})`] : p.notes,
    ...(top && top.score > 0 ? { leader: { margin: second && second.score > 0 ? (top.score - second.score) / top.score : 1, strength: leadStrength } } : {}),
    elapsedMs: Number((performance.now() - started).toFixed(2)),
  };
}

/** The offline replay output shape (`aisre rca --json`, see eval/rca/README.md). */
export interface RankingOutput {
  ranking: Array<{ service: string; score: number; confidence: number; evidence: Array<{ metric: string; summary: string }> }>;
}

export function toRanking(d: Diagnosis): RankingOutput {
  return {
    ranking: d.hypotheses.map((h) => ({
      service: h.service,
      score: h.score,
      confidence: h.confidence,
      evidence: h.evidence.map((e) => ({ metric: e.source.metric ?? e.source.ref ?? e.kind, summary: e.summary })),
    })),
  };
}
