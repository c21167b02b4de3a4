import { describe, expect, it } from "vitest";
import { SeriesStore } from "../../../src/sandbox/sim/metrics/series-store.ts";

/** The values a store must answer, by brute force: every write kept, read back within the retention. */
class Reference {
  private readonly writes = new Map<string, Map<number, number>>();
  private readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = capacity;
  }
  set(series: string, step: number, value: number): void {
    const m = this.writes.get(series) ?? new Map<number, number>();
    m.set(step, value);
    this.writes.set(series, m);
  }
  at(series: string, step: number, head: number): number {
    if (step < Math.max(0, head - this.capacity + 1) || step > head) return Number.NaN;
    return this.writes.get(series)?.get(step) ?? Number.NaN;
  }
}

/** A deterministic pseudo-random sequence (no Math.random in tests that must replay). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("SeriesStore", () => {
  it("answers every step as a full ring would, while its buffers grow, across gaps, late series and wrap-around", () => {
    const capacity = 300;
    const store = new SeriesStore({ t0: 0, stepMs: 15_000, retentionSteps: capacity });
    const ref = new Reference(capacity);
    const random = rng(7);
    // Series that start at different steps (one after the ring has wrapped) and skip steps now and then.
    const plan = [
      { name: "a", from: 0, skip: 0 },
      { name: "b", from: 0, skip: 0.2 },
      { name: "c", from: 130, skip: 0.05 },
      { name: "d", from: 299, skip: 0 },
      { name: "e", from: 450, skip: 0.3 },
    ];
    for (let step = 0; step < 1000; step++) {
      store.beginStep(step);
      for (const p of plan) {
        // A long gap in b (longer than the buffer it had then), and one across the wrap-around in c.
        if (step < p.from || random() < p.skip || (p.name === "b" && step >= 40 && step < 200) || (p.name === "c" && step >= 280 && step < 330)) continue;
        const value = step * 10 + p.name.charCodeAt(0);
        store.set("m", { s: p.name }, value);
        ref.set(p.name, step, value);
      }
      if (step % 37 === 0 || step === 999) {
        for (const series of store.byName("m")) {
          const name = series.labels.s!;
          for (let at = step - capacity - 2; at <= step + 1; at++) expect(store.at(series, at), `${name} at ${at} (head ${step})`).toEqual(ref.at(name, at, step));
        }
      }
    }
  });

  it("holds a young series in a buffer the size of what it has written, not the whole retention", () => {
    const store = new SeriesStore({ t0: 0, stepMs: 15_000, retentionSteps: 3600 });
    for (let step = 0; step < 760; step++) {
      store.beginStep(step);
      store.set("m", { s: "x" }, step);
    }
    const [series] = store.byName("m");
    expect(series!.values.length).toBe(1024);
    expect(store.at(series!, 759)).toBe(759);
    for (let step = 760; step < 5000; step++) {
      store.beginStep(step);
      store.set("m", { s: "x" }, step);
    }
    expect(series!.values.length).toBe(3600);
    expect(store.at(series!, 4999)).toBe(4999);
    expect(store.at(series!, 5000 - 3600)).toBe(1400);
    expect(store.at(series!, 5000 - 3601)).toBeNaN();
  });
});
