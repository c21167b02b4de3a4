import type { KnownBlock } from "@slack/types";
import type { Alert, ChangeEvent } from "../src/domain/alert.ts";
import type { Incident, IncidentStatus } from "../src/domain/incident.ts";
import type { AlertJoin, IncidentPresenter, SlackMessage } from "../src/incident/presenter.ts";
import { incidentCardMessage } from "./incident-card.ts";
import { fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn, inlineCode, link, mentionUser, slackDate } from "./mrkdwn.ts";

/** Lists lines under a heading, cutting the list (and saying how many more) to fit one section. */
function listSection(heading: string, lines: string[]): KnownBlock {
  let text = heading;
  let shown = 0;
  for (const line of lines) {
    const more = lines.length - shown - 1;
    const next = `${text}\n${line}`;
    if (next.length + (more > 0 ? 40 : 0) > SLACK_LIMITS.sectionText) break;
    text = next;
    shown++;
  }
  if (shown < lines.length) text += `\n…and ${lines.length - shown} more (all in the timeline)`;
  return { type: "section", text: { type: "mrkdwn", text: fitSection(text) } };
}

const alertLine = (a: Alert) => `*${escapeMrkdwn(a.name)}*${a.service ? ` on ${inlineCode(a.service)}` : ""} (${escapeMrkdwn(a.severity.toUpperCase())}): ${escapeMrkdwn(a.summary)}`;

export function alertsJoinedMessage(_incident: Incident, joins: AlertJoin[], resolved: Alert[]): SlackMessage {
  const blocks: KnownBlock[] = [];
  if (joins.length) blocks.push(listSection(`:rotating_light: ${joins.length === 1 ? "Alert" : `${joins.length} alerts`} joined`, joins.map((j) => `• ${alertLine(j.alert)}\n   _why: ${escapeMrkdwn(j.reason)}_`)));
  if (resolved.length) blocks.push(listSection(`:large_green_circle: ${resolved.length === 1 ? "Alert" : `${resolved.length} alerts`} resolved`, resolved.map((a) => `• ${alertLine(a)}`)));
  const text = [joins.length ? `${joins.length} alert(s) joined` : "", resolved.length ? `${resolved.length} alert(s) resolved` : ""].filter(Boolean).join(", ");
  return { text, blocks };
}

export function changesAttachedMessage(_incident: Incident, changes: Array<{ change: ChangeEvent; reason: string }>): SlackMessage {
  const lines = changes.map(({ change: c, reason }) => `• *${escapeMrkdwn(c.kind)}* of ${inlineCode(c.service)}${c.version ? ` to ${escapeMrkdwn(c.version)}` : ""}${c.previousVersion ? ` (from ${escapeMrkdwn(c.previousVersion)})` : ""} at ${slackDate(c.at, "{time}")}${c.author ? ` by ${escapeMrkdwn(c.author)}` : ""}${c.url ? ` ${link(c.url, "details")}` : ""}\n   _why attached: ${escapeMrkdwn(reason)}_`);
  return { text: `${changes.length} recent change(s) attached`, blocks: [listSection(":package: Recent changes", lines)] };
}

export function statusChangedMessage(incident: Incident, from: IncidentStatus, to: IncidentStatus, by: string, why: string): SlackMessage {
  const who = mentionUser(by);
  const icon = to === "resolved" ? ":white_check_mark:" : to === "acknowledged" ? ":eyes:" : ":rotating_light:";
  const text = `${icon} ${escapeMrkdwn(incident.id)} ${escapeMrkdwn(from)} → *${escapeMrkdwn(to)}* by ${who}: ${escapeMrkdwn(why)}`;
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text: fitSection(text) } }] };
}

export function noteMessage(_incident: Incident, text: string): SlackMessage {
  return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text: fitSection(text) } }] };
}

/** The Block Kit implementation of the incident presenter port. */
export const blockKitIncidentPresenter: IncidentPresenter = {
  rootCard: incidentCardMessage,
  alertsJoined: alertsJoinedMessage,
  changesAttached: changesAttachedMessage,
  statusChanged: statusChangedMessage,
  note: noteMessage,
};
