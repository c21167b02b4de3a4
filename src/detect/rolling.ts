import { itemAt } from "../domain/indexed.ts";
/** Values a window holds before it first grows. */
const INITIAL_SIZE = 64;

/**
 * Rolling windows over the last N finite numbers: a FIFO ring plus a sorted copy, so order
 * statistics (median, quantiles, MAD) cost O(log N) to find and O(N) memmove to maintain.
 */
export class SortedWindow {
  readonly capacity: number;
  // Allocated as the window fills (doubling up to the capacity): a detector holds windows of
  // thousands of values per series, most of them young (a first poll's backfill, a new series).
  private ring: Float64Array | Float32Array;
  private sorted: Float64Array | Float32Array;
  private head = 0;
  private n = 0;

  /** `compact` stores single-precision floats (half the memory; ranks are what matter). */
  constructor(capacity: number, compact = false) {
    if (!(capacity >= 1)) throw new RangeError("capacity must be >= 1");
    this.capacity = Math.floor(capacity);
    const size = Math.min(this.capacity, INITIAL_SIZE);
    this.ring = compact ? new Float32Array(size) : new Float64Array(size);
    this.sorted = compact ? new Float32Array(size) : new Float64Array(size);
  }

  /** Room for one more value before the window is full: until then the ring starts at 0 (head is 0). */
  private grow(): void {
    const size = Math.min(this.capacity, this.ring.length * 2);
    const ring = this.ring instanceof Float32Array ? new Float32Array(size) : new Float64Array(size);
    const sorted = this.sorted instanceof Float32Array ? new Float32Array(size) : new Float64Array(size);
    ring.set(this.ring.subarray(0, this.n));
    sorted.set(this.sorted.subarray(0, this.n));
    this.ring = ring;
    this.sorted = sorted;
  }

  get size(): number {
    return this.n;
  }

  /** Add a value, evicting the oldest when full. Non-finite values are ignored. */
  push(v: number): void {
    if (!Number.isFinite(v)) return;
    if (this.ring instanceof Float32Array) v = Math.fround(v);
    if (this.n === this.capacity) {
      const old = this.ringAt(this.head);
      const at = this.lowerBound(old);
      this.sorted.copyWithin(at, at + 1, this.n);
      this.n--;
      this.ring[this.head] = v;
      this.head = (this.head + 1) % this.capacity;
    } else {
      if (this.n === this.ring.length) this.grow();
      this.ring[(this.head + this.n) % this.capacity] = v;
    }
    const at = this.lowerBound(v);
    this.sorted.copyWithin(at + 1, at, this.n);
    this.sorted[at] = v;
    this.n++;
  }

  /** i-th oldest value (0 = oldest). */
  at(i: number): number {
    return this.ringAt((this.head + i) % this.capacity);
  }

  /**
   * Slot i of the ring / the sorted array. Callers index inside the buffers (modulo the capacity, or
   * below n), so the NaN fallback only stands for "no value" the way an empty window does.
   */
  private ringAt(i: number): number {
    return this.ring[i] ?? Number.NaN;
  }

  private sortedAt(i: number): number {
    return this.sorted[i] ?? Number.NaN;
  }

  /** Most recent value (NaN when empty). */
  last(): number {
    return this.n === 0 ? Number.NaN : this.at(this.n - 1);
  }

  /** Linear-interpolated quantile; NaN when empty. */
  quantile(q: number): number {
    if (this.n === 0) return Number.NaN;
    const pos = Math.min(Math.max(q, 0), 1) * (this.n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, this.n - 1);
    const a = this.sortedAt(lo);
    return a + (this.sortedAt(hi) - a) * (pos - lo);
  }

  median(): number {
    return this.quantile(0.5);
  }

  /** k-th smallest (0-based), no interpolation. */
  kth(k: number): number {
    return this.sortedAt(Math.min(Math.max(k, 0), this.n - 1));
  }

  /** Number of values >= x. */
  countAtLeast(x: number): number {
    return this.n - this.lowerBound(x);
  }

  /** Sum of the values >= x (walks the upper tail only). */
  sumAtLeast(x: number): number {
    let s = 0;
    for (let i = this.lowerBound(x); i < this.n; i++) s += this.sortedAt(i);
    return s;
  }

  clear(): void {
    this.n = 0;
    this.head = 0;
  }

  /** First index in the sorted array whose value is >= v. */
  private lowerBound(v: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sortedAt(mid) < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Median absolute deviation of the window's values around `center` (unscaled). O(N log N). */
export function madAround(w: SortedWindow, center: number): number {
  const n = w.size;
  if (n === 0) return Number.NaN;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = Math.abs(w.at(i) - center);
  d.sort();
  const pos = 0.5 * (n - 1);
  const lo = Math.floor(pos);
  const a = itemAt(d, lo);
  return a + (itemAt(d, Math.min(lo + 1, n - 1)) - a) * (pos - lo);
}
