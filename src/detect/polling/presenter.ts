import type { SlackMessage } from "../../incident/presenter.ts";
import type { AnomalyFinding } from "../detection-service.ts";
import type { ResolvedSli, SliSource } from "../sli-config.ts";

/**
 * What an anomaly message in an incident thread says (pure). One message per anomaly episode,
 * edited in place when it worsens or ends; the chart is uploaded as a file reply after it.
 * Implemented with Block Kit in blocks/anomaly.ts and injected by the composition root; the plain
 * presenter below is the fallback.
 */
export interface AnomalyMessageView {
  incidentId: string;
  sli: Pick<ResolvedSli, "key" | "service" | "name" | "unit" | "direction" | "sensitivity" | "threshold" | "page" | "source">;
  /** The finding that reported the episode. */
  first: AnomalyFinding;
  /** The latest finding (an escalation, or the first). */
  latest: AnomalyFinding;
  /** Times it got clearly worse after the first report. */
  worsened: number;
  /** This anomaly opened the incident (a "detected" incident), rather than joining one. */
  opened: boolean;
  /** Already going on when this replica started polling (found in the warm-up history). */
  ongoing: boolean;
  /** Held back by quiet hours until then (epoch ms). */
  heldUntil?: number;
  /** When the series was back to normal (epoch ms). */
  resolvedAt?: number;
}

export interface AnomalyPresenter {
  /** The anomaly message: what, how far from normal, since when, how sure, whether it pages. */
  anomaly(view: AnomalyMessageView): SlackMessage;
  /** The comment posted with the chart file. */
  chartComment(view: AnomalyMessageView): string;
}

// ---- wording (shared with blocks/anomaly.ts) -------------------------------------------------

const RATIO_UNITS = new Set(["ratio", "fraction"]);
const PERCENT_UNITS = new Set(["percent", "%", "Percent"]);
const SECOND_UNITS = new Set(["seconds", "second", "s", "Seconds"]);
const MS_UNITS = new Set(["milliseconds", "ms", "Milliseconds"]);
const BYTE_UNITS = new Set(["bytes", "Bytes", "B"]);

function compact(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e9) return `${trim((v / 1e9).toFixed(2))}G`;
  if (a >= 1e6) return `${trim((v / 1e6).toFixed(2))}M`;
  if (a >= 1e4) return `${trim((v / 1e3).toFixed(1))}k`;
  if (a >= 100 || a === 0) return trim(v.toFixed(0));
  return trim(v.toPrecision(digits));
}

function trim(s: string): string {
  return s.includes(".") && !s.includes("e") ? s.replace(/\.?0+$/, "") : s;
}

function seconds(v: number): string {
  const a = Math.abs(v);
  if (a < 1) return `${compact(v * 1000)} ms`;
  if (a < 120) return `${compact(v)} s`;
  return `${compact(v / 60)} min`;
}

function bytes(v: number): string {
  const a = Math.abs(v);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1024 && i < units.length - 1 && a > 0) {
    x /= 1024;
    i++;
  }
  return `${compact(x)} ${units[i]}`;
}

/** A value of the SLI in its unit: 52.3 %, 850 ms, 412 MiB, 1.2k req/s. */
export function formatSliValue(v: number, unit: string | undefined): string {
  if (!Number.isFinite(v)) return "n/a";
  if (unit && RATIO_UNITS.has(unit)) return `${pct(v * 100)} %`;
  if (unit && PERCENT_UNITS.has(unit)) return `${pct(v)} %`;
  if (unit && SECOND_UNITS.has(unit)) return seconds(v);
  if (unit && MS_UNITS.has(unit)) return seconds(v / 1000);
  if (unit && BYTE_UNITS.has(unit)) return bytes(v);
  return unit ? `${compact(v)} ${unit}` : compact(v);
}

function pct(p: number): string {
  const a = Math.abs(p);
  return a >= 10 ? p.toFixed(1) : a >= 1 ? p.toFixed(2) : trim(p.toPrecision(2));
}

/** A signed difference in the SLI's unit (percentage points for ratios). */
export function formatSliDelta(d: number, unit: string | undefined): string {
  if (!Number.isFinite(d)) return "n/a";
  const sign = d > 0 ? "+" : d < 0 ? "−" : "±";
  const a = Math.abs(d);
  if (unit && RATIO_UNITS.has(unit)) return `${sign}${pct(a * 100)} pp`;
  if (unit && PERCENT_UNITS.has(unit)) return `${sign}${pct(a)} pp`;
  return `${sign}${formatSliValue(a, unit)}`;
}

/** A ± range around a value, in the SLI's unit (percentage points for ratios). */
export function formatSliSpread(v: number, unit: string | undefined): string {
  return Number.isFinite(v) ? formatSliDelta(Math.abs(v), unit).replace(/^[+±]/, "±") : "n/a";
}

