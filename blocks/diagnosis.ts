import { confidenceLevel } from "../src/domain/confidence.ts";
import { closeCall } from "../src/diagnose/close-call.ts";
import type { KnownBlock } from "@slack/types";
import type { HypothesisChange } from "../src/diagnose/adapters.ts";
import type { Diagnosis, EvidenceItem, Hypothesis } from "../src/diagnose/types.ts";
import type { AnalysisView, DiagnosisPresenter, UpdateView } from "../src/diagnose/live/view.ts";
import type { SlackMessage } from "../src/incident/presenter.ts";
import { withFeedback } from "./feedback.ts";
import { fit, fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn as esc, inlineCode, slackDate } from "./mrkdwn.ts";
import { blocksWithSlackTimes } from "../src/text/slack-markup.ts";
import { plural } from "../src/text/words.ts";

/**
 * Diagnosis messages in the incident thread: the first analysis (ranked hypotheses, each with its
 * evidence, counter-evidence and gaps; the global gaps; which sources answered) and the one-line
 * updates when the ranking changes. Pure; every text is cut to Slack's limits.
 */

const KIND_ICON: Record<EvidenceItem["kind"], string> = {
  metric: ":chart_with_upwards_trend:",
  topology: ":link:",
  symptom: ":dart:",
  change: ":package:",
  k8s: ":whale:",
  log: ":page_facing_up:",
  runbook: ":books:",
};

const CHANGE_ICON: Record<HypothesisChange["kind"], string> = {
  leader: ":twisted_rightwards_arrows:",
  new: ":new:",
  strengthened: ":arrow_up:",
  weakened: ":arrow_down:",
  dropped: ":arrow_down:",
};

const TOOL_ICON = { ok: ":white_check_mark:", no_data: ":white_circle:", error: ":warning:", disabled: ":no_entry_sign:" } as const;

const pct = (x: number): string => `${Math.round(x * 100)} %`;
const hhmm = (ms: number): string => slackDate(ms, "{time}");

/**
 * The verdict in words. A clear ranking (no close runner-up, enough evidence) reads as how sure, in
 * the card's words for the same number: a walk's header said "confident" over "confidence 60 %",
 * which the card called medium.
 */
function verdictWords(d: Diagnosis): string {
  if (closeCall(d)) return "high confidence, a close second";
  if (d.uncertainty !== "confident") return d.uncertainty;
  return `${confidenceLevel(d.hypotheses[0]?.confidence ?? 0)} confidence`;
}

function verdictLabel(d: Diagnosis): string {
  const icon = d.uncertainty === "unsure: two candidates" ? ":large_yellow_circle:" : d.uncertainty !== "confident" ? ":white_circle:" : { high: ":large_green_circle:", medium: ":large_yellow_circle:", low: ":white_circle:" }[confidenceLevel(d.hypotheses[0]?.confidence ?? 0)];
  return `${icon} ${verdictWords(d)}`;
}

/** Lines under a heading, as many as fit in one section, saying how many were left out. */
function lines(heading: string, items: string[], max: number = SLACK_LIMITS.sectionText): string {
  let text = heading;
  let shown = 0;
  for (const l of items) {
    const next = `${text}\n${l}`;
    if (next.length > max - 40) break;
    text = next;
    shown++;
  }
  if (shown < items.length) text += `\n_…and ${items.length - shown} more_`;
  return text;
}

function hypothesisBlock(h: Hypothesis): KnownBlock {
  const ev = h.evidence.slice(0, 5).map((e) => `${KIND_ICON[e.kind]} ${esc(fit(e.summary, 300))}`);
  const against = h.counterEvidence.slice(0, 3).map((e) => `:heavy_minus_sign: ${esc(fit(e.summary, 240))}`);
  const gaps = h.gaps.slice(0, 2).map((g) => `:grey_question: ${esc(fit(g, 200))}`);
  const head = `*${h.rank}. ${esc(h.service)}* — ${pct(h.confidence)}\n_${esc(fit(h.cause, 600))}_`;
  const body = [lines("*Evidence*", ev, 1500), against.length ? lines("*Against it*", against, 800) : "", gaps.length ? lines("*Missing for it*", gaps, 400) : ""].filter(Boolean).join("\n");
  return { type: "section", text: { type: "mrkdwn", text: fitSection(`${head}\n${body}`) } };
}

