import type { KnownBlock } from "@slack/types";
import type { SlackMessage } from "../src/incident/presenter.ts";
import { SECTION_TITLE, STATUS_LABEL, type ActionItem, type EffectivePostmortem, type PostmortemStatus } from "../src/postmortem/model.ts";
import type { PostmortemMessageContext, PostmortemPresenter } from "../src/postmortem/presenter.ts";
import { clock } from "../src/postmortem/timeline.ts";
import { ACTION, BLOCK } from "./ids.ts";
import { fit, fitHeader, fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeKeepingMentions, escapeMrkdwn as esc, inlineCode, link, mentionUser } from "./mrkdwn.ts";
import { blocksWithSlackTimes } from "../src/text/slack-markup.ts";

const STATUS_ICON: Record<PostmortemStatus, string> = { draft: ":pencil2:", in_review: ":mag:", final: ":white_check_mark:" };

const sectionBlock = (title: string, body: string): KnownBlock => ({ type: "section", text: { type: "mrkdwn", text: fitSection(`*${title}*\n${body}`) } });

/** Lines under a heading, cut to fit one section and saying how many were left out. */
function listSection(title: string, lines: string[], more: string): KnownBlock {
  let text = `*${title}*`;
  let shown = 0;
  for (const line of lines) {
    const rest = lines.length - shown - 1;
    if (`${text}\n${line}`.length + (rest > 0 ? more.length + 20 : 0) > SLACK_LIMITS.sectionText) break;
    text += `\n${line}`;
    shown++;
  }
  if (shown < lines.length) text += `\n…${lines.length - shown} more ${more}`;
  return { type: "section", text: { type: "mrkdwn", text: fitSection(text) } };
}

function itemLine(i: ActionItem): string {
  const owner = i.owner ? mentionUser(i.owner) : "_no owner_";
  const jira = i.jiraKey ? ` · ${link(i.jiraUrl, i.jiraKey)}` : "";
  return `• ${esc(i.text)} — ${owner}${i.due ? ` · due ${esc(i.due)}` : ""}${jira}`;
}

/** The people the postmortem's own records saw act: the only ones its text may mention. */
function people(p: EffectivePostmortem): string[] {
  const f = p.facts;
  return [f.acknowledgedBy, f.resolvedBy, ...(f.actions ?? []).map((a) => a.actor), ...(f.messages ?? []).map((m) => m.actor), ...p.actionItems.map((i) => i.owner)].filter((x): x is string => Boolean(x));
}

function statusButtons(p: EffectivePostmortem) {
  const b = (text: string, to: PostmortemStatus, style?: "primary" | "danger", confirm?: string) => ({
    type: "button" as const,
    action_id: `${ACTION.postmortemStatus}:${to}`,
    value: `${p.incidentId}|${to}`,
    text: { type: "plain_text" as const, text },
    ...(style ? { style } : {}),
    ...(confirm ? { confirm: { title: { type: "plain_text" as const, text: fit(text, SLACK_LIMITS.confirmTitle) }, text: { type: "mrkdwn" as const, text: fit(confirm, SLACK_LIMITS.confirmText) }, confirm: { type: "plain_text" as const, text }, deny: { type: "plain_text" as const, text: "Cancel" } } } : {}),
  });
  switch (p.status) {
    case "draft":
      return [b("Ready for review", "in_review", "primary")];
    case "in_review":
      return [b("Approve as final", "final", "primary", "The postmortem becomes final: it enters the knowledge base and its action items become Jira issues."), b("Back to draft", "draft")];
    case "final":
      return [b("Reopen review", "in_review")];
  }
}

/** The postmortem in the thread, edited in place: the template's sections, the timeline, the buttons. */
export function postmortemMessage(p: EffectivePostmortem, ctx: PostmortemMessageContext): SlackMessage {
  const f = p.facts;
  const known = people(p);
  const section = (title: string, body: string) => sectionBlock(title, escapeKeepingMentions(body, known));
  const meta = [
    `${STATUS_ICON[p.status]} *${STATUS_LABEL[p.status]}*`,
    `v${p.version}`,
    esc(p.incidentId),
    esc(f.severity.toUpperCase()),
    esc(f.services.join(", ")) || "unknown service",
    p.narrative === "template" ? "written from templates" : `narrative by ${esc(p.narrative)}`,
    p.edited.length ? `edited: ${p.edited.map((k) => SECTION_TITLE[k]).join(", ")}` : "",
    ctx.jira ? `copy in ${link(ctx.jira.url, ctx.jira.key)}` : "",
    ctx.note ?? "",
  ].filter(Boolean);
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: fitHeader(esc(`Postmortem: ${p.title}`)), emoji: true } },
    { type: "context", elements: [{ type: "mrkdwn", text: fit(meta.join(" · "), SLACK_LIMITS.sectionText) }] },
    section(SECTION_TITLE.summary, p.sections.summary),
    section(SECTION_TITLE.impact, p.sections.impact),
    section(SECTION_TITLE.rootCause, p.sections.rootCause),
    section(SECTION_TITLE.trigger, p.sections.trigger),
    section(SECTION_TITLE.detection, p.sections.detection),
    listSection(
      "Timeline (UTC)",
      p.timeline.map((m) => `${inlineCode(clock(m.at).slice(0, 8))} ${escapeKeepingMentions(m.text, known)}${m.kind === "message" && /^[UW][A-Z0-9_]+$/.test(m.actor) ? ` — ${mentionUser(m.actor)}` : ""}`),
      `moments in ${ctx.jira ? esc(ctx.jira.key) : "the timeline"}`,
    ),
    section(SECTION_TITLE.resolution, p.sections.resolution),
    section(SECTION_TITLE.wentWell, p.sections.wentWell),
    section(SECTION_TITLE.wentWrong, p.sections.wentWrong),
    p.edited.includes("actionItems") || p.actionItems.length ? listSection(SECTION_TITLE.actionItems, p.actionItems.map(itemLine), "items") : sectionBlock(SECTION_TITLE.actionItems, "_none yet_"),
    section(SECTION_TITLE.lessons, p.sections.lessons),
    {
      type: "actions",
      block_id: BLOCK.postmortemActions,
      elements: [{ type: "button", action_id: ACTION.postmortemRegenerate, value: p.incidentId, text: { type: "plain_text", text: "Regenerate" } }, { type: "button", action_id: ACTION.postmortemEdit, value: p.incidentId, text: { type: "plain_text", text: "Edit" } }, ...statusButtons(p)],
    },
  ];
  // The document's "14:20:45 UTC" times, as Slack date tokens in the thread (Jira keeps the text).
  return { text: esc(`Postmortem (${STATUS_LABEL[p.status].toLowerCase()}, v${p.version}) for ${p.incidentId}: ${p.title}`), blocks: blocksWithSlackTimes(blocks, Date.parse(p.facts.startedAt)) };
}

export const blockKitPostmortemPresenter: PostmortemPresenter = { message: postmortemMessage };
