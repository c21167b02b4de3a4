import { Bitmap, hexColor } from "./bitmap.ts";
import type { Rgba } from "./bitmap.ts";
import { drawText, GLYPH_H, textWidth } from "./font.ts";
import { encodePng } from "./png.ts";

/**
 * A time-series line chart rendered to PNG (pure TypeScript + node:zlib), for posting a metric's
 * picture in an incident thread: the series, an optional baseline band (the detector's expected
 * range) and an optional highlighted anomaly region. Times are shown in UTC.
 */
export interface LineChartOptions {
  timestamps: readonly number[];
  values: readonly number[];
  title?: string;
  width?: number;
  height?: number;
  /** Expected range per point (NaN where unknown). */
  band?: { lower: readonly number[]; upper: readonly number[] };
  /** Expected value per point, drawn dashed. */
  baseline?: readonly number[];
  /** Anomaly region(s), epoch ms. */
  highlight?: TimeRegion | readonly TimeRegion[];
  /** A horizontal reference line, e.g. an alert threshold. */
  threshold?: { value: number; label?: string };
}

export interface TimeRegion {
  from: number;
  to: number;
}

const C = {
  text: hexColor("#333333"),
  muted: hexColor("#777777"),
  grid: hexColor("#e6e6e6"),
  axis: hexColor("#999999"),
  line: hexColor("#1f6feb"),
  band: hexColor("#2da44e", 48),
  baseline: hexColor("#2da44e", 200),
  highlight: hexColor("#cf222e", 40),
  highlightEdge: hexColor("#cf222e", 160),
  anomaly: hexColor("#cf222e"),
  threshold: hexColor("#bf8700", 220),
} satisfies Record<string, Rgba>;

const SCALE = 2;

