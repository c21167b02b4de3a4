import type { KnownBlock } from "@slack/types";
import type { SlackMessage } from "../src/incident/presenter.ts";
import {
  anomalyFacts,
  describeKind,
  describeModel,
  describeSource,
  durationWords,
  formatSliDelta,
  formatSliSpread,
  formatSliValue,
  sensitivityWords,
  slackTime,
  type AnomalyMessageView,
  type AnomalyPresenter,
} from "../src/detect/polling/presenter.ts";
import { fit, fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn } from "./mrkdwn.ts";

/**
 * The anomaly message in an incident thread (Block Kit): a headline (what, how far from normal,
 * since when), the detector's evidence as fields (value, baseline, deviation, since, score), the
 * query, and one status line (opened or joined the incident, paging, quiet hours, back to normal).
 * Edited in place when the anomaly worsens or ends; the chart follows as a file reply.
 */
const field = (label: string, value: string) => ({ type: "mrkdwn" as const, text: fit(`*${label}*\n${value}`, 2000) });

export function anomalyMessage(v: AnomalyMessageView): SlackMessage {
  const f = v.latest;
  const e = f.explanation;
  const u = v.sli.unit;
  const since = v.first.explanation.since ?? v.first.at;
  const value = f.points.length ? f.points[f.points.length - 1].value : e.baseline + e.deviation;
  const over = v.resolvedAt !== undefined;
  const icon = over ? ":large_green_circle:" : v.sli.direction === "down" || e.deviation < 0 ? ":chart_with_downwards_trend:" : ":chart_with_upwards_trend:";
  const { headline, status } = anomalyFacts(v);
  const title = `${icon} *${over ? "Anomaly over" : v.worsened ? "Anomaly worsening" : "Anomaly detected"}*: \`${v.sli.service}\` ${v.sli.name} ${describeKind(f)}`;
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "mrkdwn", text: fitSection(title) } },
    {
      type: "section",
      fields: [
        field(over ? "Last anomalous value" : "Now", `${formatSliValue(value, u)} at ${slackTime(f.at)}`),
        field("Expected", `${formatSliValue(e.baseline, u)} (${describeModel(f)}), normal range ${formatSliSpread(3 * e.spread, u)}`),
        field("Deviation", `${formatSliDelta(e.deviation, u)}${Number.isFinite(e.z) ? ` (${Math.abs(e.z).toFixed(1)} spreads)` : ""}`),
        field("Since", `${slackTime(since)}, ${durationWords((v.resolvedAt ?? f.at) - since)}${v.ongoing ? " (already going on when polling started)" : ""}`),
        field("Score", `${f.score.toFixed(2)} ≥ ${f.threshold.toFixed(2)} (${sensitivityWords(v.sli.sensitivity, v.sli.threshold)})${v.worsened ? `; first ${v.first.score.toFixed(2)}, worsened ${v.worsened}×` : ""}`),
        field("Signal", `${e.kind}${e.feature ? ` (${e.feature} feature)` : ""}`),
      ],
    },
    { type: "context", elements: [{ type: "mrkdwn", text: fit(escapeMrkdwn(describeSource(v.sli.source)), SLACK_LIMITS.sectionText) }] },
    { type: "context", elements: [{ type: "mrkdwn", text: fit(status, SLACK_LIMITS.sectionText) }] },
  ];
  return { text: fit(`${over ? "Anomaly over" : "Anomaly detected"}: ${headline}`, SLACK_LIMITS.sectionText), blocks };
}

export const blockKitAnomalyPresenter: AnomalyPresenter = {
  anomaly: anomalyMessage,
  chartComment: (v) => `:bar_chart: \`${v.sli.service}\` ${v.sli.name}: the series, the expected band (baseline ± 3 spreads, shaded) and the anomaly since ${slackTime(v.first.explanation.since ?? v.first.at)} in red`,
};
