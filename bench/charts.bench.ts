import { monitorEventLoopDelay } from "node:perf_hooks";
import { renderChartPng, renderChartPngHere, renderChartSvg } from "../src/charts/render.ts";
import type { TimeSeriesChartSpec } from "../src/charts/time-series.ts";
import { axisUnitFor } from "../src/charts/units.ts";

/**
 * Thread chart costs (`npm run bench -- charts`): a 1000×500 chart drawn at 2x (2000×1000 PNG)
 * with 360 points, the usual range, the expected line, the anomaly and two deploy markers.
 * - first chart: loading ECharts and resvg (they load on the first chart, not at start-up);
 * - layout to SVG (ECharts; on the chart worker in the product): median and p95 ms;
 * - whole chart on the chart worker (layout, rasterising, PNG), as the caller waits for it: median and p95 ms;
 * - the longest event-loop stall while 20 charts are drawn (what other requests wait at worst), and
 *   over as long a time with nothing drawn (the machine's own noise), and drawing on the event loop
 *   itself without the worker (what the worker saves);
 * - PNG size.
 */
export const name = "charts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 5, 12, 0);

function spec(): TimeSeriesChartSpec {
  const n = 360;
  const ts = Array.from({ length: n }, (_, i) => T0 + i * 30_000);
  const values = ts.map((_, i) => (i < 280 ? 0.12 + 0.01 * Math.sin(i / 7) : 0.12 + (i - 280) * 0.01));
  return {
    title: "checkout · p99 latency",
    subtitle: "3 h to 15:00 UTC · anomaly since 14:20 · now 920 ms vs 120 ms usual",
    seriesName: "p99 latency",
    unit: axisUnitFor("seconds", Math.max(...values)),
    timestamps: ts,
    values,
    band: { lower: ts.map(() => 0.09), upper: ts.map(() => 0.15) },
    expected: ts.map(() => 0.12),
    incident: { from: T0 + 280 * 30_000, to: T0 + (n - 1) * 30_000, label: "anomaly" },
    markers: [
      { at: T0 + 60 * MIN, label: "checkout 1.9.0" },
      { at: T0 + 136 * MIN, label: "inventory 2.3.0" },
    ],
  };
}

const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

export async function run(): Promise<Record<string, string | number>> {
  const s = spec();
  let t = performance.now();
  const first = await renderChartPng(s);
  const firstMs = performance.now() - t;

  const svgMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    await renderChartSvg(s);
    svgMs.push(performance.now() - t);
  }
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const totalMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    await renderChartPng(s);
    totalMs.push(performance.now() - t);
  }
  h.disable();
  // Drawn on the event loop itself (no worker), for comparison.
  const here = monitorEventLoopDelay({ resolution: 5 });
  here.enable();
  for (let i = 0; i < 20; i++) await renderChartPngHere(s);
  here.disable();
  // The same monitor over the same time with nothing drawn: what the machine's load alone causes.
  const drawMs = totalMs.reduce((a, b) => a + b, 0);
  const idle = monitorEventLoopDelay({ resolution: 5 });
  idle.enable();
  await new Promise((r) => setTimeout(r, drawMs));
  idle.disable();
  return {
    "first chart, libraries loading (ms)": Math.round(firstMs),
    "layout to SVG (ECharts, worker thread), median (ms)": pct(svgMs, 0.5).toFixed(1),
    "layout to SVG (ECharts, worker thread), p95 (ms)": pct(svgMs, 0.95).toFixed(1),
    "whole chart to PNG, median (ms)": pct(totalMs, 0.5).toFixed(1),
    "whole chart to PNG, p95 (ms)": pct(totalMs, 0.95).toFixed(1),
    "longest event-loop stall while drawing (ms)": (h.max / 1e6).toFixed(1),
    "longest event-loop stall, nothing drawn (ms)": (idle.max / 1e6).toFixed(1),
    "longest event-loop stall drawing without the worker (ms)": (here.max / 1e6).toFixed(1),
    "PNG size (pixels)": `${first.width}×${first.height}`,
    "PNG size (KiB)": Math.round(first.png.length / 1024),
  };
}
