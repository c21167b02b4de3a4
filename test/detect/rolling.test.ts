import { describe, expect, it } from "vitest";
import { madAround, SortedWindow } from "../../src/detect/rolling.ts";
import { Rng } from "../../src/domain/random.ts";

/** The last `capacity` finite values, by brute force. */
function naive(values: number[], capacity: number, compact: boolean): number[] {
  const finite = values.filter(Number.isFinite).map((v) => (compact ? Math.fround(v) : v));
  return finite.slice(Math.max(0, finite.length - capacity));
}

describe("SortedWindow", () => {
  it("holds the last N finite values in order and sorted, while it grows to its capacity and after", () => {
    const rng = new Rng(7);
    for (const capacity of [1, 5, 64, 65, 200, 1000]) {
      for (const compact of [false, true]) {
        const w = new SortedWindow(capacity, compact);
        const pushed: number[] = [];
        for (let i = 0; i < capacity * 2 + 70; i++) {
          const v = i % 37 === 0 ? Number.NaN : Math.round(rng.normal() * 1000) / 10;
          w.push(v);
          pushed.push(v);
          if (i % 13 !== 0 && i < capacity * 2 + 60) continue;
          const want = naive(pushed, capacity, compact);
          expect(w.size).toBe(want.length);
          expect(Array.from({ length: w.size }, (_, k) => w.at(k))).toEqual(want);
          const sorted = [...want].sort((a, b) => a - b);
          expect(Array.from({ length: w.size }, (_, k) => w.kth(k))).toEqual(sorted);
          expect(w.last()).toBe(want.at(-1) ?? Number.NaN);
          expect(w.countAtLeast(0)).toBe(want.filter((x) => x >= 0).length);
          const d = want.map((x) => Math.abs(x)).sort((a, b) => a - b);
          const pos = 0.5 * (d.length - 1);
          const lo = Math.floor(pos);
          expect(madAround(w, 0)).toBe(d.length === 0 ? Number.NaN : d[lo]! + (d[Math.min(lo + 1, d.length - 1)]! - d[lo]!) * (pos - lo));
        }
      }
    }
  });

  it("clear empties it; it fills again", () => {
    const w = new SortedWindow(100);
    for (let i = 0; i < 150; i++) w.push(i);
    w.clear();
    expect(w.size).toBe(0);
    for (let i = 0; i < 120; i++) w.push(-i);
    expect(w.size).toBe(100);
    expect(w.at(0)).toBe(-20);
    expect(w.kth(0)).toBe(-119);
    expect(w.median()).toBeCloseTo(-69.5);
  });
});