/** What the deviation looks like, in words. */
export function describeKind(f: AnomalyFinding): string {
  const up = f.explanation.deviation >= 0;
  switch (f.explanation.kind) {
    case "drift":
      return up ? "climbing steadily" : "falling steadily";
    case "level-shift":
      return up ? "shifted up" : "shifted down";
    case "spike":
      return "spiked";
    case "dip":
      return "dipped";
    case "variance":
      return "more erratic than usual";
    case "flatline":
      return "flat (a stuck metric?)";
    case "seasonal":
      return up ? "higher than usual for this time" : "lower than usual for this time";
    default:
      return up ? "above normal" : "below normal";
  }
}

/** How the expected value was computed. */
export function describeModel(f: AnomalyFinding): string {
  const m = f.explanation.model;
  if (m === "daily") return "same time on previous days";
  if (m === "weekly") return "same time on previous weeks";
  return "recent median";
}

export function describeSource(source: SliSource): string {
  if (source.kind === "prometheus") return `PromQL \`${source.query}\` (step ${source.stepSeconds} s)`;
  const dims = source.dimensions.map((d) => `${d.name}=${d.value}`).join(", ");
  return `CloudWatch ${source.namespace} ${source.metricName}${dims ? ` (${dims})` : ""} ${source.stat}/${source.period} s`;
}

/** UTC HH:MM with Slack's date token, so Slack shows it in the reader's time zone. */
export function slackTime(ms: number): string {
  const d = new Date(ms);
  const hm = `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^{time}|${hm}>`;
}

export function durationWords(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min < 1) return "under a minute";
  if (min < 90) return `${min} min`;
  const h = min / 60;
  return h < 48 ? `${trim(h.toFixed(1))} h` : `${trim((h / 24).toFixed(1))} days`;
}

export function sensitivityWords(s: ResolvedSli["sensitivity"], threshold: number): string {
  return typeof s === "number" ? `threshold ${s}` : `${s} sensitivity, threshold ${threshold}`;
}

/** The facts of an anomaly as short lines (headline first). */
export function anomalyFacts(v: AnomalyMessageView): { headline: string; lines: string[]; status: string } {
  const f = v.latest;
  const e = f.explanation;
  const u = v.sli.unit;
  const value = f.points.length ? f.points[f.points.length - 1].value : e.baseline + e.deviation;
  const headline = `${v.sli.service} · ${v.sli.name}: ${formatSliValue(value, u)}, expected ${formatSliValue(e.baseline, u)} (${formatSliDelta(e.deviation, u)}), ${describeKind(f)}`;
  const since = v.first.explanation.since ?? v.first.at;
  const lines = [
    `*Since* ${slackTime(since)} (${durationWords(f.at - since)} before ${slackTime(f.at)})${v.ongoing ? ", already going on when polling started" : ""}`,
    `*Baseline* ${formatSliValue(e.baseline, u)} (${describeModel(f)}), normal range ${formatSliSpread(3 * e.spread, u)}; deviation ${formatSliDelta(e.deviation, u)} = ${Number.isFinite(e.z) ? `${e.z.toFixed(1)} spreads` : "n/a"}`,
    `*Score* ${f.score.toFixed(2)} ≥ ${f.threshold.toFixed(2)} (${sensitivityWords(v.sli.sensitivity, v.sli.threshold)}; feature ${e.feature ?? "n/a"})${v.worsened ? `, worsened ${v.worsened}× since first reported (${v.first.score.toFixed(2)})` : ""}`,
    `*Source* ${describeSource(v.sli.source).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}`,
  ];
  const paging = v.sli.page && !f.quiet ? "configured to page" : "does not page (anomalies page only with `page: true` in slis.yaml)";
  const held = v.heldUntil ? `; held during quiet hours until ${slackTime(v.heldUntil)}` : "";
  const status = v.resolvedAt
    ? `Back to normal at ${slackTime(v.resolvedAt)} (lasted ${durationWords(v.resolvedAt - since)}).`
    : `${v.opened ? "Opened this incident (detected before any alert)" : "Added to this incident"}; ${paging}${held}.`;
  return { headline, lines, status };
}

const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text: text.slice(0, 3000) } });

export const plainAnomalyPresenter: AnomalyPresenter = {
  anomaly(v) {
    const { headline, lines, status } = anomalyFacts(v);
    const text = `${v.resolvedAt ? "Anomaly over" : "Anomaly detected"}: ${headline}`;
    return { text: text.slice(0, 3000), blocks: [section(`*${text}*`), section(lines.join("\n")), section(status)] };
  },
  chartComment(v) {
    return `${v.sli.service} · ${v.sli.name}: the series, its expected band (baseline ± 3 spreads) and the anomaly in red`;
  },
};
