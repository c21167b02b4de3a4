import type { KnownBlock } from "@slack/types";
import { formatSliValue } from "../src/detect/polling/presenter.ts";
import type { DigestAlert, DigestAnomaly, DigestChange, DigestView } from "../src/incident/digest.ts";
import type { SlackMessage } from "../src/incident/presenter.ts";
import { comparedWithUsual, plural } from "../src/text/words.ts";
import { ACTION, BLOCK } from "./ids.ts";
import { fit, fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn, inlineCode, link, slackDate } from "./mrkdwn.ts";

/** Lines under a heading, cut (saying how many more) to fit one section. */
function listSection(heading: string, lines: string[]): KnownBlock {
  let text = heading;
  let shown = 0;
  for (const line of lines) {
    const next = `${text}\n${line}`;
    if (next.length + (lines.length - shown - 1 > 0 ? 60 : 0) > SLACK_LIMITS.sectionText) break;
    text = next;
    shown++;
  }
  if (shown < lines.length) text += `\n…and ${lines.length - shown} more (see Timeline)`;
  return { type: "section", text: { type: "mrkdwn", text: fitSection(text) } };
}

const code = inlineCode;

function alertLine(a: DigestAlert): string {
  const icon = a.status === "firing" ? ":red_circle:" : ":large_green_circle:";
  const flapping = a.flips >= 2 ? ` · flapping (${plural(a.flips, "flip")})` : "";
  return `${icon} *${escapeMrkdwn(a.name)}*${a.service ? ` on ${code(a.service)}` : ""} (${escapeMrkdwn(a.severity.toUpperCase())}) ${a.status === "firing" ? `firing since ${slackDate(a.since, "{time}")}` : "resolved"}${flapping}`;
}

function anomalyLine(a: DigestAnomaly): string {
  const now = escapeMrkdwn(formatSliValue(a.value, a.unit));
  const usual = escapeMrkdwn(formatSliValue(a.usual, a.unit));
  const ratio = comparedWithUsual(a.value, a.usual);
  const icon = a.over ? ":large_green_circle:" : a.value >= a.usual ? ":chart_with_upwards_trend:" : ":chart_with_downwards_trend:";
  const state = a.over ? " · back to normal" : a.worsened ? " · worsening" : "";
  return `${icon} ${code(a.service)} ${escapeMrkdwn(a.sli.replace(/-/g, " "))} ${now} vs ${usual} usual${ratio ? ` (${ratio})` : ""}${a.shape ? `, ${escapeMrkdwn(a.shape)}` : ""} since ${slackDate(a.since, "{time}")}${state}`;
}

function changeLine({ change: c, reason }: DigestChange): string {
  const version = c.version ? ` ${escapeMrkdwn(c.version)}` : "";
  const from = c.previousVersion ? ` (from ${escapeMrkdwn(c.previousVersion)})` : "";
  const by = c.author ? ` by ${escapeMrkdwn(c.author)}` : "";
  const details = c.url ? ` ${link(c.url, "details")}` : "";
  return `:package: ${escapeMrkdwn(c.kind)} of ${code(c.service)}${version}${from} at ${slackDate(c.at, "{time}")}${by}${details}${reason ? ` — ${escapeMrkdwn(reason)}` : ""}`;
}

/**
 * The digest message: alerts, anomalies and recent changes of the incident in one thread message,
 * edited in place as they change. The Timeline button opens every entry.
 */
export function incidentDigestMessage(v: DigestView): SlackMessage {
  const firing = v.alerts.filter((a) => a.status === "firing").length;
  const resolved = v.alerts.length - firing;
  const live = v.anomalies.filter((a) => !a.over).length;
  const summary = [
    v.alerts.length ? `${plural(firing, "alert")} firing${resolved ? `, ${resolved} resolved` : ""}` : "",
    v.anomalies.length ? `${plural(live, "anomaly", "anomalies")}${v.anomalies.length > live ? ` (${v.anomalies.length - live} over)` : ""}` : "",
    v.changes.length ? plural(v.changes.length, "recent change") : "",
  ].filter(Boolean);
  const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: fitSection(`:clipboard: *What the signals show*${summary.length ? ` · ${summary.join(" · ")}` : ""}`) } }];
  // Firing first, then the newest; anomalies still going on before those that are over.
  const alerts = [...v.alerts].sort((a, b) => (a.status === b.status ? b.since.localeCompare(a.since) : a.status === "firing" ? -1 : 1));
  if (alerts.length) blocks.push(listSection("*Alerts*", alerts.map(alertLine)));
  const anomalies = [...v.anomalies].sort((a, b) => Number(a.over) - Number(b.over) || a.since - b.since);
  if (anomalies.length) blocks.push(listSection("*Anomalies*", anomalies.map(anomalyLine)));
  if (v.changes.length) blocks.push(listSection("*Recent changes*", v.changes.map(changeLine)));
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: fit(`Edited in place as signals change${v.updatedAt ? ` · updated ${slackDate(v.updatedAt, "{time}")}` : ""} · every entry: Timeline, or ask \`@aisre\``, SLACK_LIMITS.sectionText) }],
  });
  blocks.push({ type: "actions", block_id: BLOCK.digestActions, elements: [{ type: "button", text: { type: "plain_text", text: "Timeline" }, action_id: ACTION.incidentTimeline, value: v.incidentId }] });
  return { text: fit(`What the signals show: ${summary.join(", ") || "nothing yet"}`, SLACK_LIMITS.sectionText), blocks };
}
