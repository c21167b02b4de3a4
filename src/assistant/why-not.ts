import type { TimelineEntry } from "../domain/incident.ts";
import type { RemediationAction } from "../remediate/types.ts";
import { escapeText as esc, inlineCode, readableUtc } from "../text/slack-markup.ts";
import type { HypothesisView, IncidentContext } from "./context.ts";

/**
 * "@aisre why not roll back cart?" / "why didn't you restart payments?": why a remedy was or was not
 * proposed, from the incident's own evidence (pure): the leading hypothesis and its evidence, the
 * changes on the timeline, and the remediation actions proposed so far.
 */

export type RemedyKind = "rollback" | "rollout_restart" | "scale" | "kill_db_query" | "delete_pod" | "flush_cache_prefix" | "pause_rollout";

const KIND_WORDS: Array<[RemedyKind, RegExp]> = [
  ["rollback", /\broll(ing|ed)?[ -]?back\b|\brollback\b|\brevert(ing|ed)?\b|\bundo\b/],
  ["rollout_restart", /\brestart(ing|ed)?\b|\bbounc(e|ing)\b|\brollout restart\b/],
  ["scale", /\bscal(e|ing)( up| out)?\b|\bmore (pods|replicas)\b/],
  ["kill_db_query", /\bkill(ing)?\b|\bcancel(ling)? (the )?query\b|\bterminate\b/],
  ["delete_pod", /\bdelete (the )?pod\b|\bkill (the )?pod\b/],
  ["flush_cache_prefix", /\bflush(ing)?\b|\bclear (the )?cache\b/],
  ["pause_rollout", /\bpause(d)?( the)? rollout\b/],
];

const WORDS: Record<RemedyKind, string> = { rollback: "rolling back", rollout_restart: "restarting", scale: "scaling", kill_db_query: "killing the query on", delete_pod: "deleting a pod of", flush_cache_prefix: "flushing the cache of", pause_rollout: "pausing the rollout of" };

/** The remedy a "why not …?" question is about, or undefined when it is not such a question. */
export function parseWhyNot(text: string, services: readonly string[]): { action: RemedyKind; service?: string } | undefined {
  const norm = text.toLowerCase().replace(/<@[a-z0-9]+>/gi, " ");
  if (!/\bwhy\b.*\b(not|no|didn'?t|don'?t|wouldn'?t|won'?t|isn'?t|aren'?t|instead)\b|\bwhy (not|no)\b/.test(norm)) return undefined;
  const hit = KIND_WORDS.filter(([, re]) => re.test(norm)).map(([k]) => k);
  // "kill the pod" is a pod deletion, not a query kill.
  const action = hit.includes("delete_pod") ? "delete_pod" : hit[0];
  if (!action) return undefined;
  const service = [...services].sort((a, b) => b.length - a.length).find((s) => new RegExp(`\\b${s.toLowerCase().replace(/[-]/g, "[- ]")}\\b`).test(norm));
  return { action, ...(service ? { service } : {}) };
}

const pct = (c: number | undefined) => (c === undefined ? "" : ` (${Math.round(c * 100)} %)`);

/** Changes of a service on the incident's timeline (deploys, config changes), newest last. */
function changesOf(service: string, timeline: readonly TimelineEntry[]): Array<{ kind: string; version?: string; at: string }> {
  return timeline.filter((e) => e.kind === "change" && e.data.service === service).map((e) => ({ kind: String(e.data.kind ?? "change"), version: typeof e.data.version === "string" ? e.data.version : undefined, at: typeof e.data.at === "string" ? e.data.at : e.at }));
}

function evidenceLines(h: HypothesisView | undefined, n = 3): string {
  return h?.evidence.length
    ? h.evidence
        .slice(0, n)
        .map((e) => `• ${esc(e)}`)
        .join("\n")
    : "";
}

/** The answer, in the thread's words: what was proposed, and why this remedy was or was not. */
export function explainWhyNot(q: { action: RemedyKind; service?: string }, ctx: Pick<IncidentContext, "incident" | "card" | "timeline" | "hypotheses">, actions: readonly RemediationAction[]): string {
  const lead = ctx.hypotheses[0];
  const leadService = lead?.service ?? ctx.card.diagnosis?.cause?.match(/^([\w.-]+):/)?.[1];
  const service = q.service ?? leadService ?? ctx.incident.services[0];
  const what = `${WORDS[q.action]} ${service ? `${inlineCode(service)}` : "it"}`;
  const serviceName = service ? inlineCode(service) : "the service";
  const proposed = [...actions].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const same = proposed.find((a) => a.type === q.action && (!service || a.target.service === service));
  const out: string[] = [];
  if (same) {
    out.push(`I did propose ${what}: ${esc(same.reason)}. Its card in the thread is *${same.state.replace(/_/g, " ")}*.`);
    return out.join("\n\n");
  }
  const instead = proposed[0];
  const insteadText = instead ? `I proposed *${instead.type.replace(/_/g, " ")}* of ${inlineCode(instead.target.pod ?? instead.target.service)} instead: ${esc(instead.reason)}.` : "";
  const changes = service ? changesOf(service, ctx.timeline) : [];
  const latest = changes.at(-1);
  const reasons: string[] = [];
  if (!lead && !ctx.card.diagnosis?.cause) reasons.push("there is no diagnosis yet, so I propose no remedy at all");
  else if (ctx.card.diagnosis?.verdict && ctx.card.diagnosis.verdict !== "confident") reasons.push(`the diagnosis is not confident (${esc(ctx.card.diagnosis.verdict)}), and I only propose a remedy for a confident one`);
  if (service && leadService && service !== leadService) {
    const theirs = ctx.hypotheses.find((h) => h.service === service);
    reasons.push(`the evidence points at ${inlineCode(leadService)}, not ${inlineCode(service)}${theirs ? ` (${service} ranks #${ctx.hypotheses.indexOf(theirs) + 1}${pct(theirs.confidence)})` : " (nothing in the diagnosis points there)"}`);
  }
  if (q.action === "rollback") {
    if (!latest) reasons.push(`there is no deploy or config change of ${serviceName} on this incident's timeline to roll back`);
  } else if ((q.action === "rollout_restart" || q.action === "delete_pod") && latest) {
    reasons.push(`${serviceName} changed just before (${esc(latest.kind)}${latest.version ? ` ${esc(latest.version)}` : ""} at ${readableUtc(latest.at)}): a restart brings the same template back, so the change is rolled back first`);
  } else if (q.action === "scale" || q.action === "flush_cache_prefix") {
    reasons.push(`${WORDS[q.action].split(" ")[0]} needs a number or a prefix nobody can choose safely from the evidence; it is a person's call (the runbooks describe it)`);
  }
  if (reasons.length === 0 && service === leadService && instead) reasons.push(`the leading hypothesis calls for ${instead.type.replace(/_/g, " ")} first`);
  if (reasons.length === 0) reasons.push(`nothing in the evidence calls for it`);
  out.push(`I did not propose ${what} because ${reasons.join("; and ")}.`);
  if (insteadText) out.push(insteadText);
  if (lead) out.push(`Leading hypothesis: *${esc(lead.text)}*${pct(lead.confidence)}${evidenceLines(lead) ? `\n${evidenceLines(lead)}` : ""}`);
  return out.join("\n\n");
}
