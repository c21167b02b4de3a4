import { SliPoller, type PollerOptions } from "../src/detect/polling/poller.ts";
import { parseSliConfig } from "../src/detect/sli-config.ts";
import { MemoryCloudWatch, MemoryMetrics, noiseAt } from "../test/detect/polling/memory-ports.ts";
import { clockOf } from "../src/domain/clock.ts";
import { itemAt } from "../src/domain/indexed.ts";

/**
 * SLI polling costs, through the whole poller path (window planning, the metrics port, point
 * conversion, one detector per series, findings, episode bookkeeping) with in-memory ports, so the
 * figure is the product's CPU and not a network's:
 * - CPU time of one poll of 1,000 warm series (one new point each), i.e. of polling 1,000 series
 *   every minute, and the share of one core that takes; Prometheus and CloudWatch paths;
 * - CPU time of the warm-up backfill a replica does when it becomes the poller.
 */
export const name = "polling";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 0, 0);
const SERIES = 1000;
const BACKFILL_H = 6;
const POLLS = 60;

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
const value = (k: number, t: number) => 100 + 20 * Math.sin((2 * Math.PI * (t - T0)) / 86_400_000 + k) + 6 * noiseAt(k, t);

const quietReporter: NonNullable<PollerOptions["reporter"]> = {
  async report() {
    return "opened";
  },
  async resolve() {},
  async recover() {
    return 0;
  },
  async flush() {},
  async touch() {},
  activeKeys: () => [],
  isActive: () => false,
  async openIncidentFor() {
    return undefined;
  },
};

async function measure(poller: SliPoller, advance: () => void): Promise<{ backfillCpu: number; perPoll: number[]; wall: number[]; points: number; findings: number }> {
  const c0 = process.cpuUsage();
  const first = await poller.pollOnce();
  const backfillCpu = cpuMs(process.cpuUsage(c0));
  if (first.points < SERIES) throw new Error(`backfill fetched ${first.points} points`);
  const perPoll: number[] = [];
  const wall: number[] = [];
  let points = 0;
  let findings = first.findings;
  for (let i = 0; i < POLLS; i++) {
    advance();
    const c = process.cpuUsage();
    const w = performance.now();
    const r = await poller.pollOnce();
    perPoll.push(cpuMs(process.cpuUsage(c)));
    wall.push(performance.now() - w);
    points += r.points;
    findings += r.findings;
    if (r.errors.length) throw new Error(itemAt(r.errors, 0).error);
  }
  return { backfillCpu, perPoll, wall, points, findings };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function run(): Promise<Record<string, string | number>> {
  // Prometheus: 1,000 SLIs of one series each, 1-minute step.
  const services: Record<string, unknown> = {};
  for (let k = 0; k < SERIES; k++) services[`svc${k}`] = { slis: [{ name: "latency", prometheus: { query: `q${k}`, step: 60 } }] };
  const metrics = new MemoryMetrics((q, t) => value(Number(q.slice(1)), t));
  let now = T0 + 12 * 3_600_000;
  const prom = await measure(new SliPoller({ slis: parseSliConfig({ services }), metrics, reporter: quietReporter, clock: clockOf(() => now), backfillMs: BACKFILL_H * 3_600_000 }), () => (now += MIN));
  if (prom.points !== SERIES * POLLS) throw new Error(`expected ${SERIES * POLLS} points, got ${prom.points}`);

  // CloudWatch: 1,000 metrics, 1-minute periods, GetMetricData in batches of 500.
  const cwServices: Record<string, unknown> = {};
  for (let k = 0; k < SERIES; k++) cwServices[`svc${k}`] = { slis: [{ name: "cpu", cloudwatch: { namespace: "AWS/EC2", metricName: "CPUUtilization", dimensions: { InstanceId: `i-${k}` }, stat: "Average", period: 60 } }] };
  const cw = new MemoryCloudWatch((q, t) => value(Number(q.dimensions?.InstanceId?.slice(2)), t));
  let cwNow = T0 + 12 * 3_600_000;
  const cwr = await measure(new SliPoller({ slis: parseSliConfig({ services: cwServices }), cloudwatch: cw, reporter: quietReporter, clock: clockOf(() => cwNow), backfillMs: BACKFILL_H * 3_600_000 }), () => (cwNow += MIN));
  const cwCallsPerPoll = cw.calls.slice(-2).length;

  const promMs = mean(prom.perPoll);
  const cwMs = mean(cwr.perPoll);
  const backfillPoints = SERIES * (BACKFILL_H * 60 + 1);
  return {
    "Prometheus: CPU ms per poll of 1,000 series (mean)": promMs.toFixed(1),
    "Prometheus: CPU ms per poll of 1,000 series (median)": median(prom.perPoll).toFixed(1),
    "Prometheus: wall ms per poll (median)": median(prom.wall).toFixed(1),
    "Prometheus: share of one core, 1,000 series every minute": `${((promMs / MIN) * 100).toFixed(3)} %`,
    "CloudWatch: CPU ms per poll of 1,000 series (mean)": cwMs.toFixed(1),
    "CloudWatch: GetMetricData calls per poll (≤ 500 queries each)": cwCallsPerPoll,
    "CloudWatch: share of one core, 1,000 series every minute": `${((cwMs / MIN) * 100).toFixed(3)} %`,
    [`backfill on taking the lead: CPU s for 1,000 series × ${BACKFILL_H} h (1-min points)`]: (prom.backfillCpu / 1000).toFixed(2),
    "backfill: CPU µs per point": ((prom.backfillCpu * 1000) / backfillPoints).toFixed(1),
    "findings on the synthetic series (noise, no anomaly)": prom.findings + cwr.findings,
  };
}
