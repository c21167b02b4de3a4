import { describe, expect, it } from "vitest";
import { chartFontFiles, expandFontShorthand, renderChartPng, renderChartPngHere, renderChartSvg } from "../../src/charts/render.ts";
import { type TimeSeriesChartSpec, timeSeriesOption } from "../../src/charts/time-series.ts";
import { axisUnitFor, withUnit } from "../../src/charts/units.ts";
import { itemAt } from "../../src/domain/indexed.ts";
import { decodePng, type DecodedPng } from "../support/png.ts";

const T0 = Date.UTC(2026, 11, 5, 17, 0);
const STEP = 30_000;
const N = 120;
const INCIDENT_AT = 80;
const DEPLOY_AT = 72;
const ts = Array.from({ length: N }, (_, i) => T0 + i * STEP);
/** p99 latency in seconds: about 120 ms, then climbing to about 1 s. */
const values = ts.map((_, i) => (i < INCIDENT_AT ? 0.12 + 0.006 * Math.sin(i / 4) : 0.12 + (i - INCIDENT_AT) * 0.021));

function spec(over: Partial<TimeSeriesChartSpec> = {}): TimeSeriesChartSpec {
  return {
    title: "checkout · p99 latency",
    subtitle: "60 min to 17:59 UTC · anomaly since 17:40",
    seriesName: "p99 latency",
    unit: axisUnitFor("seconds", Math.max(...values)),
    timestamps: ts,
    values,
    band: { lower: ts.map(() => 0.1), upper: ts.map(() => 0.14) },
    expected: ts.map(() => 0.12),
    incident: { from: itemAt(ts, INCIDENT_AT), to: itemAt(ts, N - 1), label: "anomaly" },
    markers: [{ at: itemAt(ts, DEPLOY_AT), label: "inventory 2.3.0" }],
    ...over,
  };
}

type Rgba = [number, number, number, number];
const isLineRed = ([r, g, b]: Rgba) => r > 150 && g < 90 && b < 100;
const isLineBlue = ([r, g, b]: Rgba) => b > 180 && r < 90 && b - g > 60;
const isShadedPink = ([r, g, b]: Rgba) => r > 235 && r - g > 12 && r - b > 8 && g > 200;
const isBandGreen = ([r, g, b]: Rgba) => g > 200 && g - r > 12 && g - b > 6;
const isMarkerPurple = ([r, g, b]: Rgba) => b > 180 && r > 100 && r < 170 && g < 120;
/** Text (dark grey), not the coloured lines. */
const isDark = ([r, g, b]: Rgba) => r + g + b < 3 * 130 && Math.max(r, g, b) - Math.min(r, g, b) < 40;

/** Columns (x) where some pixel matches. */
function columns(d: DecodedPng, match: (p: Rgba) => boolean, rows: [number, number] = [0, d.height]): number[] {
  const out: number[] = [];
  for (let x = 0; x < d.width; x++) {
    for (let y = rows[0]; y < rows[1]; y++) {
      if (match(d.pixel(x, y))) {
        out.push(x);
        break;
      }
    }
  }
  return out;
}

function rowsAt(d: DecodedPng, x: number, match: (p: Rgba) => boolean): number[] {
  const out: number[] = [];
  for (let y = 0; y < d.height; y++) if (match(d.pixel(x, y))) out.push(y);
  return out;
}

function count(d: DecodedPng, match: (p: Rgba) => boolean, box: { x0: number; x1: number; y0: number; y1: number }): number {
  let n = 0;
  for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) if (match(d.pixel(x, y))) n++;
  return n;
}

