import { confidenceLevel } from "../domain/confidence.ts";
import { closeCall } from "./close-call.ts";
import type { ChangeEvent } from "../domain/alert.ts";
import type { Topology } from "../domain/topology.ts";
import { propagationEdgesFromCalls } from "./graph.ts";
import type { ChangeEventInput, Diagnosis, DiagnosisGraph, Hypothesis } from "./types.ts";
import { plural, verb } from "../text/words.ts";

/**
 * Glue between the engine and the live product (pure): domain types in, card content and thread
 * updates out. The context assembly fetches metrics, pods and logs through its toolsets and calls
 * `diagnose()` with what it got; these helpers keep the conversions in one place.
 */

/** The domain topology says who calls whom; faults travel from callee to caller. */
export function graphFromTopology(t: Topology): DiagnosisGraph | undefined {
  if (t.edges.length === 0) return undefined;
  return { edges: propagationEdgesFromCalls(t.edges), orientation: "as-given" };
}

export function changesFromEvents(events: readonly ChangeEvent[]): ChangeEventInput[] {
  return events.map((e) => ({ service: e.service, at: Date.parse(e.at) / 1000, kind: e.kind, ...(e.version ? { version: e.version } : {}), ...(e.description ? { description: e.description } : {}) })).filter((c) => Number.isFinite(c.at));
}

const ACTION_HINTS: Array<{ test: (h: Hypothesis) => boolean; step: (h: Hypothesis) => string; rollback?: true }> = [
  {
    // Said already when the card recommends rolling that service back.
    rollback: true,
    test: (h) => h.evidence.some((e) => e.kind === "change" && e.weight >= 0.2),
    step: (h) => {
      const c = h.evidence.find((e) => e.kind === "change")!;
      return `Check the recent change of ${h.service}${c.source.ref ? ` (${c.source.ref})` : ""}; roll it back if it lines up with the onset.`;
    },
  },
  {
    test: (h) => h.evidence.some((e) => e.kind === "k8s" && /OOMKilled/.test(e.summary)),
    step: (h) => `${h.service} is being OOMKilled: check memory growth since the last deploy; a rollout restart buys time.`,
  },
  {
    test: (h) => h.evidence.some((e) => e.kind === "k8s" && /CrashLoopBackOff/.test(e.summary)),
    step: (h) => `${h.service} is crash-looping: read the previous container's logs (kubectl logs --previous).`,
  },
];

/**
 * "What to do next": concrete first steps from the leading hypotheses and matched runbooks.
 * `rollingBack`: the service whose rollback the card recommends (its "check the recent change" step is then left out).
 */
export function nextSteps(d: Diagnosis, max = 4, rollingBack?: string): string[] {
  const out: string[] = [];
  const lead = d.hypotheses[0];
  if (!lead) return ["Gather more signals: no service shows a clear anomaly yet."];
  for (const hint of ACTION_HINTS) if (hint.test(lead) && !(hint.rollback && rollingBack === lead.service)) out.push(hint.step(lead));
  const top = lead.evidence.find((e) => e.kind === "metric");
  if (top && out.length === 0) out.push(`Look at ${lead.service}: ${top.summary}.`);
  if (d.uncertainty === "unsure: two candidates" && d.hypotheses[1]) out.push(`Rule out ${d.hypotheses[1].service} as well: ${closeCall(d) ? "it scores close behind" : "the evidence does not separate the two"}.`);
  const rb = lead.evidence.find((e) => e.kind === "runbook");
  if (rb?.source.ref) out.push(`Follow the ${rb.summary}.`);
  for (const g of d.gaps.filter((g) => gapMatters(g, lead)).slice(0, 1)) out.push(`Fill the gap: ${g}.`);
  return [...new Set(out)].slice(0, max);
}

/**
 * Whether a gap is worth a step: a source that failed or was never read always is; services without
 * metrics are when the cause is not clear (they might hold it) or when one of them is the leader's
 * own. Beside a high-confidence cause, "no metrics for cart, payment-provider" sends the on-call off
 * to instrument services the cause does not touch, and "orders-db has no metrics … it could be their
 * common cause" doubts a deploy that broke inventory at 91 % (bad-deploy walk).
 */
function gapMatters(gap: string, lead: Hypothesis): boolean {
  // Services without metrics: "no metrics for 2 services: a, b", "orders-db has no metrics, yet 3 services that depend on it are anomalous …".
  const listed = /^no metrics for (?:\d+ services?: |the symptom service )?(.*)$/.exec(gap)?.[1]?.split(", ");
  const missing = listed ?? /^(\S+) has no metrics\b/.exec(gap)?.slice(1);
  if (!missing) return true;
  if (confidenceLevel(lead.confidence) !== "high") return true;
  return missing.includes(lead.service);
}

