import type { Alert } from "../domain/alert.ts";
import type { Incident, TimelineEntry } from "../domain/incident.ts";
import type { ErrorBudget, PostmortemFacts } from "./model.ts";
import { peakSeverity } from "../domain/severity.ts";
import type { RequestCounts } from "./request-counts.ts";

/**
 * The facts of an incident from its own records (pure): when it started, was detected,
 * acknowledged and resolved, what fired, what changed shortly before, what was believed and done,
 * who took part, and how much error budget the impact window used.
 */

export interface FactsInput {
  incident: Incident;
  timeline: TimelineEntry[];
  alerts: Array<Pick<Alert, "name" | "service" | "severity" | "source" | "startsAt" | "status"> & { fingerprint?: string }>;
  /** The root card's diagnosis, when the diagnosis engine wrote one. */
  diagnosis?: { summary?: string; cause?: string; confidence?: number; verdict?: string };
  impact?: string;
  links: { jira?: { key: string; url?: string }; pagerduty?: { ref: string; url?: string } };
  slo: { objective: number; windowDays: number };
  now: string;
  /** Requests of the incident's services over its impact window (impactWindow), when measured. */
  requests?: RequestCounts[];
}

const minutes = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 60_000));
const isSlackUser = (a: string) => /^[UW][A-Z0-9_]+$/.test(a);

/**
 * The error budget the impact window used. With the share of requests that failed (from the
 * incident's impact line), minutes count at that share; without it every minute counts in full,
 * an upper bound.
 */
export function errorBudget(impactMinutes: number, slo: { objective: number; windowDays: number }, basis: string, failingShare?: number): ErrorBudget {
  const budgetMinutes = Math.round(((100 - slo.objective) / 100) * slo.windowDays * 24 * 60 * 10) / 10;
  const usedMinutes = failingShare !== undefined ? Math.round(impactMinutes * failingShare * 10) / 10 : impactMinutes;
  const usedPercent = budgetMinutes > 0 ? Math.round((usedMinutes / budgetMinutes) * 1000) / 10 : 0;
  return { objective: slo.objective, windowDays: slo.windowDays, budgetMinutes, usedMinutes, usedPercent, basis, ...(failingShare !== undefined ? { failingShare } : {}) };
}

/**
 * The error budget from measured requests: the failed requests of the impact window against the
 * failed requests the SLO allows over its whole period, at the window's traffic ((1 − objective) ×
 * the requests the period would see at that rate). The service whose failures used the most.
 */
export function measuredErrorBudget(impactMinutes: number, slo: { objective: number; windowDays: number }, requests: readonly RequestCounts[]): ErrorBudget | undefined {
  const minutes = Math.max(impactMinutes, 1);
  const periodMinutes = slo.windowDays * 24 * 60;
  const allowedShare = (100 - slo.objective) / 100;
  const worst = requests
    .filter((r) => r.total > 0)
    .map((r) => ({ ...r, ratio: r.failed / r.total, allowed: allowedShare * r.total * (periodMinutes / minutes) }))
    .sort((a, b) => b.failed / Math.max(b.allowed, 1e-9) - a.failed / Math.max(a.allowed, 1e-9))[0];
  if (!worst || !(worst.allowed > 0)) return undefined;
  const budgetMinutes = Math.round(allowedShare * periodMinutes * 10) / 10;
  // Small shares keep two significant digits (0.012 %), larger ones one decimal.
  const used = (worst.failed / worst.allowed) * 100;
  const usedPercent = used >= 10 ? Math.round(used * 10) / 10 : Number(used.toPrecision(2));
  return {
    objective: slo.objective,
    windowDays: slo.windowDays,
    budgetMinutes,
    // The same budget in minutes of full outage, for those who count it so.
    usedMinutes: Math.round(impactMinutes * worst.ratio * 10) / 10,
    usedPercent,
    basis: `${Math.round(worst.failed)} of ${Math.round(worst.total)} ${worst.service} requests failed in the ${impactMinutes} min of the incident`,
    failingShare: worst.ratio,
    measured: { service: worst.service, total: Math.round(worst.total), failed: Math.round(worst.failed), allowed: Math.round(worst.allowed) },
  };
}

