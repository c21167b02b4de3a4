import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { type TimeSeriesChartSpec, timeSeriesOption, axisLabel } from "./time-series.ts";
import type { AxisUnit } from "./units.ts";

/**
 * Draws thread charts with a kept charting library: ECharts renders the option to SVG on the
 * server (no DOM, no canvas), resvg turns the SVG into a PNG. Text is set in DejaVu Sans from the
 * `dejavu-fonts-ttf` package, with the machine's fonts left out, so a chart looks the same on every
 * machine (and has text at all on one without fonts).
 *
 * Both libraries are loaded on the first chart, not at start-up. ECharts' layout runs on the
 * event loop (about 20–30 ms for a 1000×500 chart); the rasterisation runs on libuv's thread pool
 * (resvg's renderAsync), so the loop is free while the PNG is made.
 */
export interface ChartSize {
  /** CSS pixels of the layout (default 1000×500). */
  width?: number;
  height?: number;
  /** Device pixels per CSS pixel of the PNG (default 2: a 2000×1000 image, sharp on Retina). */
  pixelRatio?: number;
}

export interface RenderedChart {
  png: Buffer;
  /** PNG size in pixels. */
  width: number;
  height: number;
}

/** The chart libraries could not be loaded (a missing native binary): post the words without the picture. */
export class ChartUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ChartUnavailableError";
  }
}

type EChartsCore = typeof import("echarts/core");
type Resvg = typeof import("@resvg/resvg-js");
interface Engine {
  echarts: EChartsCore;
  resvg: Resvg;
  fontFiles: string[];
}

let engine: Promise<Engine> | undefined;

const require = createRequire(import.meta.url);

/** The bundled font files (regular and bold), or none when the package is missing. */
export function chartFontFiles(): string[] {
  const out: string[] = [];
  for (const f of ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]) {
    try {
      const path = require.resolve(`dejavu-fonts-ttf/ttf/${f}`);
      if (existsSync(path)) out.push(path);
    } catch {
      // not installed: fall back to the machine's fonts below
    }
  }
  return out;
}

async function load(): Promise<Engine> {
  try {
    const [echarts, charts, components, renderers, resvg] = await Promise.all([import("echarts/core"), import("echarts/charts"), import("echarts/components"), import("echarts/renderers"), import("@resvg/resvg-js")]);
    echarts.use([charts.LineChart, components.GridComponent, components.TitleComponent, components.LegendComponent, components.MarkLineComponent, components.MarkAreaComponent, renderers.SVGRenderer]);
    return { echarts, resvg, fontFiles: chartFontFiles() };
  } catch (e) {
    throw new ChartUnavailableError(`chart libraries unavailable: ${(e as Error).message}`, { cause: e });
  }
}

function engineOnce(): Promise<Engine> {
  engine ??= load().catch((e: unknown) => {
    engine = undefined;
    throw e;
  });
  return engine;
}

/** The chart as SVG (CSS pixels). */
export async function renderChartSvg(spec: TimeSeriesChartSpec, size: ChartSize = {}): Promise<string> {
  const { echarts } = await engineOnce();
  return svgOf(echarts, spec, size);
}

function svgOf(echarts: EChartsCore, spec: TimeSeriesChartSpec, size: ChartSize): string {
  const width = Math.max(320, Math.round(size.width ?? 1000));
  const height = Math.max(200, Math.round(size.height ?? 500));
  const { aisreAxisUnit, ...option } = timeSeriesOption(spec);
  const unit = aisreAxisUnit as AxisUnit;
  const yAxis = option.yAxis as { axisLabel: Record<string, unknown> };
  yAxis.axisLabel = { ...yAxis.axisLabel, formatter: (v: number) => axisLabel(v, unit) };
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The chart as PNG: 1000×500 laid out, drawn at 2x (2000×1000 pixels) unless told otherwise. */
export async function renderChartPng(spec: TimeSeriesChartSpec, size: ChartSize = {}): Promise<RenderedChart> {
  const e = await engineOnce();
  const svg = svgOf(e.echarts, spec, size);
  const ratio = Math.min(4, Math.max(1, size.pixelRatio ?? 2));
  const fonts = e.fontFiles.length ? { loadSystemFonts: false, fontFiles: e.fontFiles, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" } : { loadSystemFonts: true };
  const img = await e.resvg.renderAsync(svg, { fitTo: { mode: "zoom", value: ratio }, font: fonts, background: "#ffffff" });
  return { png: img.asPng(), width: img.width, height: img.height };
}
