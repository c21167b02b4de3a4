import { formatSliValue, slackTime, valueNow, type AnomalyMessageView, type AnomalyPresenter } from "../src/detect/polling/presenter.ts";
import { comparedWithUsual, possessive } from "../src/text/words.ts";
import { escapeMrkdwn } from "./mrkdwn.ts";

/**
 * The comment of the incident's one anomaly chart, in an on-call engineer's words: what the value
 * is now against its usual level, since when, and how to read the picture.
 */
export function anomalyChartComment(v: AnomalyMessageView): string {
  const e = v.first.explanation;
  // The number the chart ends on (its subtitle's "now"), not the one the anomaly was first found at.
  const value = valueNow(v.first);
  const ratio = comparedWithUsual(value, e.baseline);
  return `:bar_chart: \`${escapeMrkdwn(v.sli.service)}\` ${escapeMrkdwn(v.sli.name.replace(/-/g, " "))}: ${escapeMrkdwn(formatSliValue(value, v.sli.unit))} vs ${escapeMrkdwn(formatSliValue(e.baseline, v.sli.unit))} usual${ratio ? ` (${ratio})` : ""} since ${slackTime(e.since ?? v.first.at)}. The usual range is shaded green, the anomaly is red, deploys are dashed lines. For another signal, ask @aisre (_show me ${escapeMrkdwn(possessive(v.sli.service))} latency_).`;
}

export const blockKitAnomalyPresenter: AnomalyPresenter = { chartComment: anomalyChartComment };