export function diagnosisAnalysisMessage(v: AnalysisView): SlackMessage {
  const d = v.diagnosis;
  const blocks: KnownBlock[] = [];
  blocks.push({ type: "section", text: { type: "mrkdwn", text: fitSection(`:mag: *Diagnosis* · ${verdictLabel(d)}\n${esc(d.headline)}`) } });
  const onsetNote = v.symptom ? `onset ${hhmm(v.window.onset)} (${esc(v.symptom.alert)} on ${esc(v.symptom.service)})` : `onset ${hhmm(v.window.onset)}`;
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: fit(`${onsetNote} · data from ${hhmm(v.window.start)} to ${hhmm(v.window.end)} · ${plural(d.hypotheses.length, "candidate")} ranked`, SLACK_LIMITS.sectionText) }] });
  const top = d.hypotheses.slice(0, 3);
  if (top.length === 0) blocks.push({ type: "section", text: { type: "mrkdwn", text: "No service shows a clear anomaly yet: the next signals will be ranked as they arrive." } });
  for (const h of top) blocks.push(hypothesisBlock(h));
  const rest = d.hypotheses.slice(3, 8);
  if (rest.length) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: fit(`Also considered: ${rest.map((h) => `${esc(h.service)} ${pct(h.confidence)}`).join(", ")}`, SLACK_LIMITS.sectionText) }] });
  blocks.push({ type: "divider" });
  const gaps = d.gaps.map((g) => `• ${esc(fit(g, 300))}`);
  blocks.push({ type: "section", text: { type: "mrkdwn", text: fitSection(gaps.length ? lines("*Investigation gaps* (what could not be checked)", gaps) : "*Investigation gaps*: none, every source answered.") } });
  const tools = v.tools.map((t) => `${TOOL_ICON[t.status] ?? ""} ${inlineCode(t.tool)} ${esc(fit(t.detail, 200))}`);
  blocks.push({ type: "section", text: { type: "mrkdwn", text: fitSection(lines("*Sources*", tools)) } });
  const extra: string[] = [];
  if (v.oncall?.people.length)
    extra.push(
      `:bust_in_silhouette: On call for ${esc(v.oncall.service)}: ${v.oncall.people
        .slice(0, 3)
        .map((p) => `${esc(p.name)} (L${p.level})`)
        .join(", ")}`,
    );
  if (v.runbooks.length) extra.push(`:books: Runbooks: ${runbookList(v.runbooks)}`);
  if (v.similar.length) {
    const seen = v.similar.slice(0, 2).map((s) => `${s.incidentId ? `${esc(s.incidentId)} ` : ""}${esc(s.title)}${s.fixedBy?.[0] ? ` (fixed by ${esc(fit(s.fixedBy[0], 160))})` : ""}`);
    extra.push(`:repeat: Seen before: ${seen.join("; ")}`);
  }
  if (extra.length) blocks.push({ type: "context", elements: extra.slice(0, SLACK_LIMITS.contextElements).map((t) => ({ type: "mrkdwn" as const, text: fit(t, SLACK_LIMITS.sectionText) })) });
  const lead = d.hypotheses[0];
  const text = lead ? `Diagnosis: ${esc(lead.service)} ${pct(lead.confidence)} (${esc(verdictWords(d))})${d.hypotheses[1] ? `; then ${esc(d.hypotheses[1].service)} ${pct(d.hypotheses[1].confidence)}` : ""}` : "Diagnosis: no clear candidate yet";
  return { text: fit(text, SLACK_LIMITS.messageText), blocks: blocksWithSlackTimes(blocks.slice(0, SLACK_LIMITS.blocksPerMessage), v.window.onset) };
}

export function diagnosisUpdateMessage(v: UpdateView): SlackMessage {
  const d = v.diagnosis;
  const lead = d.hypotheses[0];
  const shown = new Set<string>();
  const changeLines: string[] = [];
  for (const c of v.changes) {
    changeLines.push(`${CHANGE_ICON[c.kind]} ${esc(fit(c.text, 500))}`);
    // A new leader or a new candidate comes with what it rests on (its evidence only, once).
    const h = (c.kind === "leader" || c.kind === "new") && !shown.has(c.service) ? d.hypotheses.find((x) => x.service === c.service) : undefined;
    if (h) {
      shown.add(h.service);
      changeLines.push(`      _${esc(fit(h.cause, 400))}_`);
      for (const e of h.evidence.slice(0, 3)) changeLines.push(`      ${KIND_ICON[e.kind]} ${esc(fit(e.summary, 240))}`);
      const against = h.counterEvidence[0];
      if (against) changeLines.push(`      :heavy_minus_sign: ${esc(fit(against.summary, 200))}`);
    }
  }
  const below = v.changes.some((c) => c.kind === "leader") ? d.hypotheses.slice(1, 5).map((h) => `${h.service} ${pct(h.confidence)}`) : [];
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "mrkdwn", text: fitSection(lines("", changeLines).replace(/^\n/, "")) } },
    {
      type: "context",
      elements: [{ type: "mrkdwn", text: fit(`Why now: ${esc(v.trigger)}${lead ? ` · leading: ${esc(lead.service)} ${pct(lead.confidence)} (${esc(verdictWords(d))})` : ""}${below.length ? ` · below it: ${esc(below.join(", "))}` : ""}`, SLACK_LIMITS.sectionText) }],
    },
  ];
  return { text: fit(esc(v.changes.map((c) => c.text).join("; ")), SLACK_LIMITS.messageText), blocks: blocksWithSlackTimes(blocks, Date.parse(v.incident.createdAt)) };
}

/** Each diagnosis post ends with the 👍/👎 feedback row (blocks/feedback.ts). */
export const blockKitDiagnosisPresenter: DiagnosisPresenter = {
  analysis: (v) => withFeedback(diagnosisAnalysisMessage(v), "diagnosis", v.incident.id),
  update: (v) => withFeedback(diagnosisUpdateMessage(v), "diagnosis", v.incident.id),
};

/** The runbooks matched, each once with the services it matched for: "High latency (checkout, payments)", not the title twice. */
function runbookList(runbooks: ReadonlyArray<{ title: string; service?: string }>): string {
  const services = new Map<string, string[]>();
  for (const r of runbooks) {
    const list = services.get(r.title) ?? [];
    if (r.service && !list.includes(r.service)) list.push(r.service);
    services.set(r.title, list);
  }
  return [...services]
    .slice(0, 3)
    .map(([title, list]) => `${esc(title)}${list.length ? ` (${list.map(esc).join(", ")})` : ""}`)
    .join(", ");
}
