import { itemAt } from "../domain/indexed.ts";
/**
 * Seasonal memory: the mean value per time bucket over a recent span (e.g. the last 3 days or
 * 2 weeks), in a ring indexed by absolute bucket number, so "the value at this time yesterday"
 * is one lookup and gaps simply leave empty buckets. The bucket width is a whole number of
 * sampling intervals and at least span / maxBuckets, which bounds memory whatever the poll rate;
 * buckets are aligned on the epoch, so with round intervals they start on round times.
 */
export class SlotRing {
  readonly bucketMs: number;
  private readonly cap: number;
  private readonly slot: Float64Array;
  private readonly sum: Float64Array;
  private readonly count: Uint32Array;

  constructor(spanMs: number, intervalMs: number, maxBuckets: number) {
    this.bucketMs = intervalMs * Math.max(1, Math.ceil(spanMs / maxBuckets / intervalMs));
    this.cap = Math.ceil(spanMs / this.bucketMs) + 2;
    this.slot = new Float64Array(this.cap).fill(Number.NaN);
    this.sum = new Float64Array(this.cap);
    this.count = new Uint32Array(this.cap);
  }

  add(t: number, v: number): void {
    const s = Math.floor(t / this.bucketMs);
    const i = ((s % this.cap) + this.cap) % this.cap;
    if (this.slot[i] !== s) {
      this.slot[i] = s;
      this.sum[i] = 0;
      this.count[i] = 0;
    }
    this.sum[i] = (this.sum[i] ?? 0) + v;
    this.count[i] = (this.count[i] ?? 0) + 1;
  }

  /** Mean of the bucket holding time t (or of a neighbour bucket when it is empty); NaN when unknown. */
  at(t: number): number {
    const s = Math.floor(t / this.bucketMs);
    const v = this.bucket(s);
    if (!Number.isNaN(v)) return v;
    const a = this.bucket(s - 1);
    const b = this.bucket(s + 1);
    if (Number.isNaN(a)) return b;
    if (Number.isNaN(b)) return a;
    return (a + b) / 2;
  }

  private bucket(s: number): number {
    const i = ((s % this.cap) + this.cap) % this.cap;
    const n = this.count[i] ?? 0;
    return this.slot[i] === s && n > 0 ? (this.sum[i] ?? 0) / n : Number.NaN;
  }
}

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** A seasonal-naive forecaster: the median of the same phase over the last `cycles` periods. */
export class SeasonalNaive {
  readonly periodMs: number;
  readonly cycles: number;
  private readonly ring: SlotRing;
  private readonly misses: SlotRing;
  private readonly buf: Float64Array;
  private readonly missBuf: Float64Array;

  constructor(periodMs: number, cycles: number, intervalMs: number, maxBuckets = 1024) {
    this.periodMs = periodMs;
    this.cycles = cycles;
    this.ring = new SlotRing(periodMs * cycles, intervalMs, maxBuckets);
    this.misses = new SlotRing(periodMs * cycles, intervalMs, maxBuckets);
    this.buf = new Float64Array(cycles);
    this.missBuf = new Float64Array(cycles * 11);
  }

  /** Remember how far off the forecast was at time t (absolute error). */
  addMiss(t: number, absError: number): void {
    if (Number.isFinite(absError)) this.misses.add(t, absError);
  }

  /**
   * Typical absolute forecast error around this phase of the cycle: the median over the last
   * `cycles` periods of the buckets within `halfWidth` buckets of t, so one bad day does not
   * excuse the next (NaN until known).
   */
  missAt(t: number, halfWidth = 2): number {
    const w = this.misses.bucketMs;
    const got = this.missBuf;
    let n = 0;
    for (let k = 1; k <= this.cycles; k++) {
      for (let j = -halfWidth; j <= halfWidth && n < got.length; j++) {
        const v = this.misses.at(t - k * this.periodMs + j * w);
        if (!Number.isNaN(v)) got[n++] = v;
      }
    }
    if (n < this.cycles) return Number.NaN;
    const a = got.subarray(0, n).sort();
    return n % 2 ? itemAt(a, n >> 1) : (itemAt(a, (n >> 1) - 1) + itemAt(a, n >> 1)) / 2;
  }

  /** Forecast for time t from earlier cycles; NaN until every one of the last `cycles` periods has data there. */
  predict(t: number): number {
    const b = this.buf;
    for (let k = 1; k <= this.cycles; k++) {
      const v = this.ring.at(t - k * this.periodMs);
      if (Number.isNaN(v)) return Number.NaN;
      // Insertion sort as we go (a handful of cycles).
      let j = k - 1;
      for (let prev = b[j - 1]; j > 0 && prev !== undefined && prev > v; prev = b[j - 1]) {
        b[j] = prev;
        j--;
      }
      b[j] = v;
    }
    const m = this.cycles;
    return (itemAt(b, (m - 1) >> 1) + itemAt(b, m >> 1)) / 2;
  }

  add(t: number, v: number): void {
    this.ring.add(t, v);
  }
}
