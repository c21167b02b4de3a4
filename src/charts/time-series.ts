import { type AxisUnit, withUnit } from "./units.ts";

/**
 * What a thread chart shows (pure data, no rendering): one metric of one service over a window
 * that holds the time before the incident (what normal looked like) and the incident itself,
 * with the expected band, the expected value, deploy markers and the incident's span.
 * `timeSeriesOption` turns it into an ECharts option; src/charts/render.ts draws it.
 */
export interface TimeSeriesChartSpec {
  /** "checkout · p99 latency". */
  title: string;
  /** A second line under the title (window, time zone, what the shading means). */
  subtitle?: string;
  /** The series' name in the legend ("p99 latency"). */
  seriesName: string;
  unit: AxisUnit;
  /** Epoch ms, oldest first. */
  timestamps: readonly number[];
  /** Raw values (the metric's own unit; NaN is a gap). */
  values: readonly number[];
  /** The usual range per point (raw; NaN where unknown). */
  band?: { lower: readonly number[]; upper: readonly number[] };
  /** The expected value per point, or one value for the whole window (raw; NaN where unknown). */
  expected?: readonly number[] | number;
  /** The incident (or anomaly) span, shaded, with the series drawn red inside it. */
  incident?: { from: number; to: number; label: string };
  /** Deploys and other changes, as vertical lines. */
  markers?: ReadonlyArray<{ at: number; label: string }>;
  /** The x-axis range (default: the data's). */
  window?: { from: number; to: number };
}

export const CHART_COLORS = {
  series: "#1f6feb",
  incident: "#cf222e",
  incidentArea: "rgba(207,34,46,0.09)",
  band: "rgba(45,164,78,0.16)",
  expected: "#2da44e",
  marker: "#8250df",
  text: "#1f2328",
  muted: "#59636e",
  grid: "#e6e8eb",
} as const;

/** The font family the renderer ships (src/charts/render.ts loads it). */
export const CHART_FONT = "DejaVu Sans";

type Point = [number, number | null];

/** A legend mark for a line: a thin bar (ECharts fills path icons, scaled to the item box). */
const LINE_ICON = "path://M0,4.5h22v3H0z";

const num = (xs: readonly number[], i: number): number => xs[i] ?? Number.NaN;

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** "17:45" (UTC). */
export function utcClock(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}

