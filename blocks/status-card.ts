import type { KnownBlock } from "@slack/types";
import { slackDate } from "../src/text/slack-markup.ts";
import type { MetricReading, ServiceHealth } from "../src/assistant/service-health.ts";
import { ACTION, BLOCK } from "./ids.ts";
import { fit, fitHeader, fitSection, SLACK_LIMITS } from "./limits.ts";
import { escapeMrkdwn as esc, inlineCode, mentionUser, personRef } from "./mrkdwn.ts";

const ICON = { healthy: ":large_green_circle:", degraded: ":large_yellow_circle:", unhealthy: ":red_circle:", unknown: ":white_circle:" } as const;

const hhmm = (ms: number | string): string => slackDate(ms, "{time}");

function ago(iso: string, now: number): string {
  const m = Math.round((now - Date.parse(iso)) / 60_000);
  return m < 1 ? "just now" : m < 120 ? `${m} min ago` : m < 48 * 60 ? `${Math.round(m / 60)} h ago` : `${Math.round(m / 1440)} d ago`;
}

function value(r: MetricReading): string {
  if (r.unit === "ratio") return `${(r.now * 100).toFixed(r.now >= 0.1 ? 0 : 1)}%`;
  if (r.unit === "seconds") return r.now >= 1 ? `${r.now.toFixed(2)} s` : `${Math.round(r.now * 1000)} ms`;
  return `${r.now.toFixed(1)}/s`;
}

function base(r: MetricReading): string {
  return value({ ...r, now: r.baseline });
}

/** "30% :arrow_up: (baseline 0.6%)": the arrow when the last 10 minutes are far from the hour before. */
export function readingText(r: MetricReading | undefined): string {
  if (!r) return "no data";
  const up = r.baseline > 0 ? r.now / r.baseline : r.now > 0 ? Infinity : 1;
  const arrow = up >= 1.5 && r.now - r.baseline > (r.unit === "ratio" ? 0.005 : 0) ? " :arrow_up:" : up <= 0.67 && r.baseline - r.now > (r.unit === "ratio" ? 0.005 : 0) ? " :arrow_down:" : "";
  return `${value(r)}${arrow} (baseline ${base(r)})`;
}

function oneService(h: ServiceHealth, now: number, single: boolean): KnownBlock[] {
  const title = `${ICON[h.verdict] ?? ""} ${esc(h.service)}: ${esc(h.verdict)}`;
  const blocks: KnownBlock[] = [single ? { type: "header", text: { type: "plain_text", text: fitHeader(title), emoji: true } } : { type: "section", text: { type: "mrkdwn", text: `*${fit(title, 200)}*` } }];
  if (h.reasons.length) blocks.push({ type: "section", text: { type: "mrkdwn", text: fitSection(h.reasons.map((r) => `• ${esc(r)}`).join("\n")) } });
  const pods = h.pods ? `${h.pods.ready}/${h.pods.total} ready · ${h.pods.restarts} restart${h.pods.restarts === 1 ? "" : "s"}${h.pods.signals.length ? `\n${esc(h.pods.signals.slice(0, 3).join(", "))}` : ""}` : "no pods found";
  const oncall = h.oncall.length
    ? h.oncall
        .slice(0, 3)
        .map((p) => `${personRef(p)} (L${p.level})`)
        .join(", ")
    : "unknown";
  const field = (label: string, text: string) => ({ type: "mrkdwn" as const, text: fit(`*${label}*\n${text}`, SLACK_LIMITS.sectionFieldText) });
  blocks.push({
    type: "section",
    fields: [
      field("Pods", pods),
      field("Error rate", readingText(h.errorRate)),
      field(h.latencyP95?.label ? esc(h.latencyP95.label.replace(/^./, (c) => c.toUpperCase())) : "Latency p95", readingText(h.latencyP95)),
      field("CPU / memory (of limit)", `${h.cpu ? value(h.cpu) : "n/a"} / ${h.memory ? value(h.memory) : "n/a"}`),
      field("On call", oncall),
      field(
        "Open incidents",
        h.openIncidents.length
          ? h.openIncidents
              .slice(0, 3)
              .map((i) => `${inlineCode(i.id)} ${esc(i.severity.toUpperCase())} ${esc(i.title)}`)
              .join("\n")
          : "none",
      ),
    ],
  });
  const deploys = h.deploys.slice(0, 3).map((d) => `• ${esc(d.kind)} ${d.version ? `${inlineCode(d.version)} ` : ""}${ago(d.at, now)}${d.author ? ` by ${esc(d.author)}` : ""}${d.status && !/success/i.test(d.status) ? ` [${esc(d.status)}]` : ""}`);
  const upstream = h.dependencyChanges.slice(0, 3).map((d) => `• :point_right: ${esc(d.kind)} of *${esc(d.service)}* ${d.version ? `${inlineCode(d.version)} ` : ""}${ago(d.at, now)}${d.author ? ` by ${esc(d.author)}` : ""}`);
  const names = (xs: readonly string[]): string =>
    xs.length
      ? xs
          .slice(0, 8)
          .map((x) => inlineCode(x))
          .join(", ") + (xs.length > 8 ? ` and ${xs.length - 8} more` : "")
      : "none known";
  const detail = [`*Upstream (it calls)*: ${names(h.upstream ?? [])}\n*Downstream (calls it)*: ${names(h.downstream ?? [])}`, deploys.length ? `*Last changes (24 h)*\n${deploys.join("\n")}` : "*Last changes (24 h)*\nnone", upstream.length ? `*Changes to what it calls (2 h)*\n${upstream.join("\n")}` : ""]
    .filter(Boolean)
    .join("\n");
  blocks.push({ type: "section", text: { type: "mrkdwn", text: fitSection(detail) } });
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: fit(`As of ${hhmm(h.at)} (system clock) · now = last 3 min, baseline = the hour before${h.baselineBefore ? ` the open incident (before ${hhmm(h.baselineBefore)})` : ""}${h.gaps.length ? ` · :warning: gaps: ${esc(h.gaps.join("; "))}` : ""}`, 2000) }],
  });
  return blocks;
}

