import type { KnownBlock, View } from "@slack/types";
import type { Incident, TimelineEntry } from "../src/domain/incident.ts";
import { plural } from "../src/text/words.ts";
import { fit, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn, slackDate } from "./mrkdwn.ts";
import { itemAt } from "../src/domain/indexed.ts";

const ICON: Partial<Record<TimelineEntry["kind"], string>> = {
  alert: ":rotating_light:",
  anomaly: ":chart_with_upwards_trend:",
  change: ":package:",
  status: ":large_blue_circle:",
  hypothesis: ":mag:",
  action: ":hammer_and_wrench:",
  message: ":speech_balloon:",
  note: ":memo:",
};

/** Modals hold at most 100 blocks: the header, the summary, and this many sections of entries. */
const MAX_SECTIONS = 95;

/**
 * Every entry of an incident's timeline in a modal (the digest's Timeline button): the detail the
 * thread folds away, newest last, packed into as few sections as Slack's limits allow.
 */
export function timelineModal(incident: Incident, entries: readonly TimelineEntry[]): View {
  const lines = entries.map((e) => `${ICON[e.kind] ?? "•"} ${slackDate(e.at, "{time}")} ${escapeMrkdwn(e.text.replace(/\s+/g, " ")).slice(0, 600)}`);
  const sections: string[] = [];
  let current = "";
  let shownFrom = 0;
  // Newest entries matter most when there are too many: fill from the end.
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = itemAt(lines, i);
    const next = current ? `${line}\n${current}` : line;
    if (next.length > SLACK_LIMITS.sectionText) {
      if (sections.length + 1 >= MAX_SECTIONS) break;
      sections.unshift(current);
      current = line;
    } else current = next;
    shownFrom = i;
  }
  if (current) sections.unshift(current);
  const blocks: KnownBlock[] = [
    { type: "context", elements: [{ type: "mrkdwn", text: fit(`*${escapeMrkdwn(incident.id)}* · ${escapeMrkdwn(incident.title)} · ${plural(entries.length, "entry")}${shownFrom > 0 ? ` (the newest ${entries.length - shownFrom} shown)` : ""}`, SLACK_LIMITS.sectionText) }] },
    ...sections.map((text): KnownBlock => ({ type: "section", text: { type: "mrkdwn", text } })),
  ];
  if (entries.length === 0) blocks.push({ type: "section", text: { type: "mrkdwn", text: "Nothing on the timeline yet." } });
  return { type: "modal", title: { type: "plain_text", text: "Incident timeline" }, close: { type: "plain_text", text: "Close" }, blocks };
}
