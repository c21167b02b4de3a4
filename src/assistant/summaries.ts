import { confidenceLevel } from "../domain/confidence.ts";
import type { RemediationAction } from "../remediate/types.ts";
import { splitCamel } from "../knowledge/text-terms.ts";
import type { IncidentContext } from "./context.ts";
import { escapeKeepingMentions, mentionUser, readableUtc } from "../text/slack-markup.ts";
import type { Audience } from "./intents.ts";
import { titleOf } from "../incident/lookup.ts";

/**
 * Incident summaries for three audiences (pure, from the incident's own records): a customer-facing
 * status-page draft (no people, versions or internals), an update for leadership (impact, cause with
 * confidence, what is being done, next update), and a TL;DR for responders.
 */

const MIN = 60_000;

function duration(fromIso: string, to: number): string {
  const m = Math.max(0, Math.round((to - Date.parse(fromIso)) / MIN));
  return m < 90 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** What users experience, in plain words, from the alerts and the title. */
export function symptomWords(ctx: IncidentContext): string {
  const hay = `${ctx.incident.title} ${ctx.alerts.map((a) => a.name).join(" ")}`.toLowerCase();
  const errors = /error|5xx|fail|budget|down|unavailable|crash/.test(hay);
  const slow = /latency|slow|timeout|p99|p95|duration/.test(hay);
  if (errors && slow) return "errors and slow responses";
  if (errors) return "elevated error rates";
  if (slow) return "slow responses";
  return "degraded performance";
}

function confidenceWord(c: number | undefined): string {
  if (c === undefined) return "";
  return `${confidenceLevel(c)} confidence`;
}

export function actionLine(a: RemediationAction): string | undefined {
  const what = `${a.detail.title.toLowerCase()} of ${a.target.service}`;
  switch (a.state) {
    case "verified":
      return `${what}: done, and the symptoms recovered`;
    case "unverified":
      return `${what}: done, but the symptoms did not recover yet`;
    case "running":
    case "verifying":
      return `${what}: in progress`;
    case "pending":
      return `${what}: awaiting approval`;
    case "advised":
      return `${what}: recommended`;
    case "failed":
      return `${what}: attempted, failed`;
    default:
      return undefined;
  }
}

/**
 * Whether an alert's name is about what users get (an SLO, its error budget, availability), read
 * word by word: "SLOErrorBudgetBurn" and "checkout_slo_burn" are, "PostgresLongRunningQuery" (whose
 * letters hold "sLo") is not.
 */
export function userFacingAlert(name: string): boolean {
  return /(^|[^a-z])(slo|sla|budget|availability|apdex|uptime)([^a-z]|$)/.test(splitCamel(name).toLowerCase());
}

/**
 * What customers would recognise as affected: the services of user-facing (SLO) alerts, else the
 * service the incident was opened for; never the internal dependency that caused it.
 */
export function customerFacing(ctx: IncidentContext): string[] {
  const slo = [...new Set(ctx.alerts.filter((a) => a.service && userFacingAlert(a.name)).map((a) => a.service!))];
  return slo.length ? slo : ctx.incident.services.slice(0, 1);
}

function statusPage(ctx: IncidentContext, o: { actions: RemediationAction[] }): string {
  const { incident: i, card } = ctx;
  const d = card.diagnosis;
  const facing = customerFacing(ctx);
  const affected = facing.length ? facing.join(", ") : "some of our services";
  const fixed = o.actions.some((a) => a.state === "verified");
  const identified = (d?.confidence ?? 0) >= 0.6 || o.actions.some((a) => ["running", "verifying", "verified"].includes(a.state));
  const symptom = symptomWords(ctx);
  let phase: string;
  let body: string;
  if (i.status === "resolved") {
    phase = "Resolved";
    body = `Between ${readableUtc(i.createdAt)} and ${readableUtc(i.resolvedAt ?? i.updatedAt)}, customers may have experienced ${symptom} with ${affected}. The issue has been resolved and the service is operating normally. We will publish a summary of what happened.`;
  } else if (fixed) {
    phase = "Monitoring";
    body = `A fix has been applied for the ${symptom} affecting ${affected} since ${readableUtc(i.createdAt)}. We are monitoring the results.`;
  } else if (identified) {
    phase = "Identified";
    body = `We have identified the cause of ${symptom} affecting ${affected} since ${readableUtc(i.createdAt)} and are working on a fix.`;
  } else {
    phase = "Investigating";
    body = `We are investigating ${symptom} affecting ${affected} since ${readableUtc(i.createdAt)}. Some requests may fail or be slow.`;
  }
  const next = i.status === "resolved" ? "" : ` We will provide an update within ${i.severity === "sev1" ? 15 : 30} minutes.`;
  return [`*Status page draft* (customer-facing, no internals; review before posting):`, `> *${phase}*: ${cap(symptom)} affecting ${affected}`, `> ${body}${next}`].join("\n");
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function leadership(ctx: IncidentContext, o: { now: number; actions: RemediationAction[] }): string {
  const { incident: i, card } = ctx;
  const d = card.diagnosis;
  const lead = ctx.hypotheses[0];
  const cause = d?.cause
    ? `${d.cause}${d.confidence !== undefined ? ` (${confidenceWord(d.confidence)}, ${Math.round(d.confidence * 100)}%)` : ""}${d.verdict && d.verdict !== "confident" ? `; ${d.verdict}` : ""}`
    : lead
      ? `not confirmed; leading lead: ${lead.text}${lead.confidence !== undefined ? ` (${confidenceWord(lead.confidence)})` : ""}`
      : "not yet known; responders are investigating";
  const actions = o.actions.map(actionLine).filter((x): x is string => Boolean(x));
  const doing = actions.length ? actions.join("; ") : d?.nextSteps?.length ? d.nextSteps.slice(0, 2).join("; ") : "responders are investigating";
  const state = i.status === "resolved" ? `resolved after ${duration(i.createdAt, Date.parse(i.resolvedAt ?? i.updatedAt))}` : `${i.status}, ${duration(i.createdAt, o.now)} so far`;
  return [
    `*Update for leadership: ${titleOf(i, card)}*`,
    `\`${i.id}\` · ${i.severity.toUpperCase()} · ${state}`,
    `• *Impact:* ${card.impact ?? `${symptomWords(ctx)} on ${i.services.join(", ") || "an unknown service"} since ${readableUtc(i.createdAt)}`}`,
    `• *Cause:* ${cause}`,
    `• *What we are doing:* ${doing}`,
    `• *Owner:* ${i.acknowledgedBy ? mentionUser(i.acknowledgedBy) : "not acknowledged yet"}`,
    i.status === "resolved" ? "• *Next:* postmortem draft in the incident thread" : `• *Next update:* in ${i.severity === "sev1" ? 15 : 30} min`,
  ].join("\n");
}

function responders(ctx: IncidentContext, o: { now: number; actions: RemediationAction[] }): string {
  const { incident: i, card } = ctx;
  const d = card.diagnosis;
  const firing = ctx.alerts.filter((a) => a.status === "firing");
  const names = [...new Set(firing.map((a) => `${a.name}${a.service ? `/${a.service}` : ""}`))];
  const changes = ctx.timeline.filter((e) => e.kind === "change").slice(-2);
  const actions = o.actions.map(actionLine).filter((x): x is string => Boolean(x));
  const lines = [
    `*TL;DR \`${i.id}\`*: ${i.severity.toUpperCase()} · ${i.status} · ${duration(i.createdAt, o.now)} · ${i.services.join(", ") || "unknown service"}`,
    `• *Firing:* ${names.length ? names.slice(0, 6).join(", ") + (names.length > 6 ? ` +${names.length - 6}` : "") : "nothing firing now"}${ctx.alerts.length > firing.length ? ` (${ctx.alerts.length - firing.length} resolved)` : ""}`,
    `• *Cause:* ${d?.cause ? `${d.cause}${d.confidence !== undefined ? ` (${Math.round(d.confidence * 100)}%)` : ""}` : ctx.hypotheses[0] ? `unsure; leading: ${ctx.hypotheses[0].text}` : "unknown yet"}`,
  ];
  if (changes.length) lines.push(`• *Changes:* ${changes.map((c) => c.text.replace(/\s+/g, " ").slice(0, 140)).join("; ")}`);
  if (actions.length) lines.push(`• *Actions:* ${actions.join("; ")}`);
  if (d?.nextSteps?.length) lines.push(`• *Next:* ${d.nextSteps.slice(0, 3).join("; ")}`);
  lines.push(`• *Owner:* ${i.acknowledgedBy ? mentionUser(i.acknowledgedBy) : "nobody has acknowledged"}`);
  return lines.join("\n");
}

/**
 * "Is it fixed?": the incident's state in a verdict (resolved; quiet but not resolved yet; still
 * firing), what still fires, the fixes tried and how they went, the impact as last read.
 */
export function progressText(ctx: IncidentContext, o: { now: number; actions: RemediationAction[] }): string {
  const { incident: i, card } = ctx;
  const firing = ctx.alerts.filter((a) => a.status === "firing");
  const names = [...new Set(firing.map((a) => `${a.name}${a.service ? ` on ${a.service}` : ""}`))];
  const fixes = o.actions.map(actionLine).filter((x): x is string => Boolean(x));
  const verified = o.actions.some((a) => a.state === "verified");
  let verdict: string;
  if (i.status === "resolved") verdict = `:white_check_mark: *Resolved* ${readableUtc(i.resolvedAt ?? i.updatedAt)}, after ${duration(i.createdAt, Date.parse(i.resolvedAt ?? i.updatedAt))}.`;
  else if (firing.length === 0) verdict = `:large_yellow_circle: *Quiet, not resolved yet*: no alert is firing${verified ? " and the fix was verified" : ""}; it resolves once its alerts stay quiet.`;
  // After a verified fix the detector's anomalies lag the recovery and no longer hold the incident open (the auto-resolve's rule).
  else if (verified && firing.every((a) => a.source === "anomaly")) verdict = `:large_yellow_circle: *Fixed, not resolved yet*: the fix was verified; only ${firing.length === 1 ? "an anomaly of the detector still fires" : `${firing.length} anomalies of the detector still fire`}, lagging the recovery.`;
  else verdict = `:red_circle: *Not fixed yet*: ${firing.length} of ${ctx.alerts.length} alerts still firing${verified ? ", although a fix was verified" : ""}.`;
  const lines = [`${verdict} \`${i.id}\` · ${i.severity.toUpperCase()} · ${i.status === "resolved" ? "resolved" : `${i.status} for ${duration(i.createdAt, o.now)}`}`];
  if (names.length) lines.push(`• *Still firing:* ${names.slice(0, 6).join(", ")}${names.length > 6 ? ` +${names.length - 6}` : ""}`);
  lines.push(`• *Fix:* ${fixes.length ? fixes.join("; ") : card.diagnosis?.nextSteps?.[0] ? `none tried yet; ${card.diagnosis.nextSteps[0]}` : "none tried yet"}`);
  if (i.status !== "resolved" && card.impact) lines.push(`• *Impact (last reading):* ${card.impact}`);
  return escapeKeepingMentions(lines.join("\n"), [i.acknowledgedBy]);
}

/**
 * "How many customers are affected?": what users feel now (the impact as last read), the worst it got,
 * the customer-facing services, and for how long; aisre counts failing requests, not customers.
 */
export function impactText(ctx: IncidentContext, o: { now: number }): string {
  const { incident: i, card } = ctx;
  const facing = customerFacing(ctx);
  const peak = card.peak ? (card.peak.errorRatio !== undefined ? `${card.peak.service}: up to ${Math.round(card.peak.errorRatio * 100)} % of requests failed` : `${card.peak.service}: p99 up to ${(card.peak.p99S ?? 0).toFixed(1)} s`) : undefined;
  const span = i.status === "resolved" ? `for ${duration(i.createdAt, Date.parse(i.resolvedAt ?? i.updatedAt))}, until it was resolved ${readableUtc(i.resolvedAt ?? i.updatedAt)}` : `for ${duration(i.createdAt, o.now)} so far`;
  const lines = [`*Impact of \`${i.id}\`* (${i.severity.toUpperCase()}, ${i.status}) ${span}:`, `• *Now:* ${i.status === "resolved" ? "over" : (card.impact ?? `${symptomWords(ctx)} on ${i.services.join(", ") || "an unknown service"}; not measured yet`)}`];
  if (peak) lines.push(`• *Worst:* ${peak}`);
  lines.push(`• *Customer-facing:* ${facing.length ? facing.join(", ") : "none named"} (${symptomWords(ctx)})`);
  lines.push("_aisre measures failing requests and latency, not customers: the share of requests failing is the closest figure._");
  return escapeKeepingMentions(lines.join("\n"), []);
}

/** A summary in mrkdwn: every outside value escaped; the owner (a Slack user the incident knows) stays a mention. */
export function summaryFor(audience: Audience, ctx: IncidentContext, o: { now: number; actions: RemediationAction[] }): string {
  const text = audience === "status_page" ? statusPage(ctx, o) : audience === "leadership" ? leadership(ctx, o) : responders(ctx, o);
  return escapeKeepingMentions(text, [ctx.incident.acknowledgedBy]);
}
