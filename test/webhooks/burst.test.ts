import { describe, expect, it } from "vitest";
import { BURST, BurstGauge } from "../../src/webhooks/burst.ts";

describe("telling a burst at the webhook door", () => {
  const o = { perSecond: 100, windowMs: 100, calmMs: 500 }; // more than 10 in a 100 ms window

  it("is not in a burst at a storm's steady rate, only once a window holds more than the rate allows", () => {
    const g = new BurstGauge(o);
    // 10 a window (100/s), for 2 s: never a burst.
    for (let t = 0; t < 2000; t += 10) expect(g.arrive(t)).toBe(false);
    // 11 within one window: a burst from the 11th.
    const start = 2000;
    for (let i = 0; i < 10; i++) expect(g.arrive(start + i)).toBe(false);
    expect(g.arrive(start + 10)).toBe(true);
  });

  it("stays in the burst while windows are over the rate, and ends calmMs after the last one", () => {
    const g = new BurstGauge(o);
    for (let i = 0; i <= 10; i++) g.arrive(i);
    expect(g.inBurst(10)).toBe(true);
    expect(g.calmAt()).toBe(510);
    // A slow trickle does not prolong it.
    expect(g.arrive(300)).toBe(true);
    expect(g.calmAt()).toBe(510);
    expect(g.inBurst(509)).toBe(true);
    expect(g.inBurst(510)).toBe(false);
    expect(g.arrive(600)).toBe(false);
  });

  it("by default, a storm of a few hundred a second is no burst", () => {
    const g = new BurstGauge();
    const gapMs = 1000 / 400;
    for (let t = 0; t < 10_000; t += gapMs) expect(g.arrive(t)).toBe(false);
    expect(BURST.perSecond).toBeGreaterThan(400);
  });
});