/** The card's "What caused it": the leader's cause, with a close runner-up named, or both when unsure. */
function causeText(d: Diagnosis, lead: Hypothesis): string {
  const close = closeCall(d);
  if (close) return `${lead.cause} Close behind: ${close.second.service}.`;
  return d.uncertainty === "unsure: two candidates" && d.hypotheses[1] ? `Unsure: ${lead.service} or ${d.hypotheses[1].service}. ${lead.cause}` : lead.cause;
}

/** Root-card content (matches the incident card's diagnosis fields). `rollingBack`: see nextSteps. */
export function cardDiagnosis(d: Diagnosis, rollingBack?: string): { summary?: string; cause?: string; confidence?: number; verdict?: string; nextSteps?: string[]; service?: string } {
  const lead = d.hypotheses[0];
  const affected = lead ? lead.services.slice(1) : [];
  return {
    ...(lead ? { summary: `${lead.service}${affected.length ? ` and ${plural(affected.length, "dependent service")} (${affected.slice(0, 3).join(", ")}${affected.length > 3 ? ", …" : ""})` : ""} ${verb(1 + affected.length, "shows")} anomalies.` } : {}),
    cause: lead ? causeText(d, lead) : "No clear cause yet.",
    ...(lead ? { confidence: lead.confidence, service: lead.service } : {}),
    verdict: d.uncertainty,
    nextSteps: nextSteps(d, 4, rollingBack),
  };
}

export type HypothesisChangeKind = "new" | "strengthened" | "weakened" | "dropped" | "leader";

export interface HypothesisChange {
  kind: HypothesisChangeKind;
  service: string;
  from?: number;
  to?: number;
  /** One line for the thread: "Hypothesis strengthened: db (45 % → 72 %): deploy v42 5 min before onset". */
  text: string;
}

/**
 * What changed between two diagnoses of the same incident, for one thread message per change
 * instead of a repost of the whole analysis. Only the top `consider` hypotheses and confidence moves
 * of at least `minDelta` count.
 */
export function diffDiagnoses(prev: Diagnosis | undefined, next: Diagnosis, opts: { consider?: number; minDelta?: number } = {}): HypothesisChange[] {
  const consider = opts.consider ?? 3;
  const minDelta = opts.minDelta ?? 0.1;
  const pct = (x: number): string => `${Math.round(x * 100)} %`;
  const before = new Map((prev?.hypotheses ?? []).slice(0, consider).map((h) => [h.service, h]));
  const after = next.hypotheses.slice(0, consider);
  const out: HypothesisChange[] = [];
  const why = (h: Hypothesis, old?: Hypothesis): string => {
    const oldKeys = new Set((old?.evidence ?? []).map((e) => `${e.kind}|${e.source.metric ?? e.source.ref ?? ""}`));
    const fresh = h.evidence.find((e) => !oldKeys.has(`${e.kind}|${e.source.metric ?? e.source.ref ?? ""}`));
    return fresh ? `: ${fresh.summary}` : "";
  };
  const prevLead = prev?.hypotheses[0]?.service;
  for (const h of after) {
    const old = before.get(h.service);
    if (!old) out.push({ kind: "new", service: h.service, to: h.confidence, text: `New hypothesis: ${h.service} (${pct(h.confidence)})${why(h)}` });
    else if (h.confidence - old.confidence >= minDelta) out.push({ kind: "strengthened", service: h.service, from: old.confidence, to: h.confidence, text: `Hypothesis strengthened: ${h.service} (${pct(old.confidence)} → ${pct(h.confidence)})${why(h, old)}` });
    else if (old.confidence - h.confidence >= minDelta) out.push({ kind: "weakened", service: h.service, from: old.confidence, to: h.confidence, text: `Hypothesis weakened: ${h.service} (${pct(old.confidence)} → ${pct(h.confidence)})` });
  }
  const nextTop = new Set(after.map((h) => h.service));
  for (const [service, old] of before) {
    if (!nextTop.has(service)) {
      const now = next.hypotheses.find((h) => h.service === service);
      out.push({ kind: "dropped", service, from: old.confidence, to: now?.confidence ?? 0, text: `Hypothesis weakened: ${service} dropped out of the top ${consider} (${pct(old.confidence)} → ${pct(now?.confidence ?? 0)})` });
    }
  }
  const lead = next.hypotheses[0];
  if (prev && lead && prevLead && lead.service !== prevLead) out.unshift({ kind: "leader", service: lead.service, to: lead.confidence, text: `Leading hypothesis is now ${lead.service} (${pct(lead.confidence)}), was ${prevLead}` });
  return out;
}
