import { escapeText, slackDate } from "../../text/slack-markup.ts";
import type { AnomalyFinding } from "../detection-service.ts";
import type { ResolvedSli } from "../sli-config.ts";

/**
 * What the product says about an anomaly (pure): the anomaly itself is a line of the incident's
 * digest; the incident's first anomaly also gets a chart, whose comment is rendered here (Block Kit
 * wording in blocks/anomaly.ts, injected by the composition root; the plain presenter is the fallback).
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
  /** The comment posted with the chart file (the incident's first anomaly). */
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

/** Spreads from the usual beyond which a flat series is pinned at a new level rather than stuck at its own. */
const PINNED_Z = 4;

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
      // Flat far from the usual band is a value held at a limit (requests timing out, a full pool,
      // a saturated CPU), not a stuck exporter: the on-call engineer should not doubt the signal.
      if (Math.abs(f.explanation.z) >= PINNED_Z) return up ? "flat at a high level (a timeout or a limit?)" : "flat at a low level (stalled?)";
      return "flat (a stuck metric?)";
    case "seasonal":
      return up ? "higher than usual for this time" : "lower than usual for this time";
    default:
      return up ? "above normal" : "below normal";
  }
}

/**
 * The finding's value now: its newest point since the anomaly began (the chart's last point), else
 * the value it was found at. What a chart's comment says, so it reads the same number as the chart.
 */
export function valueNow(f: AnomalyFinding): number {
  const since = f.explanation.since ?? f.at;
  const last = f.points.findLast((p) => Number.isFinite(p.value) && p.t >= since);
  return last ? last.value : f.explanation.baseline + f.explanation.deviation;
}

/** UTC HH:MM with Slack's date token, so Slack shows it in the reader's time zone. */
export const slackTime = (ms: number): string => slackDate(ms, "{time}");

export const plainAnomalyPresenter: AnomalyPresenter = {
  chartComment(v) {
    const e = v.first.explanation;
    return escapeText(`${v.sli.service} ${v.sli.name}: ${formatSliValue(valueNow(v.first), v.sli.unit)} vs ${formatSliValue(e.baseline, v.sli.unit)} usual; the usual range is shaded green, the anomaly is red, deploys are dashed lines`);
  },
};
