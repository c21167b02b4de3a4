import type { Severity } from "../domain/alert.ts";
import type { ActionItem, PostmortemFacts, SectionKey } from "./model.ts";
import { clock } from "./timeline.ts";
import { mentionUser } from "../text/slack-markup.ts";

/**
 * The postmortem written from templates (pure): every sentence is a fact from the incident's
 * records or says plainly that the records do not tell. Used as is without an LLM, and as the
 * facts sections (impact, detection, action items) with one.
 */

export interface TemplateOptions {
  dueDays: Record<Severity, number>;
  /** Action items at most. */
  maxActionItems?: number;
}

const pct = (c: number | undefined) => (c === undefined ? "" : ` (confidence ${Math.round(c * 100)}%)`);
/** A claim with its confidence as one sentence: "cause (confidence 80%)." (no doubled stop). */
const claim = (text: string, c: number | undefined) => `${text.trim().replace(/[.;:\s]+$/, "")}${pct(c)}`;
/** The words of a hypothesis, without the diagnosis's prefixes and its own confidence note. */
const gist = (text: string) =>
  text
    .replace(/^(diagnosis|hypothesis|likely cause|leading hypothesis)\s*:\s*/gi, "")
    .replace(/^(diagnosis|hypothesis|likely cause|leading hypothesis)\s*:\s*/gi, "")
    .replace(/\(confidence[^)]*\)/gi, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
const day = (at: string) => new Date(at).toISOString().slice(0, 10);
const bullets = (lines: string[]) => lines.map((l) => `• ${l}`).join("\n");
const who = (actor: string | undefined) => (!actor ? "someone" : /^[UW][A-Z0-9_]+$/.test(actor) ? mentionUser(actor) : actor === "aisre" ? "aisre" : actor);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** 1234567 → "1,234,567". */
const count = (n: number) => Math.round(n).toLocaleString("en-US");
/** A share of requests as a percentage with two significant digits below 10 % ("0.05 %", "2.3 %", "30 %"). */
const share = (r: number) => {
  const p = r * 100;
  return `${p === 0 ? "0" : p < 10 ? String(Number(p.toPrecision(2))) : String(Math.round(p))} %`;
};

