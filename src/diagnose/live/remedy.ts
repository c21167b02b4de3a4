import type { Alert } from "../../domain/alert.ts";
import { spanText } from "../../text/spans.ts";
import type { Runbook } from "../../knowledge/runbook.ts";
import { matchRunbooks } from "../../knowledge/runbook-match.ts";
import type { Recommendation } from "../../remediate/types.ts";
import { BLAMED_LINE, withoutClockTime } from "../engine.ts";
import { classifyMetric } from "../metric-kind.ts";
import type { Diagnosis, Hypothesis } from "../types.ts";
import type { AssembledContext } from "./assemble.ts";

/**
 * Which catalog action the leading hypothesis calls for (pure). Candidates come from the runbooks
 * that match the leader's own evidence (each runbook's `actions`, earlier ones preferred, weighted
 * by the match, an action's support being its best runbook's) and from the engine's reading: a
 * deploy of that service just before the onset calls for a rollback above anything else. Actions
 * that need a parameter nobody can choose safely here (`scale`: to how many?, `flush_cache_prefix`:
 * which prefix?) are left to people; `delete_pod` only when one pod stands out; no restart of a
 * StatefulSet. Nothing is chosen unless the diagnosis is confident.
 */
export interface RemedyChoice {
  recommendation: Recommendation;
  runbook?: { id: string; title: string };
  why: string;
}

const POSITION_WEIGHT = [1, 0.6, 0.4, 0.3, 0.2];

/** Only actions the diagnosis can fill in by itself. */
const SELF_SERVE = new Set(["rollback", "rollout_restart", "delete_pod", "kill_db_query"]);

/** How long before the onset a change of the leading service still counts as its rollout (and after: a slow rollout's onset). */
const CHANGE_BEFORE_S = 2 * 3600;
const CHANGE_AFTER_S = 15 * 60;

export function chooseRemedy(d: Diagnosis, ctx: Pick<AssembledContext, "runbooks" | "logs" | "workloads"> & { input?: Pick<AssembledContext["input"], "changes" | "anomalyStart"> }, runbooks: readonly Runbook[], alerts: readonly Alert[], o: { minConfidence?: number; openedAtS?: number } = {}): RemedyChoice | undefined {
  const lead = d.hypotheses[0];
  if (!lead || d.uncertainty !== "confident" || lead.confidence < (o.minConfidence ?? 0.5)) return undefined;
  const own = alerts.filter((a) => a.service === lead.service);
  const text = [lead.cause, ...lead.evidence.map((e) => `${e.source.metric ?? ""} ${e.summary}`), ...own.map((a) => `${a.name} ${a.summary}`)].join("\n");
  const matched = new Map<string, { id: string; title: string; score: number; actions: string[] }>();
  for (const m of matchRunbooks(runbooks, { alertNames: own.map((a) => a.name), services: [lead.service], symptoms: text }, { limit: 3, minScore: 0.3 })) {
    matched.set(m.runbook.id, { id: m.runbook.id, title: m.runbook.title, score: m.score, actions: [...m.runbook.actions] });
  }
  for (const r of ctx.runbooks) {
    if (r.service === lead.service && !matched.has(r.id)) matched.set(r.id, { id: r.id, title: r.title, score: r.score, actions: r.actions });
  }
  // The kind of cause decides the remedy: a rollout or config change of the leading service around
  // the onset is rolled back — a restart would bring the same template back, so it is never first.
  const change = strongestChange(lead) ?? rolloutOf(lead.service, ctx.input, o.openedAtS);
  const pod = standoutPod(lead.service, ctx, own);
  const score = new Map<string, { value: number; runbook?: { id: string; title: string } }>();
  // An action's support is its best runbook's (a generic action named by many runbooks does not add up).
  const add = (action: string, value: number, runbook?: { id: string; title: string }): void => {
    const cur = score.get(action);
    if (!cur || value > cur.value) score.set(action, { value, runbook: runbook ?? cur?.runbook });
  };
  for (const m of matched.values()) m.actions.forEach((a, i) => add(a, m.score * (POSITION_WEIGHT[i] ?? 0.1), { id: m.id, title: m.title }));
  if (change) add("rollback", 1 + change.weight);
  const kind = ctx.workloads[lead.service]?.kind;
  const k8s = lead.evidence.filter((e) => e.kind === "k8s").map((e) => e.summary);
  const crashLooping = k8s.some((x) => /CrashLoopBackOff/i.test(x)) && !k8s.some((x) => /OOMKilled/i.test(x));
  const applicable = [...score.entries()].filter(([a]) => {
    if (!SELF_SERVE.has(a)) return false;
    if (a === "rollback") return !!change;
    if (change && (a === "rollout_restart" || a === "delete_pod")) return false;
    // Pods that crash at start (not killed for memory) crash again after a restart: never the remedy.
    if (crashLooping && (a === "rollout_restart" || a === "delete_pod")) return false;
    // A restart treats a fault in the service's own state (a leak, a full pool, a wedged process):
    // latency and errors alone also flow up from its dependencies, and restarting a victim fixes nothing.
    if ((a === "rollout_restart" || a === "delete_pod") && !ownStateEvidence(lead)) return false;
    if (a === "delete_pod") return !!pod;
    // Restarting a stateful workload (a database) is a person's call, not a suggestion.
    if (a === "rollout_restart") return kind !== "StatefulSet";
    return true;
  });
  applicable.sort((x, y) => y[1].value - x[1].value);
  const best = applicable[0];
  if (!best) return undefined;
  const [type, { runbook }] = best;
  const target = { service: lead.service, ...(kind === "StatefulSet" ? { kind: "StatefulSet" as const } : {}), ...(type === "delete_pod" && pod ? { pod } : {}) };
  const why = type === "rollback" && change ? withoutClockTime(change.summary) : type === "delete_pod" && pod ? `only ${pod} shows the errors` : runbook ? `runbook "${runbook.title}"` : "the leading hypothesis";
  return {
    recommendation: {
      type,
      target,
      reason: `${lead.cause} (confidence ${Math.round(lead.confidence * 100)} %)`,
      evidence: lead.evidence.slice(0, 5).map((e) => `[${e.kind}] ${e.summary}`),
      hypothesisRef: `rank 1: ${lead.service}`,
      proposedBy: "aisre-diagnosis",
    },
    ...(runbook ? { runbook } : {}),
    why,
  };
}

