import { describe, expect, it } from "vitest";
import { TokenBuckets } from "../../src/domain/token-buckets.ts";

describe("TokenBuckets", () => {
  it("lets the burst go, then one token per refill period, per key", () => {
    const b = new TokenBuckets({ burst: 2, refill: { tokens: 1, everyMs: 1000 } });
    expect(b.tryTake("a", 0)).toBe(0);
    expect(b.tryTake("a", 0)).toBe(0);
    expect(b.tryTake("a", 0)).toBe(1000);
    expect(b.tryTake("b", 0)).toBe(0);
    expect(b.waitMs("a", 500)).toBe(500);
    expect(b.waitMs("a", 500, 2)).toBe(1500);
    expect(b.tryTake("a", 1000)).toBe(0);
    // Never more than the burst, however long the key was idle.
    expect(b.waitMs("a", 100_000, 2)).toBe(0);
    expect(b.waitMs("a", 100_000, 3)).toBe(1000);
  });

  it("take goes below zero: the next waits are longer", () => {
    const b = new TokenBuckets({ burst: 1, refill: { tokens: 1, everyMs: 1000 } });
    b.take("a", 0);
    b.take("a", 0);
    expect(b.waitMs("a", 0)).toBe(2000);
  });

  it("a hold stops the key until its end; emptied, the bucket refills only after it", () => {
    const b = new TokenBuckets({ burst: 3, refill: { tokens: 1, everyMs: 1000 } });
    b.hold("a", 5000);
    expect(b.waitMs("a", 1000)).toBe(4000);
    expect(b.waitMs("b", 1000)).toBe(0);
    expect(b.waitMs("a", 5000)).toBe(0);
    b.hold("c", 5000);
    b.empty("c", 5000, 0);
    expect(b.tryTake("c", 5000)).toBe(1000);
    expect(b.tryTake("c", 6000)).toBe(0);
  });

  it("with no refill period, only holds limit", () => {
    const b = new TokenBuckets({ burst: 1, refill: { tokens: 1, everyMs: 0 } });
    for (let i = 0; i < 5; i++) expect(b.tryTake("a", 0)).toBe(0);
    b.hold("a", 10);
    expect(b.tryTake("a", 0)).toBe(10);
  });
});
