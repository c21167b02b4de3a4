import type { IncidentCard } from "../../store/repos/incidents.ts";
import { closeCall } from "../close-call.ts";
import type { Diagnosis, Hypothesis, MetricSeries, ServiceMetrics } from "../types.ts";

/**
 * The root card's headline: the current best understanding in a line an on-call engineer reads at a
 * glance — the impact, then the leading cause once the diagnosis is confident
 * ("Checkout failing 30 % — inventory deploy 2.3.0 likely"). Pure; recomputed on every ranking, so it
 * follows re-ranking.
 */
export interface HeadlineInput {
  diagnosis: Pick<Diagnosis, "hypotheses" | "uncertainty">;
  /** The service where users feel it (the symptom), then the other alerting services. */
  impacted: readonly string[];
  services: readonly ServiceMetrics[];
  /** Least confidence for naming a cause. */
  minConfidence?: number;
}

function last(s: MetricSeries | undefined): number | undefined {
  if (!s) return undefined;
  for (let i = s.values.length - 1; i >= 0; i--) if (Number.isFinite(s.values[i])) return s.values[i];
  return undefined;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Least share of requests failing, and least p99 (seconds), that count as impact: one bound for every phrase here. */
const FAILING_MIN = 0.01;
const SLOW_MIN_S = 1;

/** "Checkout failing 30 %", "Checkout slow (p99 3.9 s)", and the service it is about; undefined when no impact shows. */
function impactPhrase(impacted: readonly string[], services: readonly ServiceMetrics[]): { service: string; text: string } | undefined {
  for (const name of impacted) {
    const sm = services.find((s) => s.service === name);
    if (!sm) continue;
    const err = last(sm.series.find((x) => x.metric === "error_ratio"));
    if (err !== undefined && err >= FAILING_MIN) return { service: name, text: `${capitalise(name)} failing ${Math.round(err * 100)} %` };
    const p99 = last(sm.series.find((x) => x.metric === "latency_p99"));
    if (p99 !== undefined && p99 >= SLOW_MIN_S) return { service: name, text: `${capitalise(name)} slow (p99 ${p99.toFixed(1)} s)` };
  }
  return undefined;
}

/** "checkout: 25 % of requests fail, p99 3.0 s; frontend: 5 % fail" from the impacted services' latest samples (at most 3). */
export function impactLine(impacted: readonly string[], services: readonly ServiceMetrics[]): string | undefined {
  const parts: string[] = [];
  for (const name of impacted) {
    const sm = services.find((x) => x.service === name);
    if (!sm) continue;
    const err = last(sm.series.find((x) => x.metric === "error_ratio"));
    const p99 = last(sm.series.find((x) => x.metric === "latency_p99"));
    const bits: string[] = [];
    if (err !== undefined && err >= FAILING_MIN) bits.push(`${Math.round(err * 100)} % of requests fail`);
    if (p99 !== undefined && p99 >= SLOW_MIN_S) bits.push(`p99 ${p99.toFixed(1)} s`);
    if (bits.length) parts.push(`${name}: ${bits.join(", ")}`);
    if (parts.length >= 3) break;
  }
  return parts.length ? parts.join("; ") : undefined;
}

/** Pod signals that read other than "pods in <state>": what happened to them ("pods in restarts" was a walk's headline). */
const POD_EVENTS: Record<string, string> = { OOMKilled: "OOM kills", Evicted: "pod evictions", restarts: "pod restarts", NotReady: "pods not ready" };

/** The leader's strongest pod signal: "cart pods in CrashLoopBackOff", "order-processor OOM kills" ("its …" for the service already named). */
function podPhrase(lead: Hypothesis, named = false): string | undefined {
  const pod = lead.evidence.filter((e) => e.kind === "k8s").sort((a, b) => b.weight - a.weight)[0];
  if (!pod) return undefined;
  const state = pod.summary.split(/[:×\s]/)[0] ?? "";
  // A state that is an event reads as one (memory-leak walk: "Order-processor pods in OOMKilled likely").
  const event = POD_EVENTS[state];
  const whose = named ? "its" : lead.service;
  return event ? `${whose} ${event}` : `${whose} pods in ${state}`;
}

/**
 * "inventory deploy 2.3.0 likely", "cart pods in CrashLoopBackOff likely", "order-processor OOM kills likely", "payments likely (its db
 * connections rose)". `concreteOnly`: undefined rather than a cause named only from the service's own
 * signals (the last form).
 */
export function causePhrase(d: HeadlineInput["diagnosis"], minConfidence = 0.5, concreteOnly = false, subject?: string): string | undefined {
  const lead = d.hypotheses[0];
  if (!lead) return undefined;
  if ((d.uncertainty !== "confident" && !closeCall(d)) || lead.confidence < minConfidence) {
    const second = d.hypotheses[1];
    return second ? `cause unclear (${lead.service} or ${second.service})` : "cause unclear";
  }
  // The service the headline names already (its impact): not named twice ("Catalog failed up to 28 % — catalog likely (…)").
  const named = subject === lead.service;
  const change = lead.evidence.filter((e) => e.kind === "change" && e.weight >= 0.2).sort((a, b) => b.weight - a.weight)[0];
  if (change) {
    const kind = change.summary.split(/\s/)[0] || "change";
    return `${named ? "" : `${lead.service} `}${kind}${change.source.ref ? ` ${change.source.ref}` : ""} likely`;
  }
  const pods = podPhrase(lead, named);
  if (pods) return `${pods} likely`;
  if (concreteOnly) return undefined;
  const reason = lead.cause
    .replace(/^[^:]+:\s*/, "")
    .split(";")[0]
    ?.replace(/\.$/, "")
    .trim();
  const told = reason && !/weak signals/.test(reason) ? reason : undefined;
  if (named) return told ? `likely because ${told}` : "likely a fault of its own";
  return told ? `${lead.service} likely (${told})` : `${lead.service} likely`;
}

/** The worst the impact got: the impacted service with the highest error ratio (else the slowest p99), as the card keeps it. */
export type PeakImpact = NonNullable<IncidentCard["peak"]>;

function maxSince(s: MetricSeries | undefined, sinceS: number): number | undefined {
  if (!s) return undefined;
  let m: number | undefined;
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i]!;
    if ((s.timestamps[i] ?? -Infinity) >= sinceS && Number.isFinite(v) && (m === undefined || v > m)) m = v;
  }
  return m;
}