const STATE_KINDS = new Set(["cpu", "memory", "saturation", "restarts"]);

/** The engine's counter-evidence that the service's own dependencies fail too. */
const MAY_BE_VICTIM = /dependencies are anomalous too/;

/**
 * Whether the leader shows a fault of its own state, the kind a restart clears: a resource metric off
 * its usual level (memory, CPU, a pool, a disk, restarts), its pods' signals, or error logs (its own, or
 * its callers' naming it) — not only the latency and errors a service shows when what it calls fails.
 * Its callers' logs say it failed them, not why: while its own dependencies are anomalous too they do
 * not count (checkout answered frontend with 502s while payments' pool was exhausted; restarting
 * checkout would have fixed nothing).
 */
export function ownStateEvidence(h: Pick<Hypothesis, "evidence"> & Partial<Pick<Hypothesis, "counterEvidence">>): boolean {
  const victim = (h.counterEvidence ?? []).some((e) => e.kind === "topology" && MAY_BE_VICTIM.test(e.summary));
  return h.evidence.some((e) => (e.kind === "metric" && STATE_KINDS.has(classifyMetric(e.source.metric ?? e.summary).kind)) || e.kind === "k8s" || (e.kind === "log" && !(victim && BLAMED_LINE.test(e.source.ref ?? e.summary))));
}

/**
 * A deploy or config change of the service shortly before (or during) the onset, from the context's
 * changes — or before the incident was opened: a slow trend can date the onset too early, and a
 * change made once the incident was open (someone's fix) is not what to roll back.
 */
function rolloutOf(service: string, input: { changes?: AssembledContext["input"]["changes"]; anomalyStart: number } | undefined, openedAtS?: number): { summary: string; weight: number } | undefined {
  if (!input) return undefined;
  const latest = Math.max(input.anomalyStart + CHANGE_AFTER_S, openedAtS !== undefined ? openedAtS + 60 : -Infinity);
  const c = (input.changes ?? []).filter((x) => x.service === service && x.at >= input.anomalyStart - CHANGE_BEFORE_S && x.at <= latest).sort((a, b) => b.at - a.at)[0];
  if (!c) return undefined;
  const before = input.anomalyStart - c.at;
  return { summary: `${c.kind ?? "change"} ${c.version ?? ""} of ${service} ${before >= 0 ? `${spanText(before)} before the onset` : `during the onset`}`.replace(/\s+/g, " "), weight: 0.2 };
}

function strongestChange(h: Hypothesis): { summary: string; weight: number } | undefined {
  const c = h.evidence.filter((e) => e.kind === "change" && e.weight >= 0.2).sort((a, b) => b.weight - a.weight)[0];
  return c ? { summary: c.summary.replace(/ at \d\d:\d\d(Z| UTC)/, ""), weight: c.weight } : undefined;
}

/**
 * One pod of a service with several that stands out: the only pod its alerts name, or the only
 * source of its top error signature.
 */
function standoutPod(service: string, ctx: Pick<AssembledContext, "logs" | "workloads">, alerts: readonly Alert[]): string | undefined {
  const pods = ctx.workloads[service]?.pods ?? [];
  if (pods.length < 2) return undefined;
  const named = [
    ...new Set(
      alerts
        .filter((a) => a.status === "firing")
        .map((a) => a.labels.pod)
        .filter((p): p is string => !!p),
    ),
  ];
  const [only] = named;
  if (named.length === 1 && only !== undefined && pods.includes(only)) return only;
  if (named.length > 1) return undefined;
  const top = ctx.logs.find((l) => l.service === service)?.signatures.find((s) => s.level === "error");
  if (top?.sources.length !== 1 || top.count < 3) return undefined;
  const [source] = top.sources;
  return source !== undefined && pods.includes(source) ? source : undefined;
}