/** The ECharts option of a spec: plain JSON (no functions), so it is easy to test and to log. */
export function timeSeriesOption(spec: TimeSeriesChartSpec): Record<string, unknown> {
  const s = spec.unit.scale;
  const n = Math.min(spec.timestamps.length, spec.values.length);
  const from = spec.window?.from ?? spec.timestamps[0] ?? 0;
  const to = spec.window?.to ?? spec.timestamps[n - 1] ?? from + 60_000;
  const idx: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = num(spec.timestamps, i);
    if (t >= from && t <= to) idx.push(i);
  }
  const scaled = (v: number): number | null => (Number.isFinite(v) ? v * s : null);
  const values: Point[] = idx.map((i) => [num(spec.timestamps, i), scaled(num(spec.values, i))]);
  const allNonNegative = values.every(([, v]) => v === null || v >= 0);

  const series: Record<string, unknown>[] = [];
  const legend: string[] = [spec.seriesName];

  // The usual range: the lower edge (invisible) and the width stacked on it, filled.
  if (spec.band) {
    const { lower, upper } = spec.band;
    const lo: Point[] = [];
    const width: Point[] = [];
    for (const i of idx) {
      const t = num(spec.timestamps, i);
      let l = num(lower, i) * s;
      const u = num(upper, i) * s;
      if (!Number.isFinite(l) || !Number.isFinite(u)) {
        lo.push([t, null]);
        width.push([t, null]);
        continue;
      }
      if (allNonNegative) l = Math.max(0, l);
      lo.push([t, l]);
      width.push([t, Math.max(0, u - l)]);
    }
    if (width.some(([, v]) => v !== null)) {
      const common = { type: "line", stack: "usual", stackStrategy: "all", symbol: "none", silent: true, connectNulls: false, z: 1 };
      series.push({ ...common, name: "usual-lower", data: lo, lineStyle: { opacity: 0 }, itemStyle: { color: CHART_COLORS.band } });
      series.push({ ...common, name: "usual range", data: width, lineStyle: { opacity: 0 }, areaStyle: { color: CHART_COLORS.band, opacity: 1 }, itemStyle: { color: CHART_COLORS.band } });
      legend.push("usual range");
    }
  }

  if (spec.expected !== undefined) {
    const e = spec.expected;
    const data: Point[] = typeof e === "number" ? (Number.isFinite(e) ? [[from, e * s] as Point, [to, e * s] as Point] : []) : idx.map((i) => [num(spec.timestamps, i), scaled(num(e, i))]);
    if (data.some(([, v]) => v !== null)) {
      series.push({ name: "expected", type: "line", data, symbol: "none", silent: true, z: 2, lineStyle: { color: CHART_COLORS.expected, width: 2, type: "dashed" }, itemStyle: { color: CHART_COLORS.expected } });
      legend.push("expected");
    }
  }

  const main: Record<string, unknown> = {
    name: spec.seriesName,
    type: "line",
    data: values,
    symbol: "none",
    connectNulls: false,
    z: 3,
    lineStyle: { color: CHART_COLORS.series, width: 2.5 },
    itemStyle: { color: CHART_COLORS.series },
  };
  const markLines: Record<string, unknown>[] = [];
  const markers = (spec.markers ?? []).filter((m) => m.at >= from && m.at <= to).slice(-6);
  // Labels side by side when the markers are far apart, else along the lines.
  const crowded = markers.some((m, i) => i > 0 && m.at - (markers[i - 1]?.at ?? -Infinity) < (to - from) * 0.14);
  for (const m of markers) {
    markLines.push({
      xAxis: m.at,
      name: m.label,
      lineStyle: { color: CHART_COLORS.marker, type: [6, 4], width: 1.5 },
      label: { formatter: m.label, color: CHART_COLORS.marker, fontSize: 14, ...(crowded ? { position: "insideEndTop", rotate: 90 } : { position: "end" }) },
    });
  }
  if (markLines.length) main.markLine = { symbol: "none", silent: true, animation: false, data: markLines };
  series.push(main);

  if (spec.incident && spec.incident.to >= from && spec.incident.from <= to) {
    const a = Math.max(from, spec.incident.from);
    const b = Math.min(to, Math.max(spec.incident.to, a));
    // The series again, red, from the last point before the incident (so the line joins up).
    let start = idx.findIndex((i) => num(spec.timestamps, i) >= a);
    if (start > 0) start--;
    const inside: Point[] = start < 0 ? [] : idx.slice(start).map((i) => [num(spec.timestamps, i), num(spec.timestamps, i) <= b ? scaled(num(spec.values, i)) : null]);
    series.push({
      name: spec.incident.label,
      type: "line",
      data: inside,
      symbol: "none",
      connectNulls: false,
      z: 4,
      lineStyle: { color: CHART_COLORS.incident, width: 3 },
      itemStyle: { color: CHART_COLORS.incident },
      markArea: {
        silent: true,
        itemStyle: { color: CHART_COLORS.incidentArea },
        label: { show: false },
        data: [[{ xAxis: a }, { xAxis: b }]],
      },
    });
    legend.push(spec.incident.label);
  }

  return {
    animation: false,
    useUTC: true,
    backgroundColor: "#ffffff",
    textStyle: { fontFamily: CHART_FONT, color: CHART_COLORS.text },
    title: {
      text: spec.title,
      left: 20,
      top: 12,
      textStyle: { fontSize: 22, fontWeight: "bold", color: CHART_COLORS.text, fontFamily: CHART_FONT },
      ...(spec.subtitle ? { subtext: spec.subtitle, itemGap: 6, subtextStyle: { fontSize: 15, color: CHART_COLORS.muted, fontFamily: CHART_FONT } } : {}),
    },
    legend: {
      data: legend.map((name) => ({ name, icon: name === "usual range" || name === spec.incident?.label ? "roundRect" : LINE_ICON })),
      right: 20,
      top: 18,
      itemWidth: 22,
      itemHeight: 12,
      itemGap: 20,
      textStyle: { fontSize: 14, color: CHART_COLORS.muted, fontFamily: CHART_FONT },
    },
    grid: { left: 20, right: 32, top: 96, bottom: 22, outerBoundsMode: "same", outerBoundsContain: "axisLabel" },
    xAxis: {
      type: "time",
      min: from,
      max: to,
      axisLine: { lineStyle: { color: "#8c959f" } },
      axisLabel: { fontSize: 15, color: CHART_COLORS.muted, hideOverlap: true, formatter: { year: "{yyyy}", month: "{MM}-{dd}", day: "{MM}-{dd}", hour: "{HH}:{mm}", minute: "{HH}:{mm}", second: "{HH}:{mm}:{ss}", millisecond: "{HH}:{mm}:{ss}" } },
      splitLine: { show: true, lineStyle: { color: CHART_COLORS.grid } },
    },
    yAxis: {
      type: "value",
      // From 0 for a non-negative metric (ECharts' default keeps 0 in view): the rise reads as it is.
      splitNumber: 5,
      axisLabel: { fontSize: 15, color: CHART_COLORS.muted, formatter: `{value}` },
      splitLine: { lineStyle: { color: CHART_COLORS.grid } },
    },
    series,
    /** Not an ECharts key: how to write the value axis' labels (render.ts turns it into a formatter). */
    aisreAxisUnit: spec.unit,
  };
}

/** The value-axis label of a value in the axis' unit. */
export function axisLabel(v: number, unit: AxisUnit): string {
  return withUnit(v, unit);
}
