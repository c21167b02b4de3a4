import type { KnownBlock } from "@slack/types";
import type { Incident } from "../src/domain/incident.ts";
import { fitSection } from "./limits.ts";
import { escapeMrkdwn, inlineCode, link } from "./mrkdwn.ts";

/** `/aisre incidents`: the open incidents, newest first, each with a link to its thread. */
export function incidentListBlocks(items: Array<{ incident: Incident; permalink?: string; firing: number }>): KnownBlock[] {
  if (items.length === 0) return [{ type: "section", text: { type: "mrkdwn", text: ":white_check_mark: No open incidents." } }];
  const lines = items.map(({ incident: i, permalink, firing }) => {
    const title = link(permalink, i.title);
    return `• *${escapeMrkdwn(i.severity.toUpperCase())}* ${title} — ${escapeMrkdwn(i.status)}, ${escapeMrkdwn(i.services.join(", ")) || "unknown service"}, ${Number(firing)} firing · ${inlineCode(i.id)}`;
  });
  return [
    { type: "header", text: { type: "plain_text", text: `Open incidents (${items.length})` } },
    { type: "section", text: { type: "mrkdwn", text: fitSection(lines.join("\n")) } },
  ];
}
