import { describe, expect, it } from "vitest";
import type { AnomalyFinding } from "../../../src/detect/detection-service.ts";
import { SliPoller, type PollerOptions } from "../../../src/detect/polling/poller.ts";
import { parseSliConfig, type ResolvedSli } from "../../../src/detect/sli-config.ts";
import type { Incident } from "../../../src/domain/incident.ts";
import { MemoryCloudWatch, MemoryMetrics, noiseAt } from "./memory-ports.ts";
import { clockOf } from "../../../src/domain/clock.ts";
import { itemAt } from "../../../src/domain/indexed.ts";

const MIN = 60_000;
const H = 3_600_000;
/** Monday 5 January 2026, 12:00 UTC. */
const T0 = Date.UTC(2026, 0, 5, 12, 0);

/** A reporter that records what the poller hands it. */
function recorder(openIncident?: Partial<Incident>) {
  const reports: Array<{ finding: AnomalyFinding; sli: ResolvedSli; ctx: { ongoing?: boolean; heldUntil?: number } }> = [];
  const resolved: Array<{ key: string; at: number }> = [];
  const active = new Set<string>();
  const reporter: NonNullable<PollerOptions["reporter"]> = {
    async report(finding, sli, ctx = {}) {
      reports.push({ finding, sli, ctx });
      active.add(finding.key);
      return "opened";
    },
    async resolve(key, at) {
      resolved.push({ key, at });
      active.delete(key);
    },
    async recover() {
      return 0;
    },
    async flush() {},
    async touch() {},
    activeKeys: () => [...active],
    isActive: (k) => active.has(k),
    async openIncidentFor() {
      return openIncident as Incident | undefined;
    },
  };
  return { reporter, reports, resolved };
}

const promSli = (extra: Record<string, unknown> = {}) => parseSliConfig({ services: { checkout: { slis: [{ name: "latency", direction: "up", prometheus: { query: "lat", step: 60 }, ...extra }] } } });

/** A noisy level around 100 with an optional shift of `by` during [from, to). */
const level =
  (shift?: { from: number; to?: number; by: number }) =>
  (_q: string, t: number): number =>
    100 + 8 * noiseAt(1, t) + (shift && t >= shift.from && t < (shift.to ?? Infinity) ? shift.by : 0);

