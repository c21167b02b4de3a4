import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { type TimeSeriesChartSpec, timeSeriesOption, axisLabel } from "./time-series.ts";
import type { AxisUnit } from "./units.ts";

/**
 * Draws thread charts with a kept charting library: ECharts renders the option to SVG on the
 * server (no DOM, no canvas), resvg turns the SVG into a PNG. Text is set in DejaVu Sans from the
 * `dejavu-fonts-ttf` package, with the machine's fonts left out, so a chart looks the same on every
 * machine (and has text at all on one without fonts).
 *
 * Both libraries are loaded on the first chart, not at start-up, on a worker thread: ECharts'
 * layout (20–80 ms) and resvg's PNG encoding (about 60 ms) are synchronous, so they run there and
 * the event loop only posts the spec and receives the PNG.
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
    return expandFontShorthand(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

/**
 * ECharts writes some labels (the time axis') with the CSS `font:` shorthand, which resvg does not
 * read (it drew them at its default size): spelled out as font-style/-weight/-size/-family.
 */
export function expandFontShorthand(svg: string): string {
  return svg.replace(/font:\s*([^";]+)/g, (whole, value: string) => {
    const tokens = value.trim().split(/\s+/);
    const sizeAt = tokens.findIndex((t) => /^\d+(\.\d+)?px$/.test(t));
    if (sizeAt < 0) return whole;
    const before = tokens.slice(0, sizeAt);
    const style = before.find((t) => t === "italic" || t === "oblique") ?? "normal";
    const weight = before.find((t) => /^(bold|bolder|lighter|\d{3})$/.test(t)) ?? "normal";
    const family = tokens.slice(sizeAt + 1).join(" ") || "sans-serif";
    return `font-style:${style};font-weight:${weight};font-size:${tokens[sizeAt]};font-family:${family}`;
  });
}

/** The chart as PNG, drawn on this thread (the worker's job; tests and the fallback call it too). */
export async function renderChartPngHere(spec: TimeSeriesChartSpec, size: ChartSize = {}): Promise<RenderedChart> {
  const e = await engineOnce();
  const svg = svgOf(e.echarts, spec, size);
  const ratio = Math.min(4, Math.max(1, size.pixelRatio ?? 2));
  const fonts = e.fontFiles.length ? { loadSystemFonts: false, fontFiles: e.fontFiles, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" } : { loadSystemFonts: true };
  const img = await e.resvg.renderAsync(svg, { fitTo: { mode: "zoom", value: ratio }, font: fonts, background: "#ffffff" });
  return { png: img.asPng(), width: img.width, height: img.height };
}

// ---- the chart worker ------------------------------------------------------------------------

interface Pending {
  resolve: (r: RenderedChart) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

let worker: Worker | undefined;
let workerBroken = false;
let nextId = 1;
const pending = new Map<number, Pending>();

function failAll(e: Error): void {
  for (const [id, p] of pending) {
    clearTimeout(p.timer);
    p.reject(e);
    pending.delete(id);
  }
}

function chartWorker(): Worker | undefined {
  if (workerBroken) return undefined;
  if (worker) return worker;
  try {
    const w = new Worker(new URL("./render-worker.ts", import.meta.url), { name: "charts" });
    w.unref(); // an idle chart worker never keeps the process alive
    w.on("message", (m: { id: number; png?: Uint8Array; width?: number; height?: number; error?: string }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error !== undefined || !m.png) p.reject(new ChartUnavailableError(m.error ?? "the chart worker answered without a PNG"));
      else p.resolve({ png: Buffer.from(m.png.buffer, m.png.byteOffset, m.png.byteLength), width: m.width ?? 0, height: m.height ?? 0 });
    });
    w.on("error", (e) => {
      worker = undefined;
      failAll(e);
    });
    w.on("exit", () => {
      worker = undefined;
      failAll(new Error("the chart worker stopped"));
    });
    worker = w;
    return w;
  } catch {
    workerBroken = true;
    return undefined;
  }
}

/**
 * The chart as PNG: 1000×500 laid out, drawn at 2x (2000×1000 pixels) unless told otherwise.
 * Drawn on a worker thread (layout, rasterising and PNG encoding take 100–200 ms of CPU, none of
 * it on the event loop); on this thread when no worker can run.
 */
export async function renderChartPng(spec: TimeSeriesChartSpec, size: ChartSize = {}, o: { timeoutMs?: number } = {}): Promise<RenderedChart> {
  const w = chartWorker();
  if (!w) return renderChartPngHere(spec, size);
  const id = nextId++;
  return new Promise<RenderedChart>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new ChartUnavailableError("the chart took too long to draw"));
    }, o.timeoutMs ?? 30_000);
    timer.unref();
    pending.set(id, { resolve, reject, timer });
    w.ref(); // kept alive while it has work
    w.postMessage({ id, spec, size });
  }).finally(() => {
    if (pending.size === 0) worker?.unref();
  });
}

/** Stops the chart worker (tests; a new one starts with the next chart). */
export async function stopChartWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await w.terminate();
}
