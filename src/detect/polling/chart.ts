import type { TimeSeriesChartSpec } from "../../charts/time-series.ts";
import { utcClock } from "../../charts/time-series.ts";
import { axisUnitFor } from "../../charts/units.ts";
import type { ChangeEvent } from "../../domain/alert.ts";
import type { AnomalyFinding } from "../detection-service.ts";
import { formatSliValue, valueNow } from "./presenter.ts";

/**
 * The chart of a finding (pure): its series over a window that holds what normal looked like
 * before the anomaly and the anomaly itself, the usual range (baseline ± 3 spreads, where the
 * detector had one) shaded, the expected value dashed, the anomaly (since → at) in red, and the
 * deploys and config changes of the window as vertical lines. src/charts/render.ts draws it.
 */

const MIN = 60_000;

/**
 * The window of a chart: the anomaly and, before it, three times its length of normal (at least
 * 20 minutes, at most what the detector kept), so the anomaly is a quarter of the picture when its
 * history allows; the reporter draws it a few minutes into the anomaly, so it is not a sliver at the edge.
 */
export function chartWindow(points: ReadonlyArray<{ t: number }>, since: number, at: number): { from: number; to: number } {
  const first = points[0]?.t ?? since;
  const to = Math.max(at, points.at(-1)?.t ?? at);
  const span = Math.max(to - since, MIN);
  const before = Math.max(3 * span, 20 * MIN);
  return { from: Math.max(first, since - before), to };
}

function minutes(ms: number): string {
  const m = Math.round(ms / MIN);
  return m >= 120 ? `${Math.round(m / 60)} h` : `${m} min`;
}

/** "deploy inventory 2.3.0", "config checkout", "rollback cart 1.4.1". */
export function changeLabel(c: Pick<ChangeEvent, "kind" | "service" | "version">): string {
  const what = c.kind === "deploy" ? "" : `${c.kind} `;
  return `${what}${c.service}${c.version ? ` ${c.version}` : ""}`.slice(0, 40);
}

export function findingChartSpec(f: AnomalyFinding, o: { unit?: string; sliName?: string; changes?: readonly ChangeEvent[] } = {}): TimeSeriesChartSpec {
  const since = f.explanation.since ?? f.at;
  const window = chartWindow(f.points, since, f.at);
  const pts = f.points.filter((p) => p.t >= window.from && p.t <= window.to);
  const ok = (p: { baseline: number; spread: number }) => Number.isFinite(p.baseline) && Number.isFinite(p.spread);
  const values = pts.map((p) => p.value);
  const maxAbs = Math.max(0, ...values.filter(Number.isFinite).map(Math.abs), ...pts.filter(ok).map((p) => Math.abs(p.baseline) + 3 * p.spread));
  const signal = (o.sliName ?? f.sli).replace(/[-_]+/g, " ");
  const e = f.explanation;
  const now = valueNow({ ...f, points: pts });
  return {
    title: `${f.service} · ${signal}`,
    subtitle: `${minutes(window.to - window.from)} to ${utcClock(window.to)} UTC · anomaly since ${utcClock(since)} · now ${formatSliValue(now, o.unit)} vs ${formatSliValue(e.baseline, o.unit)} usual`,
    seriesName: signal,
    unit: axisUnitFor(o.unit, maxAbs),
    timestamps: pts.map((p) => p.t),
    values,
    band: { lower: pts.map((p) => (ok(p) ? p.baseline - 3 * p.spread : Number.NaN)), upper: pts.map((p) => (ok(p) ? p.baseline + 3 * p.spread : Number.NaN)) },
    expected: pts.map((p) => p.baseline),
    incident: { from: since, to: window.to, label: "anomaly" },
    markers: (o.changes ?? []).map((c) => ({ at: Date.parse(c.at), label: changeLabel(c) })).filter((m) => Number.isFinite(m.at)),
    window,
  };
}