/** The impact window: from the first symptom (earliest alert, else the incident's creation) to the resolution, or now. */
export function impactWindow(incident: Pick<Incident, "createdAt" | "resolvedAt" | "status">, alerts: ReadonlyArray<Pick<Alert, "startsAt">>, now: string, lastResolveAt?: string): { startedAt: string; end: string } {
  const firstAlertAt = alerts.map((a) => a.startsAt).sort()[0];
  const startedAt = firstAlertAt && firstAlertAt < incident.createdAt ? firstAlertAt : incident.createdAt;
  const resolvedAt = incident.status === "resolved" ? (incident.resolvedAt ?? lastResolveAt) : undefined;
  return { startedAt, end: resolvedAt ?? now };
}

/** The largest "N % of requests fail" of an impact line ("checkout: 30 % of requests fail; …"), as a share. */
export function failingShareOf(impact: string | undefined): number | undefined {
  const shares = [...(impact ?? "").matchAll(/(\d+(?:\.\d+)?)\s*%\s*of requests fail/g)].map((m) => Number(m[1]) / 100).filter((x) => x > 0 && x <= 1);
  return shares.length ? Math.max(...shares) : undefined;
}

export function computeFacts(input: FactsInput): PostmortemFacts {
  const { incident, timeline, alerts } = input;
  const { startedAt } = impactWindow(incident, alerts, input.now);
  const detectedAt = incident.createdAt;

  const statuses = timeline.filter((e) => e.kind === "status" && typeof e.data.to === "string");
  const firstAck = statuses.find((e) => e.data.to === "acknowledged");
  const lastResolve = [...statuses].reverse().find((e) => e.data.to === "resolved");
  const resolvedAt = incident.status === "resolved" ? (incident.resolvedAt ?? lastResolve?.at) : undefined;
  const reopened = statuses.filter((e) => e.data.from === "resolved" && e.data.to === "open").length;

  // When each alert first fired in this incident: an alert's row holds its latest episode, so one that
  // flapped reads as starting late (cascading-failure walk: "detected by … (error-ratio anomaly first)"
  // eleven minutes after RedisEvictionsHigh opened the incident).
  const firstFired = new Map<string, string>();
  for (const e of timeline) {
    const fp = e.data.fingerprint;
    if (e.kind === "alert" && e.data.status === "firing" && typeof fp === "string" && !firstFired.has(fp)) firstFired.set(fp, e.at);
  }
  const firstAt = (a: FactsInput["alerts"][number]) => {
    const seen = a.fingerprint === undefined ? undefined : firstFired.get(a.fingerprint);
    return seen && seen < a.startsAt ? seen : a.startsAt;
  };
  const byName = new Map<string, PostmortemFacts["alerts"][number]>();
  for (const a of [...alerts].sort((x, y) => firstAt(x).localeCompare(firstAt(y)))) {
    const key = `${a.name}\u0000${a.service ?? ""}`;
    const hit = byName.get(key);
    if (hit) hit.count++;
    else byName.set(key, { name: a.name, service: a.service, severity: a.severity, source: a.source, firstAt: firstAt(a), count: 1 });
  }

  const changes = timeline
    .filter((e) => e.kind === "change")
    .map((e) => {
      const d = e.data as { kind?: string; service?: string; version?: string; previousVersion?: string; author?: string; at?: string };
      const at = d.at ?? e.at;
      return { kind: d.kind ?? "change", service: d.service ?? "?", version: d.version, previousVersion: d.previousVersion, author: d.author, at, minutesBefore: Math.round((Date.parse(startedAt) - Date.parse(at)) / 60_000) };
    })
    .filter((c, i, all) => all.findIndex((x) => x.kind === c.kind && x.service === c.service && x.version === c.version) === i);

  // Only what was believed while the incident ran: a ranking that lands after the resolution is not a hypothesis the responders weighed.
  // A ranking the diagnosis recorded (its snapshot) is read as its leader: the service, its cause and confidence.
  const hypotheses = timeline
    .filter((e) => e.kind === "hypothesis" && (!resolvedAt || Date.parse(e.at) <= Date.parse(resolvedAt)))
    .map((e) => {
      const leader = (e.data.snapshot as { hypotheses?: Array<{ service?: string; cause?: string; confidence?: number }> } | undefined)?.hypotheses?.[0];
      if (leader?.service && leader.cause) return { text: leader.cause, confidence: leader.confidence, at: e.at, service: leader.service };
      return { text: e.text, confidence: typeof e.data.confidence === "number" ? e.data.confidence : undefined, at: e.at };
    });
  const leadingCause = input.diagnosis?.cause ? { text: input.diagnosis.cause, confidence: input.diagnosis.confidence, verdict: input.diagnosis.verdict } : hypotheses.length ? { text: hypotheses.at(-1)!.text, confidence: hypotheses.at(-1)!.confidence } : undefined;

  // The runbooks the last ranking before the resolution matched to its leading cause ('runbook "Pods in CrashLoopBackOff" (strong match)').
  const ranked = timeline.filter((e) => e.kind === "hypothesis" && (!resolvedAt || Date.parse(e.at) <= Date.parse(resolvedAt)) && e.data.snapshot).at(-1);
  const lead = (ranked?.data.snapshot as { hypotheses?: Array<{ service?: string; evidence?: Array<{ kind?: string; summary?: string }> }> } | undefined)?.hypotheses?.[0];
  const runbooks = [...new Set((lead?.evidence ?? []).filter((e) => e.kind === "runbook").flatMap((e) => /"([^"]+)"/.exec(e.summary ?? "")?.[1] ?? []))];

  const actions = timeline.filter((e) => e.kind === "action").map((e) => ({ text: e.text, event: String(e.data.event ?? ""), type: typeof e.data.type === "string" ? e.data.type : undefined, at: e.at, actor: e.actor }));
  const messages = timeline.filter((e) => e.kind === "message").map((e) => ({ at: e.at, actor: e.actor, text: e.text }));
  const byPeople = timeline.filter((e) => ["status", "message", "action", "note"].includes(e.kind) && isSlackUser(e.actor));
  const responders = [...new Set(byPeople.map((e) => e.actor))];
  // The first thing a person did in the incident (a message, an approval, a status): a response the page's acknowledgement may not show.
  const firstResponse = byPeople[0] ? { at: byPeople[0].at, by: byPeople[0].actor, minutes: minutes(startedAt, byPeople[0].at) } : undefined;

  const declared = incident.origin === "declared";
  const detectedBy = declared ? `declared by ${timeline.find((e) => e.kind === "note" && isSlackUser(e.actor))?.actor ?? "a person"} in Slack` : byName.size ? `${[...new Set([...byName.values()].map((a) => a.source))].join(", ")} alerts (${[...byName.values()][0]?.name} first)` : "aisre";

  const end = resolvedAt ?? input.now;
  const impactMinutes = minutes(startedAt, end);
  const share = failingShareOf(input.impact);
  const window = `${impactMinutes} min from the first symptom to ${resolvedAt ? "resolution" : "now"}`;
  const basis = share !== undefined ? `${window} at ${Math.round(share * 100)} % of requests failing (the worst service's share)` : `${window}, counted in full (an upper bound: aisre does not know what share of requests failed)`;
  // Measured requests win over the impact line's last reading (which may be taken as the fix took hold).
  const measured = input.requests?.length ? measuredErrorBudget(impactMinutes, input.slo, input.requests) : undefined;

  const peak = peakSeverity(incident, timeline);
  return {
    incidentId: incident.id,
    title: incident.title,
    severity: peak,
    ...(peak !== incident.severity ? { severityAtEnd: incident.severity } : {}),
    services: incident.services,
    startedAt,
    detectedAt,
    acknowledgedAt: firstAck?.at,
    acknowledgedBy: firstAck?.actor ?? incident.acknowledgedBy,
    resolvedAt,
    resolvedBy: lastResolve?.actor,
    resolvedWhy: typeof lastResolve?.data.why === "string" ? lastResolve.data.why : undefined,
    durationMinutes: resolvedAt ? minutes(startedAt, resolvedAt) : undefined,
    timeToDetectMinutes: minutes(startedAt, detectedAt),
    timeToAcknowledgeMinutes: firstAck ? minutes(startedAt, firstAck.at) : undefined,
    timeToResolveMinutes: resolvedAt ? minutes(startedAt, resolvedAt) : undefined,
    detectedBy,
    alerts: [...byName.values()],
    alertCount: alerts.length,
    changes,
    hypotheses,
    ...(leadingCause ? { leadingCause: { ...leadingCause, ...(lead?.service ? { service: lead.service } : {}) } } : {}),
    ...(runbooks.length ? { runbooks } : {}),
    actions,
    messages,
    responders,
    ...(firstResponse ? { firstResponse } : {}),
    paged: input.links.pagerduty,
    ticket: input.links.jira,
    reopened,
    errorBudget: measured ?? errorBudget(impactMinutes, input.slo, basis, share),
    impactNote: input.impact,
  };
}
