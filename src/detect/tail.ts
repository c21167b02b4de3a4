import { SortedWindow } from "./rolling.ts";

/**
 * How surprising a value of a non-negative feature is, given that feature's own recent history:
 * -ln p, p being the empirical probability of a value at least this large (Laplace-smoothed).
 * Beyond the largest value seen, the tail is extrapolated as exponential with the scale of the
 * top of the history (max minus the k-th largest, over ln(k+1)), or as a power law (the same on
 * a log scale, Hill's estimator) when that is more cautious, so "twice the worst so far" is far
 * more surprising than "just above it" without every record of a heavy-tailed metric alarming. Self-calibrating per series: a pattern that recurs
 * (a nightly batch spike) stops being surprising once the history holds a few of it.
 */
export class TailModel {
  private readonly w: SortedWindow;
  private readonly topK: number;
  readonly minHistory: number;

  constructor(capacity: number, opts: { topK?: number; minHistory?: number; compact?: boolean } = {}) {
    this.w = new SortedWindow(capacity, opts.compact ?? true);
    this.topK = opts.topK ?? 10;
    this.minHistory = opts.minHistory ?? 20;
  }

  get size(): number {
    return this.w.size;
  }

  push(x: number): void {
    this.w.push(x);
  }

  clear(): void {
    this.w.clear();
  }

  /** -ln p(X >= x); 0 until `minHistory` values are held. `floorScale` bounds the extrapolation scale from below. */
  surprise(x: number, floorScale: number): number {
    const n = this.w.size;
    if (n < this.minHistory || !Number.isFinite(x)) return 0;
    const max = this.w.kth(n - 1);
    if (x <= max) return -Math.log((this.w.countAtLeast(x) + 1) / (n + 1));
    const k = Math.min(this.topK, n - 1);
    const kth = this.w.kth(n - 1 - k);
    const lnK = Math.log(k + 1);
    const scale = Math.max((max - kth) / lnK, floorScale, 1e-300);
    let beyond = (x - max) / scale;
    if (kth > 0) {
      // Heavy (power-law) tails: the same extrapolation on a log scale (Hill), and the more
      // cautious of the two, so that a latency-like tail does not make every record an alarm.
      const logScale = Math.log(max / kth) / lnK;
      if (logScale > 0) beyond = Math.min(beyond, Math.log(x / max) / logScale);
    }
    return Math.log(n + 1) + beyond;
  }
}

/** -ln(2 Q(|z|)): the two-sided Gaussian surprise of a z-score (asymptotic form past |z| = 5). */
export function gaussianSurprise(z: number): number {
  const a = Math.abs(z);
  if (!Number.isFinite(a)) return Number.POSITIVE_INFINITY;
  if (a < 5) return -Math.log(Math.max(erfc(a / Math.SQRT2), 1e-300));
  // ln(1 / (2Q(a))) ~ a^2/2 + ln(a) + ln(sqrt(pi/2)) (Mills ratio).
  return (a * a) / 2 + Math.log(a) + 0.5 * Math.log(Math.PI / 2);
}

/** Complementary error function (Chebyshev fit as in Numerical Recipes' erfcc; fractional error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
