import { describe, expect, it } from "vitest";
import { BoundedMemo } from "../../src/domain/bounded-memo.ts";

describe("BoundedMemo", () => {
  it("computes a key once, then answers from memory", () => {
    let calls = 0;
    const memo = new BoundedMemo<string, number>(10);
    const len = (s: string) => (calls++, s.length);
    expect(memo.get("abc", len)).toBe(3);
    expect(memo.get("abc", len)).toBe(3);
    expect(calls).toBe(1);
  });

  it("never holds more than its bound: when full it starts over", () => {
    const memo = new BoundedMemo<number, number>(3);
    for (let i = 0; i < 10; i++) memo.get(i, (x) => x * 2);
    expect(memo.size).toBeLessThanOrEqual(3);
    expect(memo.get(9, () => -1)).toBe(18);
  });

  it("remembers only what `keep` accepts", () => {
    let calls = 0;
    const memo = new BoundedMemo<string, string>(10, (s) => s.length <= 3);
    const up = (s: string) => (calls++, s.toUpperCase());
    memo.get("long string", up);
    memo.get("long string", up);
    memo.get("ok", up);
    memo.get("ok", up);
    expect(calls).toBe(3);
    expect(memo.size).toBe(1);
  });
});
