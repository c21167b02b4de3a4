import { erfc } from "./tail.ts";
import type { DetectorOutput, OnlineDetector } from "./types.ts";

/**
 * NAB's windowedGaussian baseline: the score of a value is 1 - Q(|x - mean| / std), Q being the
 * normal tail probability, with mean and std over a sliding window of earlier values (6400 values,
 * advanced 100 at a time, as tuned for NAB). Kept as the comparison point for our detector.
 */
export class WindowedGaussianDetector implements OnlineDetector {
  private readonly windowSize: number;
  private readonly stepSize: number;
  private window: number[] = [];
  private stepBuffer: number[] = [];
  private mean = 0;
  private std = 1;
  // Welford accumulators while the window is filling (one value appended per step).
  private n = 0;
  private m2 = 0;

  constructor(opts: { windowSize?: number; stepSize?: number } = {}) {
    this.windowSize = opts.windowSize ?? 6400;
    this.stepSize = opts.stepSize ?? 100;
  }

  update(_timestampMs: number, value: number): DetectorOutput {
    if (!Number.isFinite(value)) {
      return { score: 0, explanation: { baseline: this.mean, deviation: Number.NaN, spread: this.std, z: 0, since: undefined, kind: "gap" } };
    }
    let score = 0;
    const z = (value - this.mean) / this.std;
    if (this.window.length > 0) score = 1 - normalTail(Math.abs(z));
    if (this.window.length < this.windowSize) {
      this.window.push(value);
      this.n++;
      const d = value - this.mean;
      this.mean += d / this.n;
      this.m2 += d * (value - this.mean);
      this.std = Math.sqrt(this.m2 / this.n) || 0.000001;
    } else {
      this.stepBuffer.push(value);
      if (this.stepBuffer.length === this.stepSize) {
        this.window = this.window.slice(this.stepSize).concat(this.stepBuffer);
        this.stepBuffer = [];
        this.refresh();
      }
    }
    return {
      score,
      explanation: {
        baseline: this.mean,
        deviation: value - this.mean,
        spread: this.std,
        z,
        since: undefined,
        kind: score > 0.99 ? (z > 0 ? "spike" : "dip") : "none",
      },
    };
  }

  /** Recompute over the whole window (after it slides). */
  private refresh(): void {
    let s = 0;
    for (const v of this.window) s += v;
    const m = s / this.window.length;
    let q = 0;
    for (const v of this.window) q += (v - m) * (v - m);
    this.mean = m;
    this.std = Math.sqrt(q / this.window.length) || 0.000001;
  }
}

/** Q(z) = P(X > z) for a standard normal, via erfc. */
export function normalTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}
