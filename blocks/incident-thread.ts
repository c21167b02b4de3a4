import type { Incident, IncidentStatus } from "../src/domain/incident.ts";
import type { IncidentPresenter, SlackMessage } from "../src/incident/presenter.ts";
import { incidentCardMessage } from "./incident-card.ts";
import { incidentDigestMessage } from "./incident-digest.ts";
import { fitSection } from "./limits.ts";
import { escapeMrkdwn, mentionUser } from "./mrkdwn.ts";

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
  digest: incidentDigestMessage,
  statusChanged: statusChangedMessage,
  note: noteMessage,
};