describe("SliPoller", () => {
  it("backfills on the step grid at the first poll, then fetches only the new points", async () => {
    const metrics = new MemoryMetrics(level());
    let now = T0 + 30_000;
    const poller = new SliPoller({ slis: promSli(), metrics, clock: clockOf(() => now), backfillMs: 6 * H });
    const first = await poller.pollOnce();
    expect(metrics.ranges[0]).toMatchObject({ query: "lat", start: T0 - 6 * H, end: T0, step: 60 });
    expect(first).toMatchObject({ series: 1, points: 361, errors: [] });
    now += MIN;
    const second = await poller.pollOnce();
    expect(metrics.ranges[1]).toMatchObject({ start: T0 + MIN, end: T0 + MIN });
    expect(second.points).toBe(1);
    now += 20_000; // no new step yet
    await poller.pollOnce();
    expect(metrics.ranges).toHaveLength(2);
    // After a long pause, at most the backfill window is fetched again.
    now += 48 * H;
    await poller.pollOnce();
    expect(metrics.ranges.at(-1)!.start).toBe(Math.floor(now / MIN) * MIN - 6 * H);
  });

  it("reports a level shift once, then its end", async () => {
    const shift = { from: T0 + 10 * MIN, to: T0 + 40 * MIN, by: 40 };
    const metrics = new MemoryMetrics(level(shift));
    const { reporter, reports, resolved } = recorder();
    let now = T0;
    const poller = new SliPoller({ slis: promSli(), metrics, reporter, clock: clockOf(() => now), backfillMs: 12 * H, detection: { closeAfterMs: 15 * MIN } });
    await poller.pollOnce();
    expect(reports).toHaveLength(0);
    for (let m = 1; m <= 90; m++) {
      now = T0 + m * MIN;
      await poller.pollOnce();
    }
    const firsts = reports.filter((r) => !r.finding.escalation);
    expect(firsts).toHaveLength(1);
    const f = itemAt(firsts, 0).finding;
    expect(f.key).toBe("checkout/latency");
    expect(f.at).toBeGreaterThanOrEqual(shift.from);
    expect(f.at).toBeLessThanOrEqual(shift.from + 5 * MIN);
    expect(f.explanation.deviation).toBeGreaterThan(20);
    expect(f.explanation.baseline).toBeCloseTo(100, -1);
    expect(itemAt(firsts, 0).ctx.ongoing).toBe(false);
    expect(resolved).toHaveLength(1);
    expect(itemAt(resolved, 0).at).toBeGreaterThan(shift.to);
  });

  it("does not report anomalies of the warm-up history, only one still going on (once, as ongoing)", async () => {
    const metrics = new MemoryMetrics((q, t) => {
      const base = 100 + 8 * noiseAt(q === "a" ? 2 : 3, t);
      if (q === "a" && t === T0 - 3 * H) return base + 200; // an old spike
      if (q === "b" && t >= T0 - 40 * MIN) return base + 60; // a shift still on
      return base;
    });
    const slis = parseSliConfig({
      services: {
        shop: {
          slis: [
            { name: "a", prometheus: { query: "a" } },
            { name: "b", prometheus: { query: "b" } },
          ],
        },
      },
    });
    const { reporter, reports } = recorder();
    let now = T0;
    const poller = new SliPoller({ slis, metrics, reporter, clock: clockOf(() => now), backfillMs: 12 * H });
    const first = await poller.pollOnce();
    expect(first.findings).toBeGreaterThanOrEqual(2);
    expect(reports.map((r) => [r.finding.key, r.ctx.ongoing])).toEqual([["shop/b", true]]);
    expect(itemAt(reports, 0).finding.explanation.since).toBeLessThan(T0 - 30 * MIN);
    now += 5 * MIN;
    await poller.pollOnce();
    expect(reports).toHaveLength(1);
  });

  it("holds a finding in quiet hours and reports it when they end if it is still going on", async () => {
    const shift = { from: T0 + 10 * MIN, by: 50 };
    const metrics = new MemoryMetrics(level(shift));
    const { reporter, reports } = recorder();
    let now = T0;
    const slis = promSli({ quietHours: { start: "11:00", end: "12:30", timezone: "UTC" }, page: true });
    const poller = new SliPoller({ slis, metrics, reporter, clock: clockOf(() => now), backfillMs: 12 * H });
    await poller.pollOnce();
    let held = 0;
    for (let m = 1; m <= 29; m++) {
      now = T0 + m * MIN;
      held += (await poller.pollOnce()).held;
    }
    expect(held).toBe(1);
    expect(reports).toHaveLength(0);
    now = T0 + 31 * MIN; // 12:31: quiet hours over
    await poller.pollOnce();
    expect(reports).toHaveLength(1);
    expect(itemAt(reports, 0).ctx.heldUntil).toBe(now);
    expect(itemAt(reports, 0).finding).toMatchObject({ quiet: false, page: true });
  });

  it("in quiet hours still enriches an incident already open on the service", async () => {
    const metrics = new MemoryMetrics(level({ from: T0 + 10 * MIN, by: 50 }));
    const { reporter, reports } = recorder({ id: "INC-1", services: ["checkout"] });
    let now = T0;
    const poller = new SliPoller({ slis: promSli({ quietHours: { start: "00:00", end: "23:59", timezone: "UTC" } }), metrics, reporter, clock: clockOf(() => now), backfillMs: 12 * H });
    await poller.pollOnce();
    for (let m = 1; m <= 20; m++) {
      now = T0 + m * MIN;
      await poller.pollOnce();
    }
    expect(reports).toHaveLength(1);
    expect(itemAt(reports, 0).finding.quiet).toBe(true);
  });

  it("gives every series of a multi-series query its own detector, with the SLI's settings", async () => {
    const metrics = new MemoryMetrics((_q, t) => [
      { labels: { pod: "a" }, value: 100 + 8 * noiseAt(4, t) },
      { labels: { pod: "b" }, value: 100 + 8 * noiseAt(5, t) + (t >= T0 + 5 * MIN ? 60 : 0) },
    ]);
    const { reporter, reports } = recorder();
    let now = T0;
    const poller = new SliPoller({ slis: promSli({ sensitivity: "high" }), metrics, reporter, clock: clockOf(() => now), backfillMs: 12 * H });
    expect((await poller.pollOnce()).series).toBe(2);
    for (let m = 1; m <= 15; m++) {
      now = T0 + m * MIN;
      await poller.pollOnce();
    }
    expect(reports.map((r) => r.finding.key)).toEqual(['checkout/latency{pod="b"}']);
    expect(itemAt(reports, 0).sli).toMatchObject({ service: "checkout", name: 'latency{pod="b"}', sensitivity: "high", direction: "up" });
    expect(poller.sliOf('checkout/latency{pod="a"}')).toBeDefined();
  });

  it("splits a long backfill under Prometheus' 11,000 points per query", async () => {
    const metrics = new MemoryMetrics(level());
    const poller = new SliPoller({ slis: promSli(), metrics, clock: clockOf(() => T0), backfillMs: 10 * 24 * H });
    const r = await poller.pollOnce();
    expect(metrics.ranges).toHaveLength(2);
    expect(r.points).toBe(10 * 24 * 60 + 1);
    expect(r.errors).toEqual([]);
  });

  it("keeps polling the other SLIs when one query fails, and says which failed", async () => {
    const metrics = new MemoryMetrics((q, t) => {
      if (q === "bad") throw new Error("parse error at char 3");
      return 100 + noiseAt(1, t);
    });
    const slis = parseSliConfig({
      services: {
        shop: {
          slis: [
            { name: "ok", prometheus: { query: "ok" } },
            { name: "bad", prometheus: { query: "bad" } },
          ],
        },
      },
    });
    const r = await new SliPoller({ slis, metrics, clock: clockOf(() => T0), backfillMs: H }).pollOnce();
    expect(r.series).toBe(1);
    expect(r.errors).toEqual([{ key: "shop/bad", error: "parse error at char 3" }]);
  });

  it("fetches CloudWatch SLIs with GetMetricData in batches of at most 500 queries and 100,800 data points", async () => {
    const services: Record<string, unknown> = {};
    for (let i = 0; i < 1200; i++) {
      services[`svc${i}`] = { slis: [{ name: "cpu", cloudwatch: { namespace: "AWS/EC2", metricName: "CPUUtilization", dimensions: { InstanceId: `i-${i}` }, stat: "Average", period: 300 } }] };
    }
    services.far = { slis: [{ name: "cpu", cloudwatch: { namespace: "AWS/EC2", metricName: "CPUUtilization", dimensions: { InstanceId: "i-far" }, period: 300, region: "ap-south-1" } }] };
    const slis = parseSliConfig({ services });
    const cw = new MemoryCloudWatch((q, t) => 50 + 5 * noiseAt(Number(q.dimensions?.InstanceId?.slice(2)) || 0, t));
    let now = T0 + 10_000;
    // The detectors are not what this test is about: without their seasonal models (two rings of a
    // few thousand buckets each per series), 1,200 series' 24 h backfill costs a third less CPU.
    const poller = new SliPoller({ slis, cloudwatch: cw, cloudwatchRegion: "us-east-1", clock: clockOf(() => now), backfillMs: 24 * H, detection: { detector: { seasonal: { daily: false, weekly: false } } } });
    const first = await poller.pollOnce();
    // 24 h of 5-minute periods = 289 points per query: 348 queries per request stay under 100,800.
    expect(cw.calls.map((c) => c.queries.length)).toEqual([348, 348, 348, 156]);
    for (const c of cw.calls) {
      expect(c.queries.length * 289).toBeLessThanOrEqual(100_800);
      // The open period is left out (its data is not complete yet); EndTime is exclusive.
      expect(c.end).toBe(T0);
      expect(new Set(c.queries.map((q) => q.id)).size).toBe(c.queries.length);
    }
    expect(first.series).toBe(1200);
    expect(first.points).toBe(1200 * 289);
    expect(first.errors).toEqual([{ key: "far/cpu", error: "region not served by the CloudWatch port (us-east-1)" }]);
    // Then one point per SLI per period: 500 queries per request.
    cw.calls.length = 0;
    now += 5 * MIN;
    const next = await poller.pollOnce();
    expect(cw.calls.map((c) => c.queries.length)).toEqual([500, 500, 200]);
    expect(next.points).toBe(1200);
    expect(next.cloudwatchBatches).toBe(3);
  });
});
