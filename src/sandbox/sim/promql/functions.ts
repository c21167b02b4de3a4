import { PromQLError } from "./ast.ts";
import { type RangeSeries, type Sample, withoutName } from "./values.ts";

/** Prometheus' extrapolated rate/increase/delta over the samples of one range. */
export function extrapolatedRate(points: Array<[number, number]>, rangeStart: number, rangeEnd: number, isCounter: boolean, isRate: boolean): number | undefined {
  if (points.length < 2) return undefined;
  const first = points[0]!;
  const last = points.at(-1)!;
  let result = last[1] - first[1];
  if (isCounter) {
    let prev = first[1];
    for (const [, v] of points) {
      if (v < prev) result += prev;
      prev = v;
    }
  }
  let durationToStart = (first[0] - rangeStart) / 1000;
  const durationToEnd = (rangeEnd - last[0]) / 1000;
  const sampled = (last[0] - first[0]) / 1000;
  const avg = sampled / (points.length - 1);
  if (isCounter && result > 0 && first[1] >= 0) {
    const toZero = sampled * (first[1] / result);
    if (toZero < durationToStart) durationToStart = toZero;
  }
  const threshold = avg * 1.1;
  let interval = sampled;
  interval += durationToStart < threshold ? durationToStart : avg / 2;
  interval += durationToEnd < threshold ? durationToEnd : avg / 2;
  result *= interval / sampled;
  if (isRate) result /= (rangeEnd - rangeStart) / 1000;
  return result;
}

function linearRegression(points: Array<[number, number]>, interceptTime: number): { slope: number; intercept: number } {
  let n = 0;
  let sumX = 0;
  let sumY = 0;
  let sumXY = 0;
  let sumX2 = 0;
  for (const [t, v] of points) {
    const x = (t - interceptTime) / 1000;
    n++;
    sumX += x;
    sumY += v;
    sumXY += x * v;
    sumX2 += x * x;
  }
  const cov = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = varX === 0 ? 0 : cov / varX;
  return { slope, intercept: sumY / n - (slope * sumX) / n };
}

/** Functions over a range vector: one output sample per input series. */
export function rangeFunction(name: string, series: RangeSeries[], t: number, range: number, arg?: number): Sample[] {
  const out: Sample[] = [];
  for (const s of series) {
    const p = s.points;
    if (p.length === 0) continue;
    let v: number | undefined;
    const vals = p.map((x) => x[1]);
    switch (name) {
      case "rate":
      case "increase":
      case "delta":
        v = extrapolatedRate(p, t - range, t, name !== "delta", name === "rate");
        break;
      case "irate":
      case "idelta": {
        if (p.length < 2) break;
        const [a, b] = [p.at(-2)!, p.at(-1)!];
        const d = name === "irate" && b[1] < a[1] ? b[1] : b[1] - a[1];
        v = name === "irate" ? d / ((b[0] - a[0]) / 1000) : d;
        break;
      }
      case "deriv":
        if (p.length >= 2) v = linearRegression(p, p[0]![0]).slope;
        break;
      case "predict_linear":
        if (p.length >= 2) {
          const { slope, intercept } = linearRegression(p, t);
          v = intercept + slope * (arg ?? 0);
        }
        break;
      case "avg_over_time":
        v = vals.reduce((a, b) => a + b, 0) / vals.length;
        break;
      case "sum_over_time":
        v = vals.reduce((a, b) => a + b, 0);
        break;
      case "min_over_time":
        v = Math.min(...vals);
        break;
      case "max_over_time":
        v = Math.max(...vals);
        break;
      case "count_over_time":
        v = vals.length;
        break;
      case "last_over_time":
        v = vals.at(-1);
        break;
      case "present_over_time":
        v = 1;
        break;
      case "stddev_over_time":
      case "stdvar_over_time": {
        const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
        const variance = vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length;
        v = name === "stddev_over_time" ? Math.sqrt(variance) : variance;
        break;
      }
      case "quantile_over_time":
        v = quantile(arg ?? 0.5, vals);
        break;
      case "changes":
      case "resets": {
        let n = 0;
        for (let i = 1; i < vals.length; i++) if (name === "changes" ? vals[i] !== vals[i - 1] : vals[i]! < vals[i - 1]!) n++;
        v = n;
        break;
      }
      default:
        throw new PromQLError(`unknown function ${name}`);
    }
    if (v === undefined) continue;
    const keepName = name === "last_over_time";
    out.push({ labels: keepName ? s.labels : withoutName(s.labels), v });
  }
  return out;
}

export const RANGE_FUNCTIONS = new Set([
  "rate",
  "increase",
  "delta",
  "irate",
  "idelta",
  "deriv",
  "predict_linear",
  "avg_over_time",
  "sum_over_time",
  "min_over_time",
  "max_over_time",
  "count_over_time",
  "last_over_time",
  "present_over_time",
  "stddev_over_time",
  "stdvar_over_time",
  "quantile_over_time",
  "changes",
  "resets",
]);

export function quantile(q: number, values: number[]): number {
  if (values.length === 0) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const w = rank - lo;
  return sorted[lo]! * (1 - w) + sorted[hi]! * w;
}

/** Prometheus' bucketQuantile over classic histogram buckets (`le` label). */
export function histogramQuantile(q: number, samples: Sample[]): Sample[] {
  const groups = new Map<string, { labels: Record<string, string>; buckets: Array<{ le: number; count: number }> }>();
  for (const s of samples) {
    const le = s.labels.le;
    if (le === undefined) continue;
    const { le: _le, ...rest } = withoutName(s.labels);
    const key = Object.keys(rest)
      .sort()
      .map((k) => `${k}=${rest[k]}`)
      .join(",");
    const g = groups.get(key) ?? { labels: rest, buckets: [] };
    g.buckets.push({ le: le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), count: s.v });
    groups.set(key, g);
  }
  const out: Sample[] = [];
  for (const g of groups.values()) {
    const b = g.buckets.sort((x, y) => x.le - y.le);
    for (let i = 1; i < b.length; i++) if (b[i]!.count < b[i - 1]!.count) b[i]!.count = b[i - 1]!.count;
    let v: number;
    if (q < 0) v = Number.NEGATIVE_INFINITY;
    else if (q > 1) v = Number.POSITIVE_INFINITY;
    else if (b.length < 2 || b.at(-1)!.le !== Number.POSITIVE_INFINITY) v = Number.NaN;
    else {
      const total = b.at(-1)!.count;
      if (total === 0) v = Number.NaN;
      else {
        const rank = q * total;
        let i = b.findIndex((x) => x.count >= rank);
        if (i === b.length - 1) v = b[b.length - 2]!.le;
        else if (i === 0 && b[0]!.le <= 0) v = b[0]!.le;
        else {
          if (i < 0) i = b.length - 1;
          const start = i === 0 ? 0 : b[i - 1]!.le;
          const before = i === 0 ? 0 : b[i - 1]!.count;
          const inBucket = b[i]!.count - before;
          v = inBucket === 0 ? b[i]!.le : start + (b[i]!.le - start) * ((rank - before) / inBucket);
        }
      }
    }
    out.push({ labels: g.labels, v });
  }
  return out;
}

/** Element-wise math functions on an instant vector. */
export const MATH: Record<string, (v: number) => number> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sqrt: Math.sqrt,
  sgn: Math.sign,
};
