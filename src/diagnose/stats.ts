import { itemAt } from "../domain/indexed.ts";
/** Small robust-statistics helpers (pure, allocation-light). */

export function sortedFinite(values: readonly number[]): number[] {
  const out: number[] = [];
  for (const v of values) if (Number.isFinite(v)) out.push(v);
  return out.sort((a, b) => a - b);
}

/** Linear-interpolated quantile of an already sorted array; NaN when empty. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = Math.min(Math.max(q, 0), 1) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const a = itemAt(sorted, lo);
  return n === 1 ? a : a + (itemAt(sorted, hi) - a) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantileSorted(sortedFinite(values), 0.5);
}

/** Median absolute deviation (unscaled). */
export function mad(values: readonly number[], center: number): number {
  const dev: number[] = [];
  for (const v of values) if (Number.isFinite(v)) dev.push(Math.abs(v - center));
  return quantileSorted(
    dev.sort((a, b) => a - b),
    0.5,
  );
}

export function mean(values: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n === 0 ? Number.NaN : s / n;
}

/** Pearson correlation of paired arrays; undefined when either side has (almost) no variance. */
export function pearson(a: readonly number[], b: readonly number[]): number | undefined {
  const n = Math.min(a.length, b.length);
  if (n < 3) return undefined;
  const ma = mean(a.slice(0, n));
  const mb = mean(b.slice(0, n));
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = itemAt(a, i) - ma;
    const db = itemAt(b, i) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  const scaleA = Math.abs(ma) + Math.sqrt(saa / n);
  const scaleB = Math.abs(mb) + Math.sqrt(sbb / n);
  // Relative variance guard: a series flat to 1e-6 of its level carries no shape.
  if (saa <= (1e-6 * scaleA) ** 2 * n || sbb <= (1e-6 * scaleB) ** 2 * n) return undefined;
  return sab / Math.sqrt(saa * sbb);
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : Math.min(x, hi);
}

export function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
