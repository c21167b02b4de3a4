import { describe, expect, it } from "vitest";
import { DAY_MS, SeasonalNaive } from "../../src/detect/seasonal.ts";
import { MIN, T0 } from "./synth.ts";

const STEP = 5 * MIN;
const DAY = DAY_MS / STEP;

describe("SeasonalNaive forecast misses", () => {
  it("knows how far off it usually is at each phase of the day", () => {
    const s = new SeasonalNaive(DAY_MS, 3, STEP);
    // Misses of 8 in the afternoon (points 150..199 of the day), 1 otherwise, for three days.
    for (let i = 0; i < 3 * DAY; i++) s.addMiss(T0 + i * STEP, i % DAY >= 150 && i % DAY < 200 ? 8 : 1);
    expect(s.missAt(T0 + (3 * DAY + 170) * STEP)).toBe(8);
    expect(s.missAt(T0 + (3 * DAY + 50) * STEP)).toBe(1);
  });

  it("takes the median over the days, so one bad day does not excuse the next", () => {
    const s = new SeasonalNaive(DAY_MS, 3, STEP);
    for (let i = 0; i < 3 * DAY; i++) s.addMiss(T0 + i * STEP, i >= 2 * DAY && i % DAY >= 100 && i % DAY < 110 ? 500 : 2);
    expect(s.missAt(T0 + (3 * DAY + 105) * STEP)).toBe(2);
  });

  it("is unknown until misses are known near that phase", () => {
    const s = new SeasonalNaive(DAY_MS, 3, STEP);
    expect(s.missAt(T0)).toBeNaN();
    s.addMiss(T0, 3);
    // Twelve hours away from the only miss known: nothing to go on.
    expect(s.missAt(T0 + DAY_MS + DAY_MS / 2)).toBeNaN();
    s.addMiss(T0 - DAY_MS, 3);
    s.addMiss(T0 - 2 * DAY_MS, 3);
    expect(s.missAt(T0 + DAY_MS)).toBe(3);
    // Non-finite misses are ignored.
    s.addMiss(T0 + STEP, Number.NaN);
    expect(s.missAt(T0 + DAY_MS + STEP)).toBe(3);
  });
});
