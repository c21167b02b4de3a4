import { describe, expect, it } from "vitest";
import { RECENT_DELIVERY_KEYS, RecentKeys } from "../../src/webhooks/recent-keys.ts";

describe("recent delivery keys", () => {
  it("remember the last max to 2 × max keys: the older generation is dropped whole when the newer fills", () => {
    const keys = new RecentKeys(3);
    for (const k of ["a", "b", "c"]) keys.add(k);
    // The first generation filled: it became the older one, still remembered.
    expect(["a", "b", "c"].every((k) => keys.has(k))).toBe(true);
    for (const k of ["d", "e"]) keys.add(k);
    expect(["a", "b", "c", "d", "e"].every((k) => keys.has(k))).toBe(true);
    keys.add("f");
    // d, e, f filled the newer generation: a, b, c are forgotten.
    expect(["a", "b", "c"].some((k) => keys.has(k))).toBe(false);
    expect(["d", "e", "f"].every((k) => keys.has(k))).toBe(true);
    expect(keys.has("z")).toBe(false);
  });

  it("the doors keep at most 2 × RECENT_DELIVERY_KEYS keys, a bound of at most 20,000 (a key is ~200 bytes of heap)", () => {
    expect(RECENT_DELIVERY_KEYS).toBeLessThanOrEqual(10_000);
  });
});
