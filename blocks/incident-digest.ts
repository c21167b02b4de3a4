import type { KnownBlock } from "@slack/types";
import { kindOfSli, type MetricKind } from "../src/assistant/intents.ts";
import { formatSliValue } from "../src/detect/polling/presenter.ts";
import type { DigestAlert, DigestAnomaly, DigestChange, DigestView } from "../src/incident/digest.ts";
import type { SlackMessage } from "../src/incident/presenter.ts";
import { comparedWithUsual, plural } from "../src/text/words.ts";
import { ACTION, BLOCK } from "./ids.ts";
import { fit, fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn, inlineCode, link, slackDate } from "./mrkdwn.ts";

/** Lines under a heading (of `total` in all, the first ones given), cut (saying how many more) to fit one section. */
function listSection(heading: string, lines: string[], total = lines.length): KnownBlock {
  let text = heading;
  let shown = 0;
  for (const line of lines) {
    const next = `${text}\n${line}`;
    if (next.length + (total - shown - 1 > 0 ? 60 : 0) > SLACK_LIMITS.sectionText) break;
    text = next;
    shown++;
  }
  if (shown < total) text += `\n…and ${total - shown} more (see Timeline)`;
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

const KIND_LABEL: Record<MetricKind, string> = { errors: "error rate", latency: "p95 latency", cpu: "CPU", memory: "memory", traffic: "request rate", restarts: "restarts" };

/**
 * What the digest's chart select offers (the thread has one chart; the rest on request): the
 * signals of the incident's anomalies first (going on, then over), then the error rate and latency
 * of every service its alerts name. At most 20, each once.
 */
function chartChoices(v: DigestView): Array<{ label: string; value: string }> {
  const out: Array<{ service: string; kind: MetricKind }> = [];
  const add = (service: string, kind: MetricKind | undefined) => {
    if (kind && !out.some((o) => o.service === service && o.kind === kind)) out.push({ service, kind });
  };
  for (const a of [...v.anomalies].sort((x, y) => Number(x.over) - Number(y.over) || x.since - y.since)) add(a.service, kindOfSli(a.sli));
  const alertServices = v.alertTotals?.services ?? v.alerts.map((a) => a.service).filter((s): s is string => !!s);
  const services = [...new Set([...v.anomalies.map((a) => a.service), ...alertServices])];
  for (const s of services) for (const k of ["errors", "latency"] as const) add(s, k);
  return out.slice(0, 20).map((o) => ({ label: fit(`${escapeMrkdwn(o.service)} · ${KIND_LABEL[o.kind]}`, 75), value: `${v.incidentId}|${o.service}|${o.kind}`.slice(0, 150) }));
}

/**
 * The digest message: alerts, anomalies and recent changes of the incident in one thread message,
 * edited in place as they change. The Timeline button opens every entry; the select charts any of
 * the incident's signals into the thread.
 */
export function incidentDigestMessage(v: DigestView): SlackMessage {
  const firing = v.alertTotals?.firing ?? v.alerts.filter((a) => a.status === "firing").length;
  const resolved = v.alertTotals?.resolved ?? v.alerts.length - firing;
  const alertCount = firing + resolved;
  const live = v.anomalies.filter((a) => !a.over).length;
  const summary = [
    alertCount ? `${plural(firing, "alert")} firing${resolved ? `, ${resolved} resolved` : ""}` : "",
    v.anomalies.length ? `${plural(live, "anomaly", "anomalies")}${v.anomalies.length > live ? ` (${v.anomalies.length - live} over)` : ""}` : "",
    v.changes.length ? plural(v.changes.length, "recent change") : "",
  ].filter(Boolean);
  const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: fitSection(`:clipboard: *What the signals show*${summary.length ? ` · ${summary.join(" · ")}` : ""}`) } }];
  // Firing first, then the newest; anomalies still going on before those that are over.
  const alerts = [...v.alerts].sort((a, b) => (a.status === b.status ? b.since.localeCompare(a.since) : a.status === "firing" ? -1 : 1));
  if (alerts.length) blocks.push(listSection("*Alerts*", alerts.map(alertLine), Math.max(alerts.length, alertCount)));
  const anomalies = [...v.anomalies].sort((a, b) => Number(a.over) - Number(b.over) || a.since - b.since);
  if (anomalies.length) blocks.push(listSection("*Anomalies*", anomalies.map(anomalyLine)));
  if (v.changes.length) blocks.push(listSection("*Recent changes*", v.changes.map(changeLine)));
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: fit(`Edited in place as signals change${v.updatedAt ? ` · updated ${slackDate(v.updatedAt, "{time}")}` : ""} · every entry: Timeline, or ask \`@aisre\``, SLACK_LIMITS.sectionText) }],
  });
  const charts = chartChoices(v);
  blocks.push({
    type: "actions",
    block_id: BLOCK.digestActions,
    elements: [
      { type: "button", text: { type: "plain_text", text: "Timeline" }, action_id: ACTION.incidentTimeline, value: v.incidentId },
      ...(charts.length ? [{ type: "static_select" as const, action_id: ACTION.incidentChart, placeholder: { type: "plain_text" as const, text: "Chart a signal…" }, options: charts.map((c) => ({ text: { type: "plain_text" as const, text: c.label }, value: c.value })) }] : []),
    ],
  });
  return { text: fit(`What the signals show: ${summary.join(", ") || "nothing yet"}`, SLACK_LIMITS.sectionText), blocks };
}
