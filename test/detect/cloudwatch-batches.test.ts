import { describe, expect, it } from "vitest";
import { MAX_QUERIES_PER_REQUEST, planMetricDataBatches } from "../../src/detect/cloudwatch-batches.ts";
import type { CloudWatchTarget } from "../../src/detect/cloudwatch-batches.ts";
import type { CloudWatchSli } from "../../src/detect/sli-config.ts";
import { defined } from "../support/defined.ts";

const metric = (i: number, extra: Partial<CloudWatchSli> = {}): CloudWatchSli => ({
  namespace: "AWS/EC2",
  metricName: "CPUUtilization",
  dimensions: [{ name: "InstanceId", value: `i-${i}` }],
  stat: "Average",
  period: 60,
  ...extra,
});
const HOUR = 3_600_000;

describe("GetMetricData batching", () => {
  it("never puts more than 500 queries in a request and keeps every target once", () => {
    const targets: CloudWatchTarget[] = Array.from({ length: 1234 }, (_, i) => ({ key: `svc/cpu-${i}`, metric: metric(i) }));
    const batches = planMetricDataBatches(targets, { startMs: 0, endMs: HOUR });
    expect(batches.map((b) => b.queries.length)).toEqual([500, 500, 234]);
    expect(Math.max(...batches.map((b) => b.queries.length))).toBeLessThanOrEqual(MAX_QUERIES_PER_REQUEST);
    const keys = batches.flatMap((b) => Object.values(b.keys));
    expect(keys).toEqual(targets.map((t) => t.key));
    for (const b of batches) {
      const ids = b.queries.map((q) => q.Id as string);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9_]*$/);
    }
  });

  it("builds MetricDataQuery entries the SDK accepts", () => {
    const [b] = planMetricDataBatches([{ key: "a/b", metric: metric(1, { stat: "p99", period: 300 }) }], { startMs: 0, endMs: HOUR });
    defined(b, "b");
    expect(b.queries[0]).toEqual({
      Id: "q0",
      Label: "a/b",
      ReturnData: true,
      MetricStat: { Metric: { Namespace: "AWS/EC2", MetricName: "CPUUtilization", Dimensions: [{ Name: "InstanceId", Value: "i-1" }] }, Period: 300, Stat: "p99" },
    });
    expect(b.keys).toEqual({ q0: "a/b" });
  });

  it("splits by the data point limit and by region", () => {
    // 1-minute data over 3 days is 4,320 points per query: at most 23 queries fit in 100,800.
    const targets = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, metric: metric(i) }));
    const batches = planMetricDataBatches(targets, { startMs: 0, endMs: 72 * HOUR });
    expect(batches.map((b) => b.queries.length)).toEqual([23, 23, 4]);
    expect(batches.every((b) => b.datapoints <= 100_800)).toBe(true);
    const mixed = planMetricDataBatches(
      [
        { key: "a", metric: metric(1, { region: "us-east-1" }) },
        { key: "b", metric: metric(2, { region: "eu-west-1" }) },
        { key: "c", metric: metric(3, { region: "us-east-1" }) },
      ],
      { startMs: 0, endMs: HOUR },
    );
    expect(mixed.map((b) => [b.region, Object.values(b.keys)])).toEqual([
      ["us-east-1", ["a", "c"]],
      ["eu-west-1", ["b"]],
    ]);
  });

  it("gives an oversized single query its own batch", () => {
    const big = metric(1, { period: 1 });
    const batches = planMetricDataBatches(
      [
        { key: "x", metric: big },
        { key: "y", metric: metric(2) },
      ],
      { startMs: 0, endMs: 48 * HOUR },
    );
    expect(batches.map((b) => Object.values(b.keys))).toEqual([["x"], ["y"]]);
  });
});
