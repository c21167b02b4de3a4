import { describe, expect, it } from "vitest";
import { diagnose } from "../../src/diagnose/engine.ts";
import { avgAt5, rankOf } from "../../src/diagnose/evaluate.ts";
import { SOCK_SHOP, sockShopCases } from "../../src/diagnose/sockshop.ts";
import { itemAt } from "../../src/domain/indexed.ts";

describe("Sock Shop-style cases", () => {
  it("are the Sock Shop's services with a CPU hog or memory leak in one, without graph or symptom", () => {
    const cases = sockShopCases(1);
    expect(cases).toHaveLength(12);
    for (const c of cases) {
      expect(c.input.services.map((s) => s.service)).toEqual([...SOCK_SHOP.names]);
      expect(c.input.graph).toBeUndefined();
      expect(c.input.symptom).toBeUndefined();
      expect(
        itemAt(c.input.services, 0)
          .series.map((s) => s.metric)
          .sort(),
      ).toEqual(["container_cpu_usage", "http_request_duration_p95", "memory_working_set_bytes", "requests_total"]);
    }
    expect(new Set(cases.map((c) => c.answer))).toEqual(new Set(["carts", "catalogue", "orders", "payment", "user", "shipping"]));
    // Deterministic per seed.
    expect(itemAt(itemAt(itemAt(sockShopCases(1), 3).input.services, 2).series, 1).values).toEqual(itemAt(itemAt(itemAt(cases, 3).input.services, 2).series, 1).values);
  });

  it("keep Avg@5 >= 0.95", () => {
    const results = sockShopCases(2).map((c) => ({ id: c.id, answer: c.answer, ranking: diagnose({ ...c.input, options: { includeAll: true } }).hypotheses.map((h) => ({ service: h.service, confidence: h.confidence })) }));
    expect(avgAt5(results)).toBeGreaterThanOrEqual(0.95);
    expect(results.filter((r) => rankOf(r) === 1).length / results.length).toBeGreaterThanOrEqual(0.85);
  });
});