function niceStep(span: number, ticks: number): number {
  const raw = span / Math.max(ticks, 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
}

/** Compact number for an axis label: 0.25, 12, 3.4k, 1.2M. */
export function formatValue(v: number): string {
  const a = Math.abs(v);
  const trim = (s: string) => (s.includes(".") ? s.replace(/\.?0+$/, "") : s);
  if (a >= 1e9) return `${trim((v / 1e9).toFixed(1))}G`;
  if (a >= 1e6) return `${trim((v / 1e6).toFixed(1))}M`;
  if (a >= 1e4) return `${trim((v / 1e3).toFixed(1))}k`;
  if (a >= 100 || a === 0) return trim(v.toFixed(0));
  if (a >= 1) return trim(v.toFixed(2));
  return trim(v.toPrecision(2));
}

const TIME_STEPS = [60e3, 300e3, 900e3, 1800e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3, 2 * 86400e3, 7 * 86400e3];

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function timeLabel(t: number, step: number): string {
  const d = new Date(t);
  const day = `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  if (step >= 86400e3) return day;
  return d.getUTCHours() === 0 && d.getUTCMinutes() === 0 ? day : hm;
}

function finiteRange(arrays: ReadonlyArray<readonly number[] | undefined>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    if (!a) continue;
    for (const v of a) {
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [lo, hi];
}

/** Render the chart and return the PNG bytes. */
export function renderLineChart(opts: LineChartOptions): Buffer {
  return encodePng(...rasterize(opts));
}

/** Render to a raw RGBA bitmap (exposed for tests and for composing). */
export function renderLineChartBitmap(opts: LineChartOptions): Bitmap {
  const [w, h, px] = rasterize(opts);
  const bmp = new Bitmap(w, h);
  bmp.pixels.set(px);
  return bmp;
}

/** Point i of a series; a missing point reads as NaN, which the drawing skips like any non-finite value. */
const at = (xs: readonly number[], i: number): number => xs[i] ?? Number.NaN;

function rasterize(opts: LineChartOptions): [number, number, Uint8Array] {
  const width = Math.max(120, Math.round(opts.width ?? 800));
  const height = Math.max(80, Math.round(opts.height ?? 320));
  const n = Math.min(opts.timestamps.length, opts.values.length);
  const ts = opts.timestamps.slice(0, n);
  const vs = opts.values.slice(0, n);
  const bmp = new Bitmap(width, height);

  let [lo, hi] = finiteRange([vs, opts.band?.lower, opts.band?.upper, opts.baseline]);
  if (opts.threshold && Number.isFinite(opts.threshold.value)) {
    lo = Math.min(lo, opts.threshold.value);
    hi = Math.max(hi, opts.threshold.value);
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-12) {
    const d = Math.abs(hi) > 0 ? Math.abs(hi) * 0.1 : 1;
    lo -= d;
    hi += d;
  }
  const step = niceStep(hi - lo, 4);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const yTicks: number[] = [];
  for (let v = lo; v <= hi + step * 1e-6; v += step) yTicks.push(Math.abs(v) < step * 1e-9 ? 0 : v);

  const glyphH = GLYPH_H * SCALE;
  const left = 10 + Math.max(...yTicks.map((v) => textWidth(formatValue(v), SCALE))) + 8;
  const top = opts.title ? 12 + glyphH + 10 : 12;
  const bottom = glyphH + 16;
  const right = 16;
  const pw = width - left - right;
  const ph = height - top - bottom;
  if (pw < 10 || ph < 10) return [width, height, bmp.pixels];

  let t0 = ts[0] ?? 0;
  let t1 = ts.at(-1) ?? 1;
  if (t1 <= t0) t1 = t0 + 60e3;
  const regions: readonly TimeRegion[] = !opts.highlight ? [] : "from" in opts.highlight ? [opts.highlight] : opts.highlight;
  for (const r of regions) {
    t0 = Math.min(t0, r.from);
    t1 = Math.max(t1, r.to);
  }
  const X = (t: number) => left + ((t - t0) / (t1 - t0)) * pw;
  const Y = (v: number) => top + (1 - (v - lo) / (hi - lo)) * ph;

  if (opts.title) drawText(bmp, opts.title.slice(0, Math.floor((width - 20) / (4 * SCALE))), 10, 12, C.text, SCALE);

  // Grid and y labels.
  for (const v of yTicks) {
    const y = Math.round(Y(v));
    for (let x = left; x <= left + pw; x++) bmp.blend(x, y, C.grid);
    const label = formatValue(v);
    drawText(bmp, label, left - 8 - textWidth(label, SCALE), y - glyphH / 2, C.muted, SCALE);
  }
  // X ticks.
  const span = t1 - t0;
  const tStep = TIME_STEPS.find((s) => span / s <= 8) ?? niceStep(span, 5);
  let lastLabelEnd = -Infinity;
  for (let t = Math.ceil(t0 / tStep) * tStep; t <= t1; t += tStep) {
    const x = Math.round(X(t));
    for (let y = top; y <= top + ph; y++) bmp.blend(x, y, C.grid);
    const label = timeLabel(t, tStep);
    const lw = textWidth(label, SCALE);
    const lx = Math.min(Math.max(x - lw / 2, left - 4), width - lw - 2);
    if (lx > lastLabelEnd + 8) {
      drawText(bmp, label, lx, top + ph + 8, C.muted, SCALE);
      lastLabelEnd = lx + lw;
    }
  }

  // Anomaly regions.
  for (const r of regions) {
    const xa = Math.max(left, X(r.from));
    const xb = Math.min(left + pw, Math.max(X(r.to), xa + 2));
    bmp.fillRect(xa, top, xb, top + ph, C.highlight);
    bmp.vspan(Math.round(xa), top, top + ph, C.highlightEdge);
  }

  // Gaps: a time step over 3x the median step breaks the line.
  const deltas: number[] = [];
  for (let i = 1; i < ts.length; i++) deltas.push(at(ts, i) - at(ts, i - 1));
  deltas.sort((a, b) => a - b);
  const medianStep = deltas[Math.floor(deltas.length / 2)];
  const gap = medianStep === undefined ? Infinity : Math.max(medianStep * 3, 1);

  // Baseline band, as filled columns between lower and upper.
  if (opts.band) {
    const { lower, upper } = opts.band;
    for (let i = 0; i + 1 < n; i++) {
      if (at(ts, i + 1) - at(ts, i) > gap) continue;
      const a = [at(lower, i), at(upper, i), at(lower, i + 1), at(upper, i + 1)] as const;
      if (!a.every(Number.isFinite)) continue;
      const xa = Math.round(X(at(ts, i)));
      const xb = Math.max(Math.round(X(at(ts, i + 1))), xa + 1);
      for (let x = xa; x < xb; x++) {
        const f = (x - xa) / (xb - xa);
        const yl = Y(a[0] + (a[2] - a[0]) * f);
        const yu = Y(a[1] + (a[3] - a[1]) * f);
        bmp.vspan(x, yu, yl, C.band);
      }
    }
  }
  if (opts.baseline) {
    const b = opts.baseline;
    for (let i = 0; i + 1 < n; i++) {
      if (at(ts, i + 1) - at(ts, i) > gap || !Number.isFinite(at(b, i)) || !Number.isFinite(at(b, i + 1))) continue;
      // Dashed: every other pair of segments, at pixel granularity.
      if (Math.floor(X(at(ts, i)) / 6) % 2 === 1) continue;
      bmp.line(X(at(ts, i)), Y(at(b, i)), X(at(ts, i + 1)), Y(at(b, i + 1)), C.baseline, 1.2);
    }
  }
  if (opts.threshold && Number.isFinite(opts.threshold.value)) {
    const y = Y(opts.threshold.value);
    for (let x = left; x <= left + pw; x += 8) bmp.line(x, y, Math.min(x + 4, left + pw), y, C.threshold, 1.2);
    if (opts.threshold.label) drawText(bmp, opts.threshold.label, left + 4, y - glyphH - 3, C.threshold, SCALE);
  }

  // Axes.
  for (let y = top; y <= top + ph; y++) bmp.blend(left, y, C.axis);
  for (let x = left; x <= left + pw; x++) bmp.blend(x, top + ph, C.axis);

  // The series: one polyline per run of finite, gap-free points.
  let run: number[] = [];
  const flush = () => {
    const [x, y] = run;
    if (run.length === 2 && x !== undefined && y !== undefined) bmp.fillRect(x - 1, y - 1, x + 1, y + 1, C.line);
    else if (run.length > 2) bmp.polyline(run, C.line, 1.6);
    run = [];
  };
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(at(vs, i)) || !Number.isFinite(at(ts, i))) {
      flush();
      continue;
    }
    if (i > 0 && at(ts, i) - at(ts, i - 1) > gap) flush();
    run.push(X(at(ts, i)), Y(at(vs, i)));
  }
  flush();

  // Points inside the anomaly region, drawn again in red on top.
  for (const { from, to } of regions) {
    run = [];
    for (let i = 0; i < n; i++) {
      const inside = at(ts, i) >= from && at(ts, i) <= to && Number.isFinite(at(vs, i));
      if (!inside || (i > 0 && at(ts, i) - at(ts, i - 1) > gap)) {
        if (run.length > 2) bmp.polyline(run, C.anomaly, 1.8);
        run = [];
      }
      if (inside) run.push(X(at(ts, i)), Y(at(vs, i)));
    }
    const [x, y] = run;
    if (run.length > 2) bmp.polyline(run, C.anomaly, 1.8);
    else if (run.length === 2 && x !== undefined && y !== undefined) bmp.fillRect(x - 1.5, y - 1.5, x + 1.5, y + 1.5, C.anomaly);
  }
  return [width, height, bmp.pixels];
}
