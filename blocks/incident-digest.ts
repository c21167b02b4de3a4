import type { KnownBlock } from "@slack/types";
import { kindOfSli, type MetricKind } from "../src/assistant/intents.ts";
import { formatSliValue } from "../src/detect/polling/presenter.ts";
import { byIdentifyingRank, type DigestAlert, type DigestAnomaly, type DigestChange, type DigestView } from "../src/incident/digest.ts";
import type { SlackMessage } from "../src/incident/presenter.ts";
import { comparedWithUsual, plural } from "../src/text/words.ts";
import { ACTION, BLOCK } from "./ids.ts";
import { fit, fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn, inlineCode, link, slackDate } from "./mrkdwn.ts";

/**
 * Lines under a heading (of `total` in all, the first ones given), cut (saying how many more) to fit
 * one section. `counts` says how many items each line stands for (a folded line, several).
 */
function listSection(heading: string, lines: string[], total = lines.length, counts?: number[]): KnownBlock {
  let text = heading;
  let shown = 0;
  for (const [i, line] of lines.entries()) {
    const next = `${text}\n${line}`;
    const n = counts?.[i] ?? 1;
    if (next.length + (total - shown - n > 0 ? 60 : 0) > SLACK_LIMITS.sectionText) break;
    text = next;
    shown += n;
  }
  if (shown < total) text += `\n…and ${total - shown} more (see Timeline)`;
  return { type: "section", text: { type: "mrkdwn", text: fitSection(text) } };
}

const code = inlineCode;

/**
 * A label value short enough for a line ("cart-7d9f8c6b5-x2k4q" stays); a longer one is cut in the
 * middle, as what tells two apart is at its end (memory-leak walk: two pods both read
 * `order-processor-rwvxhh227d-…`).
 */
const shortValue = (v: string) => (v.length > 28 ? `${v.slice(0, 12)}…${v.slice(-15)}` : v);

/**
 * The label that tells alerts of one name on one service apart (pod, instance, …, then any other
 * whose values differ among them), or undefined when none does.
 */
function distinguishingLabel(alerts: readonly DigestAlert[]): string | undefined {
  if (alerts.length < 2) return undefined;
  const keys = [...new Set(alerts.flatMap((a) => Object.keys(a.labels ?? {})))];
  return keys.sort(byIdentifyingRank).find((k) => new Set(alerts.map((a) => a.labels?.[k] ?? "")).size > 1);
}

/**
 * The digest's alert lines, in the order given: alerts of one name on one service in the same
 * state fold into one line ("KubePodCrashLooping ×2 on cart … — cart-7d9…, cart-a1b…"), and the
 * label that tells them apart is shown wherever the name repeats. Each line with how many alerts it holds.
 */
function alertLines(alerts: readonly DigestAlert[]): Array<{ line: string; count: number }> {
  const same = (a: DigestAlert) => `${a.name}\u0000${a.service ?? ""}`;
  const byName = new Map<string, DigestAlert[]>();
  for (const a of alerts) byName.set(same(a), [...(byName.get(same(a)) ?? []), a]);
  const groups = new Map<string, DigestAlert[]>();
  for (const a of alerts) {
    const k = `${same(a)}\u0000${a.status}\u0000${a.severity}`;
    groups.set(k, [...(groups.get(k) ?? []), a]);
  }
  return [...groups.values()].map((g) => {
    const a = g[0]!;
    const key = distinguishingLabel(byName.get(same(a)) ?? []);
    // First seen first, like the line's "since".
    const values = key
      ? [
          ...new Set(
            [...g]
              .sort((x, y) => x.since.localeCompare(y.since))
              .map((x) => x.labels?.[key])
              .filter((v): v is string => !!v),
          ),
        ]
      : [];
    const icon = a.status === "firing" ? ":red_circle:" : ":large_green_circle:";
    const flips = Math.max(...g.map((x) => x.flips));
    const flapping = flips >= 2 ? ` · flapping (${plural(flips, "flip")})` : "";
    const since = g.map((x) => x.since).sort()[0] ?? a.since;
    const which = values.length
      ? ` — ${values
          .slice(0, 4)
          .map((v) => code(shortValue(v)))
          .join(", ")}${values.length > 4 ? `, +${values.length - 4} more` : ""}`
      : "";
    const line = `${icon} *${escapeMrkdwn(a.name)}*${g.length > 1 ? ` ×${g.length}` : ""}${a.service ? ` on ${code(a.service)}` : ""} (${escapeMrkdwn(a.severity.toUpperCase())}) ${a.status === "firing" ? `firing since ${slackDate(since, "{time}")}` : "resolved"}${flapping}${which}`;
    return { line, count: g.length };
  });
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
    // "4 anomalies (2 over)" read as four of which two are over; six were listed.
    v.anomalies.length ? `${plural(live, "anomaly", "anomalies")}${v.anomalies.length > live ? ` going on, ${v.anomalies.length - live} over` : ""}` : "",
    v.changes.length ? plural(v.changes.length, "recent change") : "",
  ].filter(Boolean);
  const timeline = { type: "button" as const, text: { type: "plain_text" as const, text: "Timeline" }, action_id: ACTION.incidentTimeline, value: v.incidentId };
  if (v.mergedInto) {
    // cascading-failure walk: a merged incident's digest still showed its alert as firing, under a card
    // saying 0 firing / 0 total (the alerts had moved).
    const what = [alertCount ? plural(alertCount, "alert") : "", v.anomalies.length ? plural(v.anomalies.length, "anomaly", "anomalies") : "", v.changes.length ? plural(v.changes.length, "recent change") : ""].filter(Boolean);
    const moved = `merged into ${escapeMrkdwn(v.mergedInto)}: ${what.length ? what.join(", ") : "its signals"} went there; follow them in that thread`;
    return {
      text: fit(`What the signals show: ${moved}`, SLACK_LIMITS.sectionText),
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: fitSection(`:clipboard: *What the signals show* · ${moved}.`) } },
        { type: "actions", block_id: BLOCK.digestActions, elements: [timeline] },
      ],
    };
  }
  const blocks: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: fitSection(`:clipboard: *What the signals show*${summary.length ? ` · ${summary.join(" · ")}` : ""}`) } }];
  // Firing first, then the newest; anomalies still going on before those that are over.
  const alerts = [...v.alerts].sort((a, b) => (a.status === b.status ? b.since.localeCompare(a.since) : a.status === "firing" ? -1 : 1));
  const lines = alertLines(alerts);
  if (alerts.length)
    blocks.push(
      listSection(
        "*Alerts*",
        lines.map((l) => l.line),
        Math.max(alerts.length, alertCount),
        lines.map((l) => l.count),
      ),
    );
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
    elements: [timeline, ...(charts.length ? [{ type: "static_select" as const, action_id: ACTION.incidentChart, placeholder: { type: "plain_text" as const, text: "Chart a signal…" }, options: charts.map((c) => ({ text: { type: "plain_text" as const, text: c.label }, value: c.value })) }] : [])],
  });
  return { text: fit(`What the signals show: ${summary.join(", ") || "nothing yet"}`, SLACK_LIMITS.sectionText), blocks };
}