/** What the share button carries: enough to re-read the health when it is shared. */
export const shareValue = (kind: "status" | "oncall" | "runbook", arg: string): string => fit(`${kind}|${arg}`, SLACK_LIMITS.buttonValue);

export function parseShareValue(v: string | undefined): { kind: string; arg: string } | undefined {
  const i = (v ?? "").indexOf("|");
  return i > 0 ? { kind: v!.slice(0, i), arg: v!.slice(i + 1) } : undefined;
}

/** The share row under an ephemeral card. */
export function shareActions(value: string): KnownBlock {
  return {
    type: "actions",
    block_id: BLOCK.shareActions,
    elements: [{ type: "button", action_id: ACTION.shareInChannel, text: { type: "plain_text", text: "Share in channel" }, value }],
  };
}

/**
 * The `/aisre status` card: per service a verdict with its reasons, pods, error rate and latency
 * against baseline, CPU and memory, on-call, open incidents and the last deploys. Ephemeral cards
 * carry a "Share in channel" button; the shared copy names who shared it.
 */
export function statusCardMessage(hs: ServiceHealth[], o: { now: number; shareable?: boolean; sharedBy?: string }): { text: string; blocks: KnownBlock[] } {
  const single = hs.length === 1;
  const blocks: KnownBlock[] = [];
  if (!single) blocks.push({ type: "header", text: { type: "plain_text", text: fitHeader(esc(`Status of ${hs.map((h) => h.service).join(", ")}`)), emoji: true } });
  hs.forEach((h, i) => {
    if (i > 0) blocks.push({ type: "divider" });
    blocks.push(...oneService(h, o.now, single));
  });
  if (o.sharedBy) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `Shared by ${mentionUser(o.sharedBy)} via \`/aisre status\`` }] });
  if (o.shareable) blocks.push(shareActions(shareValue("status", hs.map((h) => h.service).join(","))));
  const text = esc(hs.map((h) => `${h.service}: ${h.verdict}${h.reasons.length ? ` (${h.reasons.slice(0, 2).join("; ")})` : ""}`).join(" · "));
  return { text: fit(text, 3000), blocks: blocks.slice(0, SLACK_LIMITS.blocksPerMessage) };
}