function addDays(at: string, days: number): string {
  const d = new Date(at);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The change most likely to have triggered it: the latest one before the first symptom, within two hours. */
/** The error budget in a sentence a reader can act on: never "at most 479 %". */
function budgetLine(eb: PostmortemFacts["errorBudget"]): string {
  if (eb.measured) {
    // Measured: failed requests against those the SLO allows, said plainly.
    const m = eb.measured;
    const used = eb.usedPercent > 100 ? `all of the ${eb.windowDays}-day budget of a ${eb.objective}% SLO (${Math.round(eb.usedPercent / 10) / 10}× it): the budget is spent` : `${eb.usedPercent}% of the ${eb.windowDays}-day budget of a ${eb.objective}% SLO`;
    return `Error budget used: ${used}. ${count(m.failed)} of ${count(m.total)} ${m.service} requests failed (${share(m.failed / m.total)}) during the incident; at that traffic the SLO allows about ${count(m.allowed)} failed requests in ${eb.windowDays} days`;
  }
  const of = `the ${eb.windowDays}-day budget of a ${eb.objective}% SLO (${eb.budgetMinutes} min)`;
  if (eb.failingShare !== undefined) {
    const used = eb.usedPercent > 100 ? `${Math.round(eb.usedPercent / 10) / 10}× the whole of ${of}: the budget is spent` : `about ${eb.usedPercent}% of ${of}`;
    return `Error budget used: ${used} (${eb.usedMinutes} min counted: ${eb.basis})`;
  }
  if (eb.usedPercent > 100) return `Error budget: the impact window (${eb.usedMinutes} min) is longer than ${of}; if every request failed, the whole budget is gone (${eb.basis})`;
  return `Error budget used: up to ${eb.usedPercent}% of ${of}, if every request failed (${eb.basis})`;
}

export function likelyTrigger(f: PostmortemFacts): PostmortemFacts["changes"][number] | undefined {
  const before = f.changes.filter((c) => c.minutesBefore >= 0 && c.minutesBefore <= 120);
  const onAffected = before.filter((c) => f.services.includes(c.service));
  const pool = onAffected.length ? onAffected : before;
  return pool.sort((a, b) => a.minutesBefore - b.minutesBefore)[0];
}

const changeText = (c: PostmortemFacts["changes"][number]) => `${c.kind} of ${c.service}${c.version ? ` to ${c.version}` : ""}${c.previousVersion ? ` (from ${c.previousVersion})` : ""}${c.author ? ` by ${c.author}` : ""} at ${clock(c.at)}`;

export function templateSections(f: PostmortemFacts, o: TemplateOptions): { sections: Record<SectionKey, string>; actionItems: ActionItem[] } {
  const trigger = likelyTrigger(f);
  const services = f.services.length ? f.services.join(", ") : "an unidentified service";
  const verifiedActions = f.actions.filter((a) => a.event === "verified");
  const badActions = f.actions.filter((a) => a.event === "failed" || a.event === "unverified");
  const executed = f.actions.filter((a) => a.event === "executed");
  const escalations = f.actions.filter((a) => a.event === "escalated");
  const confident = f.leadingCause && (f.leadingCause.confidence ?? 0) >= 0.75;
  const tta = f.timeToAcknowledgeMinutes;
  const response = f.firstResponse;

  // ---- summary
  const summary = [
    `On ${day(f.startedAt)}, ${services} ${f.resolvedAt ? "had" : "has"} an incident: ${f.title} (${f.severity.toUpperCase()}).`,
    f.durationMinutes !== undefined ? `It lasted ${plural(f.durationMinutes, "minute")} from the first symptom to resolution.` : "It is not resolved yet.",
    `It was detected by ${f.detectedBy}, ${plural(f.timeToDetectMinutes, "minute")} after the first symptom${f.acknowledgedAt ? `, and acknowledged by ${who(f.acknowledgedBy)} after ${plural(tta ?? 0, "minute")}` : ""}.`,
    f.leadingCause ? `The leading explanation is: ${claim(f.leadingCause.text, f.leadingCause.confidence)}.` : trigger ? `It began ${plural(trigger.minutesBefore, "minute")} after the ${changeText(trigger)}.` : "Its cause is not established yet.",
    f.resolvedAt ? `It was resolved${f.resolvedBy ? ` by ${who(f.resolvedBy)}` : ""}${f.resolvedWhy ? ` (${f.resolvedWhy})` : ""}.` : "",
  ]
    .filter(Boolean)
    .join(" ");

  // ---- impact
  const eb = f.errorBudget;
  const impact = bullets([
    f.durationMinutes !== undefined ? `Duration: ${plural(f.durationMinutes, "minute")} (${clock(f.startedAt)} → ${clock(f.resolvedAt!)})` : `Duration: ongoing since ${clock(f.startedAt)}`,
    `Affected services: ${services}`,
    `Severity: ${f.severity.toUpperCase()}${f.severityAtEnd ? ` at peak (${f.severityAtEnd.toUpperCase()} when it ended, as its alerts resolved)` : ""}`,
    `Alerts: ${f.alertCount}${
      f.alerts.length
        ? ` (${f.alerts
            .slice(0, 6)
            .map((a) => `${a.name}${a.service ? ` on ${a.service}` : ""}${a.count > 1 ? ` ×${a.count}` : ""}`)
            .join(", ")}${f.alerts.length > 6 ? `, +${f.alerts.length - 6} more` : ""})`
        : ""
    }`,
    budgetLine(eb),
    ...(f.impactNote ? [`Noted during the incident: ${f.impactNote}`] : []),
  ]);

  // ---- root cause
  // Other explanations: the hypotheses that are not the leading one restated (the diagnosis's
  // entries carry prefixes and their own confidence note).
  const lead = f.leadingCause ? gist(f.leadingCause.text) : "";
  const alternates = f.hypotheses
    .filter((h) => {
      // The same service restated (a later wording of the cause) is not another explanation.
      if (h.service && f.leadingCause?.service) return h.service !== f.leadingCause.service && gist(h.text) !== "";
      const g = gist(h.text);
      return g !== "" && !(lead && (g.includes(lead.slice(0, 60)) || lead.includes(g.slice(0, 60))));
    })
    // One per service (its last wording), else one per wording.
    .filter((h, i, all) => (h.service ? all.findLastIndex((x) => x.service === h.service) : all.findIndex((x) => gist(x.text) === gist(h.text))) === i)
    .slice(-3);
  const rootCause = f.leadingCause
    ? [
        `${claim(f.leadingCause.text, f.leadingCause.confidence)}.`,
        f.leadingCause.verdict && f.leadingCause.verdict !== "confident" ? `The diagnosis was ${f.leadingCause.verdict}: confirm before closing this postmortem.` : "",
        alternates.length ? `Other explanations considered: ${alternates.map((h) => claim(h.text.replace(/^(diagnosis|hypothesis)\s*:\s*/i, ""), h.confidence)).join("; ")}.` : "",
      ]
        .filter(Boolean)
        .join(" ")
    : trigger
      ? `Not confirmed by diagnosis. The timeline points at the ${changeText(trigger)}, ${plural(trigger.minutesBefore, "minute")} before the first symptom: confirm it and describe the failure mechanism.`
      : "Not established: no hypothesis and no recent change are on the timeline. Find and describe the cause before closing this postmortem.";

  // ---- trigger
  const triggerText = trigger
    ? `The ${changeText(trigger)}, ${plural(trigger.minutesBefore, "minute")} before the first symptom.${
        f.changes.length > 1
          ? ` Other recent changes: ${f.changes
              .filter((c) => c !== trigger)
              .slice(0, 3)
              .map(changeText)
              .join("; ")}.`
          : ""
      }`
    : "No deploy, rollback or configuration change was recorded in the two hours before the first symptom; the trigger is unknown.";

  // ---- detection
  const detection = [
    `Detected by ${f.detectedBy} at ${clock(f.detectedAt)}, ${plural(f.timeToDetectMinutes, "minute")} after the first symptom (${clock(f.startedAt)}).`,
    f.paged ? `The on-call was paged through ${f.paged.ref}.` : "Nobody was paged through PagerDuty.",
    f.acknowledgedAt
      ? `Acknowledged by ${who(f.acknowledgedBy)} at ${clock(f.acknowledgedAt)} (${plural(tta ?? 0, "minute")} after the first symptom).`
      : response
        ? `${f.paged ? "Never acknowledged; " : ""}${who(response.by)} first responded in Slack at ${clock(response.at)} (${plural(response.minutes, "minute")} after the first symptom).`
        : f.paged
          ? "Never acknowledged."
          : "Nobody responded in Slack.",
  ].join(" ");

  // ---- resolution
  const resolution = [
    f.resolvedAt ? `Resolved at ${clock(f.resolvedAt)}${f.resolvedBy ? ` by ${who(f.resolvedBy)}` : ""}${f.resolvedWhy ? `: ${f.resolvedWhy}` : ""}.` : "Not resolved yet.",
    executed.length || verifiedActions.length
      ? `Actions taken: ${[...executed, ...verifiedActions]
          .slice(0, 5)
          .map((a) => a.text)
          .join("; ")}.`
      : "No remediation action was recorded by aisre.",
    f.reopened ? `It was reopened ${plural(f.reopened, "time")} before it stayed resolved.` : "",
    f.timeToResolveMinutes !== undefined ? `Time to resolve: ${plural(f.timeToResolveMinutes, "minute")}.` : "",
  ]
    .filter(Boolean)
    .join(" ");

  // ---- what went well / wrong
  const well: string[] = [];
  if (f.alertCount > 1) well.push(`${f.alertCount} alerts became one incident and one thread.`);
  if (f.timeToDetectMinutes <= 5) well.push(`Detected within ${plural(f.timeToDetectMinutes, "minute")} of the first symptom.`);
  if (tta !== undefined && tta <= 15) well.push(`Acknowledged within ${plural(tta, "minute")}.`);
  if (verifiedActions[0]) well.push(`Remediation verified: ${verifiedActions[0].text}.`);
  if (confident) well.push(`The diagnosis named the cause with ${Math.round((f.leadingCause!.confidence ?? 0) * 100)}% confidence.`);
  if (f.responders.length > 1) well.push(`${plural(f.responders.length, "person", "people")} worked it together in the thread.`);
  const wrong: string[] = [];
  if (trigger) wrong.push(`A ${trigger.kind} of ${trigger.service} reached production and caused impact.`);
  if (f.timeToDetectMinutes > 5) wrong.push(`Detection took ${plural(f.timeToDetectMinutes, "minute")}.`);
  // An acknowledgement is owed for a page: an incident nobody was paged for (a SEV3 aisre resolved) owes none.
  const unacknowledgedPage = tta === undefined && f.paged !== undefined;
  // cascading-failure walk: "Nobody acknowledged the page" and an action item to review paging, for a
  // page the on-call answered by approving the fix in Slack. Slow either way is what is wrong.
  const unanswered = unacknowledgedPage && response === undefined;
  const slowAnswer = unacknowledgedPage && response !== undefined && response.minutes > 15 ? response.minutes : undefined;
  if (unanswered) wrong.push("Nobody acknowledged the page.");
  else if (slowAnswer !== undefined) wrong.push(`The page was never acknowledged, and the first response in Slack came ${plural(slowAnswer, "minute")} after the first symptom.`);
  else if (tta !== undefined && tta > 15) wrong.push(`Acknowledgement took ${plural(tta, "minute")}.`);
  if (!f.leadingCause) wrong.push("No hypothesis was recorded during the incident.");
  else if (!confident) wrong.push("The evidence for the cause was thin during the incident.");
  for (const a of badActions.slice(0, 2)) wrong.push(`A remediation did not work: ${a.text}.`);
  if (escalations.length) wrong.push(`Remediation had to escalate to people ${plural(escalations.length, "time")}.`);
  if (f.reopened) wrong.push(`The incident reopened ${plural(f.reopened, "time")}.`);

  // ---- action items (owners and due dates)
  const owner = f.acknowledgedBy && f.acknowledgedBy !== "aisre" ? f.acknowledgedBy : f.responders[0];
  const due = addDays(f.resolvedAt ?? f.detectedAt, o.dueDays[f.severity]);
  const firstAlert = f.alerts[0];
  const items: ActionItem[] = [];
  const add = (text: string) => items.push({ text, owner, due });
  if (trigger) add(`Guard ${trigger.service} ${trigger.kind}s: staged rollout with automatic rollback when error rate or latency regresses${trigger.version ? ` (${trigger.version} got through)` : ""}`);
  if (!confident) add(`Confirm the root cause of "${f.title}" and update this postmortem`);
  if (f.timeToDetectMinutes > 5 && firstAlert) add(`Alert sooner on ${firstAlert.name}${firstAlert.service ? ` for ${firstAlert.service}` : ""}: detection took ${plural(f.timeToDetectMinutes, "minute")}`);
  for (const a of badActions.slice(0, 2)) add(`Fix the ${a.type ?? "remediation"} that did not work: ${a.text}`);
  if (unanswered) add(`Review paging and on-call for ${services}: nobody acknowledged the page`);
  else if (slowAnswer !== undefined) add(`Review paging and on-call for ${services}: the page was never acknowledged and the first response came after ${plural(slowAnswer, "minute")}`);
  else if (tta !== undefined && tta > 15) add(`Review paging and on-call for ${services}: acknowledgement took ${plural(tta, "minute")}`);
  // A runbook the diagnosis matched exists already: check it covers this case rather than ask for one.
  const runbook = f.runbooks?.[0];
  if (runbook) add(`Check that the runbook "${runbook}" covers what happened here${trigger ? ` (the ${trigger.kind} of ${trigger.service}${trigger.version ? ` ${trigger.version}` : ""})` : ""}`);
  else {
    // For the cause's own alert, not whatever opened the incident (bad-deploy walk: a report query on
    // orders-db opened it and "Write or link a runbook for PostgresLongRunningQuery" stood under inventory's deploy).
    const causeAlert = (f.leadingCause?.service ? f.alerts.find((a) => a.service === f.leadingCause?.service) : undefined) ?? firstAlert;
    if (causeAlert) add(`Write or link a runbook for ${causeAlert.name}${causeAlert.service ? ` on ${causeAlert.service}` : ""}`);
  }
  const actionItems = items.slice(0, o.maxActionItems ?? 6);

  // ---- lessons learned
  const lessons: string[] = [];
  if (trigger) lessons.push(`Changes to ${trigger.service} can hurt ${services} within ${plural(Math.max(trigger.minutesBefore, 1), "minute")}: treat its ${trigger.kind}s as risky.`);
  if (f.services.length > 1) lessons.push(`A problem in one of ${services} spread to the others: their dependency deserves a timeout, a fallback or a circuit breaker.`);
  if (!confident) lessons.push("Record hypotheses and the evidence for them while working the incident: they are what this review is built from.");
  if (f.timeToDetectMinutes > 5) lessons.push("The first signal came late: symptoms need alerts on the user-facing SLI, not only on causes.");
  if (lessons.length === 0) lessons.push("Nothing new stood out from the records; add what the team learned.");

  return {
    sections: {
      summary,
      impact,
      rootCause,
      trigger: triggerText,
      detection,
      resolution,
      wentWell: well.length ? bullets(well) : "Nothing stood out in the records; add what helped.",
      wentWrong: wrong.length ? bullets(wrong) : "Nothing stood out in the records; add what hurt.",
      actionItems: actionItemsText(actionItems),
      lessons: bullets(lessons),
    },
    actionItems,
  };
}

/** One line per item: `text | owner | due` (the form the Edit modal shows and reads back). */
export function actionItemsText(items: ActionItem[]): string {
  return items.map((i) => [i.text, i.owner ? (/^[UW][A-Z0-9_]+$/.test(i.owner) ? mentionUser(i.owner) : i.owner) : "", i.due ?? ""].join(" | ").replace(/( \| )+$/, "")).join("\n");
}

/** Reads `text | owner | due` lines back (owner `<@U…>`, `@name` or a name; due YYYY-MM-DD). */
export function parseActionItems(text: string): ActionItem[] {
  const out: ActionItem[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^\s*(?:[-*•]|\d+[.)])\s*/, "").trim();
    if (!line) continue;
    const parts = line.split("|").map((p) => p.trim());
    const item: ActionItem = { text: parts[0] ?? line };
    for (const p of parts.slice(1)) {
      if (!p) continue;
      if (/^\d{4}-\d{2}-\d{2}$/.test(p)) item.due = p;
      else {
        const m = /^<@([UW][A-Z0-9_]+)(?:\|[^>]*)?>$/.exec(p);
        item.owner = m ? m[1] : p.replace(/^@/, "");
      }
    }
    if (item.text) out.push(item);
  }
  return out;
}