describe("thread chart (ECharts → SVG → resvg PNG)", () => {
  // The default chart, rendered on the worker once for the tests that read it (a render and a
  // decode take most of a second here); a test that needs another chart renders its own.
  let rendered: ReturnType<typeof renderChartPng> | undefined;
  const defaultChart = () => (rendered ??= renderChartPng(spec()));
  let decoded: Promise<DecodedPng> | undefined;
  const defaultDecoded = () => (decoded ??= defaultChart().then((r) => decodePng(r.png)));

  it("ships its own font, so text never depends on the machine's", () => {
    const files = chartFontFiles();
    expect(files.map((f) => f.split("/").pop())).toEqual(["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]);
  });

  it("is a valid PNG of 2000×1000 by default (1000×500 laid out at 2x), and of the size asked", async () => {
    const big = await defaultChart();
    const d = await defaultDecoded();
    expect([d.width, d.height]).toEqual([2000, 1000]);
    expect([big.width, big.height]).toEqual([2000, 1000]);
    expect(d.chunks[0]).toBe("IHDR");
    expect(d.chunks.at(-1)).toBe("IEND");
    const small = decodePng((await renderChartPng(spec(), { width: 800, height: 400, pixelRatio: 1 })).png);
    expect([small.width, small.height]).toEqual([800, 400]);
    expect(() => decodePng(big.png.subarray(0, big.png.length - 20))).toThrow();
  });

  it("shows the anomaly as a red line over a shaded span a third of the plot wide, after normal history in blue", async () => {
    const d = await defaultDecoded();
    const pink = columns(d, isShadedPink);
    const red = columns(d, isLineRed);
    const blue = columns(d, isLineBlue);
    expect(pink.length).toBeGreaterThan(0);
    const [pinkFrom, pinkTo] = [Math.min(...pink), Math.max(...pink)];
    // 39 of the 119 steps of the window: about a third of the plot, far from a sliver.
    expect((pinkTo - pinkFrom) / d.width).toBeGreaterThan(0.25);
    expect((pinkTo - pinkFrom) / d.width).toBeLessThan(0.4);
    // The red line is inside the span (it starts one point before, to join the blue line)…
    expect(red.length).toBeGreaterThan(0.2 * d.width);
    expect(Math.min(...red)).toBeGreaterThan(pinkFrom - 40);
    // …and the normal history before it is blue, on most of the width.
    expect(blue.filter((x) => x < pinkFrom).length).toBeGreaterThan(0.4 * d.width);
    // Higher values higher up: the end of the climb is above the flat history.
    const histY = rowsAt(d, Math.round(pinkFrom * 0.5), isLineBlue);
    const endY = rowsAt(d, pinkTo - 6, isLineRed);
    expect(histY.length).toBeGreaterThan(0);
    expect(endY.length).toBeGreaterThan(0);
    expect(Math.max(...endY)).toBeLessThan(Math.min(...histY) - 0.4 * d.height);
  });

  it("shades the usual range, and marks the deploy before the anomaly", async () => {
    const d = await defaultDecoded();
    const pinkFrom = Math.min(...columns(d, isShadedPink));
    expect(columns(d, isBandGreen).filter((x) => x < pinkFrom).length).toBeGreaterThan(0.4 * d.width);
    const purple = columns(d, isMarkerPurple);
    expect(purple.length).toBeGreaterThan(0);
    // The dashed line sits 8 steps before the anomaly; its label is written around it.
    const line = columns(d, isMarkerPurple, [Math.round(d.height * 0.4), Math.round(d.height * 0.8)]);
    expect(line.length).toBeGreaterThan(0);
    expect(Math.max(...line)).toBeLessThan(pinkFrom);
    const without = decodePng((await renderChartPng(spec({ markers: [] }))).png);
    expect(columns(without, isMarkerPurple).length).toBe(0);
  });

  it("writes the title and the axis labels (text renders with the bundled font, not empty)", async () => {
    const titled = await defaultDecoded();
    const untitled = decodePng((await renderChartPng(spec({ title: "", subtitle: "" }))).png);
    const titleBox = { x0: 0, x1: 900, y0: 0, y1: 80 };
    expect(count(titled, isDark, titleBox)).toBeGreaterThan(2000);
    expect(count(untitled, isDark, titleBox)).toBe(0);
    // Value-axis labels in the left margin, time labels along the bottom.
    expect(count(titled, isDark, { x0: 0, x1: 200, y0: 200, y1: 950 })).toBeGreaterThan(500);
    expect(count(titled, isDark, { x0: 200, x1: 2000, y0: 900, y1: 1000 })).toBeGreaterThan(500);
  });

  it("labels the value axis in the metric's unit and the time axis in UTC", async () => {
    const svg = await renderChartSvg(spec());
    expect(svg).toContain("checkout · p99 latency");
    expect(svg).toMatch(/>\s*\d+ ms\s*</);
    expect(svg).toContain(">17:30<");
    expect(svg).toContain("inventory 2.3.0");
    const pct = await renderChartSvg(spec({ unit: axisUnitFor("ratio", 0.3), values: ts.map((_, i) => (i < 80 ? 0.01 : 0.3)), band: undefined, expected: undefined }));
    expect(pct).toMatch(/>\s*\d+%\s*</);
    const rps = await renderChartSvg(spec({ unit: axisUnitFor("keys/s", 5000), values: ts.map(() => 4200), band: undefined, expected: undefined }));
    expect(rps).toMatch(/>\s*[\d.]+k? keys\/s\s*</);
  });

  it("draws on the worker thread exactly what it draws here (deterministic: bundled font, no system fonts)", async () => {
    const [onWorker, here] = await Promise.all([defaultChart(), renderChartPngHere(spec())]);
    expect(onWorker.png.equals(here.png)).toBe(true);
    expect(here.png.length).toBeGreaterThan(10_000);
  });

  it("spells out the CSS font shorthand ECharts writes for time labels (resvg ignores it)", async () => {
    expect(expandFontShorthand('<text style="font: normal bold 15px DejaVu Sans" y="1">17:00</text>')).toBe('<text style="font-style:normal;font-weight:bold;font-size:15px;font-family:DejaVu Sans" y="1">17:00</text>');
    expect(await renderChartSvg(spec())).not.toMatch(/font:\s/);
  });

  it("draws an empty or gappy series without throwing", async () => {
    const gappy = values.map((v, i) => (i % 10 < 3 ? Number.NaN : v));
    expect(decodePng((await renderChartPng(spec({ values: gappy }))).png).width).toBe(2000);
    expect(decodePng((await renderChartPng(spec({ timestamps: [], values: [], band: undefined, expected: undefined, incident: undefined, markers: [] }))).png).height).toBe(1000);
  });
});

describe("chart option (pure)", () => {
  it("stacks the usual range on its lower edge (strategy 'all', so a negative edge still works)", () => {
    const o = timeSeriesOption(spec({ band: { lower: ts.map(() => -1), upper: ts.map(() => 1) }, unit: { scale: 1, suffix: "" }, values: ts.map(() => -0.5) }));
    const series = o.series as Array<{ name: string; stack?: string; stackStrategy?: string; data: Array<[number, number | null]> }>;
    const lower = series.find((s) => s.name === "usual-lower");
    const width = series.find((s) => s.name === "usual range");
    expect(lower?.stack).toBe("usual");
    expect(width?.stackStrategy).toBe("all");
    expect(lower?.data[0]?.[1]).toBe(-1);
    expect(width?.data[0]?.[1]).toBe(2);
  });

  it("scales values into the axis unit, turns NaN into gaps, and keeps a non-negative band at 0 or above", () => {
    const o = timeSeriesOption(spec({ values: [0.5, Number.NaN, 0.7], timestamps: ts.slice(0, 3), band: { lower: [-0.1, 0.1, Number.NaN], upper: [0.2, 0.3, 0.4] }, incident: undefined, markers: [] }));
    const series = o.series as Array<{ name: string; data: Array<[number, number | null]> }>;
    const main = series.find((s) => s.name === "p99 latency");
    expect(main?.data.map((p) => p[1])).toEqual([500, null, 700]);
    expect(series.find((s) => s.name === "usual-lower")?.data.map((p) => p[1])).toEqual([0, 100, null]);
  });

  it("marks changes inside the window only, and names the incident in the legend", () => {
    const o = timeSeriesOption(
      spec({
        markers: [
          { at: T0 - 3_600_000, label: "old" },
          { at: itemAt(ts, DEPLOY_AT), label: "inventory 2.3.0" },
        ],
      }),
    );
    const main = (o.series as Array<{ name: string; markLine?: { data: Array<{ name: string; xAxis: number }> } }>).find((s) => s.name === "p99 latency");
    expect(main?.markLine?.data.map((m) => m.name)).toEqual(["inventory 2.3.0"]);
    const legend = (o.legend as { data: Array<{ name: string }> }).data.map((l) => l.name);
    expect(legend).toEqual(["p99 latency", "usual range", "expected", "anomaly"]);
    expect(o.useUTC).toBe(true);
  });
});

describe("axis units", () => {
  it("picks the unit an engineer reads: %, ms or s, MiB, req/s, keys/s", () => {
    expect(axisUnitFor("ratio", 0.4)).toEqual({ scale: 100, suffix: "%" });
    expect(axisUnitFor("percent", 40)).toEqual({ scale: 1, suffix: "%" });
    expect(axisUnitFor("seconds", 0.9)).toEqual({ scale: 1000, suffix: "ms" });
    expect(axisUnitFor("seconds", 4)).toEqual({ scale: 1, suffix: "s" });
    expect(axisUnitFor("ms", 250)).toEqual({ scale: 1, suffix: "ms" });
    expect(axisUnitFor("bytes", 600 * 1024 ** 2).suffix).toBe("MiB");
    expect(axisUnitFor("req/s", 1200)).toEqual({ scale: 1, suffix: "req/s" });
    expect(axisUnitFor("keys/s", 1200)).toEqual({ scale: 1, suffix: "keys/s" });
    expect(axisUnitFor(undefined, 3)).toEqual({ scale: 1, suffix: "" });
    expect(withUnit(40, { scale: 100, suffix: "%" })).toBe("40%");
    expect(withUnit(12_500, { scale: 1, suffix: "req/s" })).toBe("12.5k req/s");
  });
});