/** Which of two impacts is worse: more requests failing, else a slower p99. */
function worse(a: PeakImpact | undefined, b: PeakImpact | undefined): PeakImpact | undefined {
  if (!a || !b) return a ?? b;
  if ((a.errorRatio ?? 0) !== (b.errorRatio ?? 0)) return (a.errorRatio ?? 0) > (b.errorRatio ?? 0) ? a : b;
  return (a.p99S ?? 0) >= (b.p99S ?? 0) ? a : b;
}

/**
 * The peak impact since `sinceS` (unix s; the onset): the impacted service that got worst (most
 * requests failing, ≥ FAILING_MIN; else the slowest p99, ≥ SLOW_MIN_S), kept against an earlier peak of the same
 * incident (a later ranking's window may no longer hold the worst minute, or the symptom moved).
 */
export function peakImpact(impacted: readonly string[], services: readonly ServiceMetrics[], sinceS: number, before?: PeakImpact): PeakImpact | undefined {
  let now: PeakImpact | undefined;
  for (const name of impacted) {
    const sm = services.find((s) => s.service === name);
    if (!sm) continue;
    const err = maxSince(
      sm.series.find((x) => x.metric === "error_ratio"),
      sinceS,
    );
    const p99 = maxSince(
      sm.series.find((x) => x.metric === "latency_p99"),
      sinceS,
    );
    if (err !== undefined && err >= FAILING_MIN) now = worse(now, { service: name, errorRatio: err });
    else if (p99 !== undefined && p99 >= SLOW_MIN_S) now = worse(now, { service: name, p99S: p99 });
  }
  return worse(before, now);
}

/** In the past tense, for a resolved incident: "Checkout failed up to 30 %", "Cart slow (p99 up to 3.9 s)". */
export function pastImpactPhrase(p: PeakImpact): string {
  if (p.errorRatio !== undefined && p.errorRatio >= FAILING_MIN) return `${capitalise(p.service)} failed up to ${Math.round(p.errorRatio * 100)} %`;
  return `${capitalise(p.service)} was slow (p99 up to ${(p.p99S ?? 0).toFixed(1)} s)`;
}

/**
 * The headline once resolved: the worst the impact got, in the past tense, and the cause as last
 * understood ("Checkout failed up to 30 % — inventory deploy 2.3.0 likely"); undefined without a peak.
 */
export function resolvedHeadline(peak: PeakImpact | undefined, d: HeadlineInput["diagnosis"], minConfidence?: number): string | undefined {
  if (!peak) return undefined;
  const cause = causePhrase(d, minConfidence, false, peak.service);
  return cause ? `${pastImpactPhrase(peak)} — ${cause}` : pastImpactPhrase(peak);
}

/**
 * The headline, or undefined to keep the incident's title (its alert's summary). Without impact to
 * state, only a concrete cause (a change, pods) makes one: "Cart likely (its latency rose)" said less
 * than the alert that opened the incident, in words that read like a fragment.
 */
export function cardHeadline(i: HeadlineInput): string | undefined {
  const impact = impactPhrase(i.impacted, i.services);
  if (impact) {
    const cause = causePhrase(i.diagnosis, i.minConfidence, false, impact.service);
    return cause ? `${impact.text} — ${cause}` : impact.text;
  }
  const cause = causePhrase(i.diagnosis, i.minConfidence, true);
  if (!cause || cause.startsWith("cause unclear")) return undefined;
  // A change blamed with no impact measured still has a symptom to state: what its pods do
  // (crashloop-config walk: "Cart deploy 1.8.0 likely" replaced the alert's "crash looping").
  const lead = i.diagnosis.hypotheses[0];
  const pods = lead ? podPhrase(lead) : undefined;
  if (lead && pods && !cause.startsWith(pods)) return `${capitalise(pods)} — ${causePhrase(i.diagnosis, i.minConfidence, true, lead.service)}`;
  return capitalise(cause);
}
