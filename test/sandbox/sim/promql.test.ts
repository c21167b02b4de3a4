import { describe, expect, it } from "vitest";
import { SeriesStore } from "../../../src/sandbox/sim/metrics/series-store.ts";
import { Evaluator } from "../../../src/sandbox/sim/promql/eval.ts";
import { parsePromQL } from "../../../src/sandbox/sim/promql/parse.ts";

const T0 = 1_700_000_000_000;

/** 41 steps of 15 s: a counter growing 10/s for a and 2/s for b, a histogram, gauges. */
function store(): SeriesStore {
  const s = new SeriesStore({ t0: T0, stepMs: 15_000, retentionSteps: 100 });
  for (let i = 0; i <= 40; i++) {
    s.beginStep(i);
    s.set("req_total", { service: "a", code: "200" }, i * 150);
    s.set("req_total", { service: "a", code: "500" }, i * 15);
    s.set("req_total", { service: "b", code: "200" }, i * 30);
    for (const [le, share] of [
      ["0.1", 0.5],
      ["0.5", 0.9],
      ["1", 0.99],
      ["+Inf", 1],
    ] as const)
      s.set("lat_bucket", { service: "a", le }, i * 100 * share);
    s.set("mem", { pod: "p1", service: "a" }, 100 + i);
    s.set("limit", { pod: "p1", service: "a" }, 200);
    s.set("mem", { pod: "p2", service: "a" }, 50);
    s.set("limit", { pod: "p2", service: "a" }, 200);
  }
  return s;
}

const at = T0 + 40 * 15_000;

function vec(q: string): Array<{ labels: Record<string, string>; v: number }> {
  const v = new Evaluator(store()).instant(q, at);
  if (v.kind !== "vector") throw new Error(`expected vector, got ${v.kind}`);
  return v.samples;
}

describe("PromQL subset", () => {
  it("parses selectors, functions, aggregations with by before or after, binary ops with matching", () => {
    expect(parsePromQL('sum by (service) (rate(x{a="b",c=~"d|e"}[5m]))')).toMatchObject({ type: "agg", op: "sum", grouping: ["service"] });
    expect(parsePromQL("sum(rate(x[1m])) by (a)")).toMatchObject({ type: "agg", grouping: ["a"] });
    expect(parsePromQL("a / on (pod) group_left (node) b")).toMatchObject({ type: "binary", op: "/", matching: { on: true, labels: ["pod"], group: "left", include: ["node"] } });
    expect(parsePromQL("max_over_time(rate(x[1m])[10m:1m])")).toMatchObject({ type: "call", args: [{ type: "subquery", range: 600_000, step: 60_000 }] });
    expect(() => parsePromQL("sum(rate(x[5m])")).toThrow();
    expect(() => parsePromQL('{a=""}')).toThrow(/non-empty matcher/);
  });

  it("rate, sum by, ratios", () => {
    const r = vec("sum by (service) (rate(req_total[5m]))");
    expect(Object.fromEntries(r.map((s) => [s.labels.service, s.v]))).toEqual({ a: 11, b: 2 });
    const ratio = vec('sum by (service) (rate(req_total{code=~"5.."}[5m])) / sum by (service) (rate(req_total[5m]))');
    expect(ratio).toHaveLength(1);
    expect(ratio[0]!.v).toBeCloseTo(1 / 11, 6);
    expect(vec('increase(req_total{service="b"}[1m])')[0]!.v).toBeCloseTo(120, 6);
  });

  it("histogram_quantile interpolates within buckets", () => {
    const q = vec("histogram_quantile(0.95, sum by (service, le) (rate(lat_bucket[5m])))");
    expect(q[0]!.labels).toEqual({ service: "a" });
    expect(q[0]!.v).toBeCloseTo(0.5 + 0.5 * (0.05 / 0.09), 6);
  });

  it("comparisons filter, bool returns 0/1, and/unless with on()", () => {
    expect(vec("mem / limit > 0.5").map((s) => s.labels.pod)).toEqual(["p1"]);
    expect(
      vec("mem / limit > bool 0.5")
        .map((s) => s.v)
        .sort(),
    ).toEqual([0, 1]);
    expect(vec('mem > 60 and on (pod) limit{pod="p1"}').map((s) => s.labels.pod)).toEqual(["p1"]);
    expect(vec("mem unless on (pod) mem > 60").map((s) => s.labels.pod)).toEqual(["p2"]);
    expect(vec("topk(1, mem)")[0]!.labels.pod).toBe("p1");
    expect(vec('predict_linear(mem{pod="p1"}[5m], 3600)')[0]!.v).toBeCloseTo(140 + 3600 / 15, 3);
  });

  it("range queries evaluate on the step grid", () => {
    const series = new Evaluator(store()).range("sum(rate(req_total[2m]))", at - 5 * 60_000, at, 60_000);
    expect(series).toHaveLength(1);
    expect(series[0]!.points).toHaveLength(6);
    for (const [, v] of series[0]!.points) expect(v).toBeCloseTo(13, 6);
  });

  it("a series gone from the scrape is stale at once, as Prometheus marks it, not read for the lookback's five minutes", () => {
    // A deployment's pods: p1 and p2 ready, then p2 deleted at step 30 (a rollback's crash-looping pod).
    const s = new SeriesStore({ t0: T0, stepMs: 15_000, retentionSteps: 100 });
    for (let i = 0; i <= 40; i++) {
      s.beginStep(i);
      s.set("ready", { pod: "p1" }, 1);
      if (i < 30) s.set("ready", { pod: "p2" }, 0);
    }
    const evaluator = new Evaluator(s);
    const ready = (t: number) => {
      const v = evaluator.instant("avg(ready)", t);
      return v.kind === "vector" ? v.samples[0]?.v : undefined;
    };
    expect(ready(T0 + 29 * 15_000)).toBe(0.5);
    // One scrape after it went, and every one since: p1 alone (p2's last sample is within 5 min of all of them).
    expect(ready(T0 + 30 * 15_000)).toBe(1);
    expect(ready(T0 + 40 * 15_000)).toBe(1);
    // A query between scrapes, or past the newest one, reads the latest scrape.
    expect(ready(T0 + 40 * 15_000 + 7_000)).toBe(1);
    expect(ready(T0 + 29 * 15_000 + 7_000)).toBe(0.5);
  });
});
