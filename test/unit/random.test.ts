import { describe, expect, it } from "vitest";
import { Rng, rng } from "../../src/domain/random.ts";

// The sequences the simulation's Rng and the diagnosis' rng produced before they became one
// generator: seeded worlds, synthetic cases and fuzz runs replay exactly as they did.
describe("the one seeded generator", () => {
  it("keeps the sequences of seed 42 (class and bare function alike)", () => {
    const r = new Rng(42);
    expect([r.next(), r.next(), r.int(1000), r.uuid()]).toEqual([0.6011037519201636, 0.44829055899754167, 852, "a2849d73-eb43-4a90-ad09-0402c802d7c5"]);
    const f = rng(42);
    expect([f(), f(), f()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  it("gives seed 0 a sequence of its own, and different seeds different sequences", () => {
    expect(new Rng(0).next()).toBe(0.3588899802416563);
    expect(new Rng(1).next()).not.toBe(new Rng(2).next());
  });

  it("draws ints, picks and characters within their ranges", () => {
    const r = new Rng(7);
    for (let i = 0; i < 500; i++) {
      const n = r.int(5);
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThan(5);
      expect(["a", "b"]).toContain(r.pick(["a", "b"]));
    }
    expect(r.hex(12)).toMatch(/^[0-9a-f]{12}$/);
    expect(r.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(() => r.pick([])).toThrow(RangeError);
  });
});
