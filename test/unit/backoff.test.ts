import { describe, expect, it } from "vitest";
import { backoffMs } from "../../src/domain/backoff.ts";

describe("backoffMs (the one exponential backoff)", () => {
  it("doubles from the base and stops at the cap", () => {
    expect([0, 1, 2, 3, 4].map((a) => backoffMs(a, { baseMs: 500, maxMs: 4_000 }))).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
  });

  it("jitters into [½, 1] of the wait when given a random number", () => {
    expect(backoffMs(2, { baseMs: 500, maxMs: 60_000, random: 0 })).toBe(1_000);
    expect(backoffMs(2, { baseMs: 500, maxMs: 60_000, random: 0.5 })).toBe(1_500);
    expect(backoffMs(2, { baseMs: 500, maxMs: 60_000, random: 0.999 })).toBe(1_999);
  });
});
