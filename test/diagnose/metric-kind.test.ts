import { describe, expect, it } from "vitest";
import { analyzeSeries, strengthOfZ } from "../../src/diagnose/anomaly.ts";
import { classifyMetric, kindCompatibility } from "../../src/diagnose/metric-kind.ts";
import { ONSET } from "./helpers.ts";

describe("classifyMetric", () => {
  it.each([
    ["latency_Average", "latency", "up"],
    ["lat_90", "latency", "up"],
    ["http_request_duration_seconds_p99", "latency", "up"],
    ["response_time_ms", "latency", "up"],
    ["err", "errors", "up"],
    ["http_5xx_rate", "errors", "up"],
    ["HTTPCode_Target_5XX_Count", "errors", "up"],
    ["availability_Average", "availability", "down"],
    ["success_ratio", "availability", "down"],
    ["cpu", "cpu", "up"],
    ["container_cpu_cfs_throttled_seconds_total", "cpu", "up"],
    ["CPUUtilization", "cpu", "up"],
    ["mem", "memory", "up"],
    ["container_memory_working_set_bytes", "memory", "up"],
    ["disk_used_percent", "saturation", "up"],
    ["db_connections_active", "saturation", "up"],
    ["kube_pod_container_status_restarts_total", "restarts", "up"],
    ["requests_Sum", "traffic", "both"],
    ["rps", "traffic", "both"],
    ["fancy_gauge", "other", "both"],
    // Headroom is bad when it falls; a cache's evictions and misses when they rise, its hit ratio when it falls.
    ["cache_evictions_rate", "other", "up"],
    ["redis_evicted_keys_total", "other", "up"],
    ["cache_misses", "other", "up"],
    ["cache_hit_ratio", "other", "down"],
    ["disk_free_bytes", "saturation", "down"],
    ["node_filesystem_avail_bytes", "saturation", "down"],
    ["free_memory", "memory", "down"],
    ["idle_connections", "saturation", "down"],
    ["cpu_idle_percent", "cpu", "down"],
  ])("%s → %s (%s is bad)", (name, kind, bad) => {
    const c = classifyMetric(name);
    expect(c.kind).toBe(kind);
    expect(c.bad).toBe(bad);
  });

  it("weighs traffic below fault-specific kinds and matches causes to symptoms", () => {
    expect(classifyMetric("requests_total").weight).toBeLessThan(classifyMetric("latency").weight);
    expect(kindCompatibility("latency", "latency")).toBe(1);
    expect(kindCompatibility("cpu", "errors")).toBeGreaterThan(kindCompatibility("latency", "errors"));
    expect(kindCompatibility("traffic", undefined)).toBe(1);
  });
});

describe("analyzeSeries", () => {
  const ts = (n: number, from: number): number[] => Array.from({ length: n }, (_, i) => ONSET + (from + i) * 60);

  it("measures a sustained rise against the baseline and ignores a lone spike", () => {
    const base = { metric: "latency_p99", timestamps: ts(100, -200), values: Array.from({ length: 100 }, (_, i) => 0.1 + 0.005 * Math.sin(i)) };
    const sustained = analyzeSeries("a", { metric: "latency_p99", timestamps: ts(6, 0), values: [0.1, 0.3, 0.31, 0.3, 0.1, 0.1] }, base, { anomalyStart: ONSET });
    const spike = analyzeSeries("a", { metric: "latency_p99", timestamps: ts(6, 0), values: [0.1, 0.3, 0.1, 0.1, 0.1, 0.1] }, base, { anomalyStart: ONSET });
    expect(sustained!.referenceKind).toBe("baseline");
    expect(sustained!.z).toBeGreaterThan(30);
    expect(spike!.z).toBeLessThan(sustained!.z * 0.6);
    expect(sustained!.firstAt).toBe(ONSET + 60);
  });

  it("looks for drops where down is bad, and uses pre-onset samples when there is no baseline", () => {
    const values = [...Array.from({ length: 30 }, (_, i) => 99.9 + 0.05 * Math.sin(i)), 99.9, 92, 90, 91, 99.9];
    const a = analyzeSeries("a", { metric: "availability", timestamps: ts(35, -30), values }, undefined, { anomalyStart: ONSET });
    expect(a!.referenceKind).toBe("pre-onset");
    expect(a!.moved).toBe("down");
    expect(a!.z).toBeGreaterThan(10);
    const up = analyzeSeries("a", { metric: "availability", timestamps: ts(35, -30), values: values.map((v, i) => (i >= 30 ? 100 : v)) }, undefined, { anomalyStart: ONSET });
    expect(up!.z).toBeLessThan(3);
  });

  it("discounts a window-only reference and squashes z into [0, 1]", () => {
    const a = analyzeSeries("a", { metric: "latency", timestamps: ts(5, 0), values: [1, 1, 5, 5, 1] }, undefined, { anomalyStart: ONSET });
    expect(a!.referenceKind).toBe("window");
    expect(a!.strength).toBeLessThan(strengthOfZ(a!.z));
    expect(strengthOfZ(2)).toBe(0);
    expect(strengthOfZ(1e6)).toBe(1);
    expect(strengthOfZ(20)).toBeLessThan(strengthOfZ(50));
  });

  it("finds no anomaly in a metric moving its benign way: fewer evictions, lower error ratio, lower latency, more free disk", () => {
    const pre = Array.from({ length: 30 }, (_, i) => 1 + 0.05 * Math.sin(i));
    const benign: Array<[string, number, number]> = [
      ["cache_evictions_rate", 40, 0],
      ["error_ratio", 0.05, 0.001],
      ["latency_p99", 0.9, 0.2],
      ["disk_free_bytes", 2e9, 9e9],
    ];
    for (const [name, before, after] of benign) {
      const values = [...pre.map((w) => before * w), ...Array.from({ length: 10 }, () => after)];
      const a = analyzeSeries("a", { metric: name, timestamps: ts(40, -30), values }, undefined, { anomalyStart: ONSET });
      expect(a!.z, name).toBeLessThan(3);
      expect(strengthOfZ(a!.z), name).toBe(0);
    }
  });

  it("returns nothing when there is no sample after onset", () => {
    expect(analyzeSeries("a", { metric: "x", timestamps: ts(5, -10), values: [1, 2, 3, 4, 5] }, undefined, { anomalyStart: ONSET })).toBeUndefined();
  });
});
