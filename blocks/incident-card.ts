import { confidenceLevel } from "../src/domain/confidence.ts";
import type { KnownBlock } from "@slack/types";
import type { IncidentCardView, SlackMessage } from "../src/incident/presenter.ts";
import { ACTION, BLOCK } from "./ids.ts";
import { fit, fitHeader, fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn, link, mentionUser, slackDate } from "./mrkdwn.ts";
import { blocksWithSlackTimes, escapeKeepingMentions } from "../src/text/slack-markup.ts";

const STATUS_ICON = { open: ":red_circle:", acknowledged: ":large_orange_circle:", resolved: ":white_check_mark:" } as const;

export function confidenceLabel(c: number | undefined): string {
  if (c === undefined) return "";
  const pct = Math.round(c * 100);
  const word = confidenceLevel(c);
  return ` (confidence ${pct}% — ${word})`;
}

/** The one root message per incident, edited in place as the incident changes. */
export function incidentCardMessage(v: IncidentCardView): SlackMessage {
  const { incident: inc, alerts, diagnosis, links } = v;
  const resolved = inc.status === "resolved";
  // Once resolved, the severity it paged at, not the one it fell to as its alerts resolved.
  const peak = resolved && v.peakSeverity ? v.peakSeverity : undefined;
  const shownSeverity = (peak ?? inc.severity).toUpperCase();
  const title = `${STATUS_ICON[inc.status] ?? ""} ${escapeMrkdwn(shownSeverity)} · ${escapeMrkdwn(v.headline ?? inc.title)}`;
  const cause = fitSection(`*What caused it*\n${diagnosis?.cause ? `${escapeMrkdwn(diagnosis.cause)}${confidenceLabel(diagnosis.confidence)}` : resolved ? "Not established." : "Investigating…"}${diagnosis?.verdict && diagnosis.verdict !== "confident" ? `\n_${escapeMrkdwn(diagnosis.verdict)}_` : ""}`);
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: fitHeader(resolved ? `${title} (resolved)` : title), emoji: true } },
    {
      type: "section",
      fields: [
        { type: "mrkdwn", text: `*Status*\n${escapeMrkdwn(inc.status)}${inc.acknowledgedBy ? ` (ack ${mentionUser(inc.acknowledgedBy)})` : ""}` },
        { type: "mrkdwn", text: `*Severity*\n${escapeMrkdwn(peak ? `${shownSeverity} at peak (${inc.severity.toUpperCase()} at the end)` : shownSeverity)}` },
        { type: "mrkdwn", text: fit(`*Services*\n${inc.services.length ? escapeMrkdwn(inc.services.join(", ")) : "unknown"}`, SLACK_LIMITS.sectionFieldText) },
        { type: "mrkdwn", text: `*Alerts*\n${Number(alerts.firing)} firing / ${Number(alerts.total)} total` },
        // Once resolved, the live impact gives way to when it ended.
        resolved && inc.resolvedAt ? { type: "mrkdwn", text: `*Resolved*\n${slackDate(inc.resolvedAt, "{date_short_pretty} {time}")}` } : { type: "mrkdwn", text: fit(`*Impact*\n${escapeMrkdwn(v.impact ?? "being assessed")}`, SLACK_LIMITS.sectionFieldText) },
        { type: "mrkdwn", text: `*Started*\n${slackDate(inc.createdAt, "{date_short_pretty} {time}")}` },
      ],
    },
    ...(resolved
      ? // The resolution summary replaces what was going on, the recommendations and the actions.
        ([
          { type: "section", text: { type: "mrkdwn", text: fitSection(`*Resolution*\n${escapeKeepingMentions(v.resolution ?? "Resolved.", [v.resolvedBy])}`) } },
          { type: "section", text: { type: "mrkdwn", text: cause } },
        ] as KnownBlock[])
      : ([
          { type: "section", text: { type: "mrkdwn", text: fitSection(`*What's going on*\n${escapeMrkdwn(diagnosis?.summary ?? (alerts.names.length ? `Alerts: ${alerts.names.join(", ")}` : "Investigating…"))}`) } },
          { type: "section", text: { type: "mrkdwn", text: cause } },
          { type: "section", text: { type: "mrkdwn", text: fitSection(`*What to do next*\n${diagnosis?.nextSteps?.length ? diagnosis.nextSteps.map((s) => `• ${escapeMrkdwn(s)}`).join("\n") : "Investigating…"}`) } },
        ] as KnownBlock[])),
  ];
  const linkParts = [
    links.jira ? link(links.jira.url, `Jira ${links.jira.key}`) : undefined,
    links.pagerduty ? link(links.pagerduty.url, `PagerDuty ${links.pagerduty.id}`) : undefined,
    ...(links.runbooks ?? []).map((r) => link(r.url, r.title)),
    links.postmortem ? `Postmortem: ${escapeMrkdwn(links.postmortem)}` : undefined,
  ].filter((x): x is string => Boolean(x));
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: fit(`${escapeMrkdwn(inc.id)}${linkParts.length ? ` · ${linkParts.join(" · ")}` : ""}`, SLACK_LIMITS.sectionText) }] });
  blocks.push({
    type: "actions",
    block_id: BLOCK.cardActions,
    elements: resolved
      ? [{ type: "button", text: { type: "plain_text", text: "Reopen" }, action_id: ACTION.incidentReopen, value: inc.id }]
      : [
          ...(inc.status === "open" ? [{ type: "button" as const, text: { type: "plain_text" as const, text: "Acknowledge" }, action_id: ACTION.incidentAcknowledge, value: inc.id, style: "primary" as const }] : []),
          {
            type: "button",
            text: { type: "plain_text", text: "Resolve" },
            action_id: ACTION.incidentResolve,
            value: inc.id,
            confirm: { title: { type: "plain_text", text: "Resolve incident?" }, text: { type: "mrkdwn", text: `Mark *${escapeMrkdwn(fit(v.headline ?? inc.title, 200))}* resolved. Alerts that fire again will reopen it.` }, confirm: { type: "plain_text", text: "Resolve" }, deny: { type: "plain_text", text: "Cancel" } },
          },
        ],
  });
  const text = escapeMrkdwn(`${shownSeverity} ${inc.status}: ${v.headline ?? inc.title} (${inc.services.join(", ") || "unknown service"})`);
  // The diagnosis's "14:26 UTC" times, as Slack date tokens like every other time on the card.
  return { text, blocks: blocksWithSlackTimes(blocks, Date.parse(inc.createdAt)) };
}
