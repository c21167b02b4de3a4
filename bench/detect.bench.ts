import { AnomalyDetector } from "../src/detect/detector.ts";
import { DetectionService } from "../src/detect/detection-service.ts";
import { rng } from "../src/domain/random.ts";
import { itemAt } from "../src/domain/indexed.ts";

/**
 * Early detection costs:
 * - points scored per second by one online detector (a long noisy daily series);
 * - CPU time to poll 1,000 series once a minute: each of 1,000 warm detectors scores one new
 *   point per minute over 60 minutes; reported as CPU ms per 1,000 series-polls (one poll of
 *   all 1,000 series) and the share of one core that polling every minute takes;
 * - memory held per series.
 */
export const name = "detect";

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);

function valueAt(r: () => number, i: number, phase: number): number {
  return 100 + 20 * Math.sin((2 * Math.PI * (i + phase)) / 1440) + 3 * (r() + r() + r() - 1.5);
}

export async function run(): Promise<Record<string, string | number>> {
  // 1. Throughput of one detector over 30 days of 1-minute points.
  const r = rng(1);
  const n = 43_200;
  const values = Array.from({ length: n }, (_, i) => valueAt(r, i, 0));
  const det = new AnomalyDetector();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) det.update(T0 + i * MIN, itemAt(values, i));
  const wallSecs = (performance.now() - t0) / 1000;
  const c1 = process.cpuUsage(c0);
  // CPU time, not wall time: the figure should not depend on what else the machine runs.
  const secs = (c1.user + c1.system) / 1e6;

  // 2. 1,000 series polled every minute. Warm them up first with 4 days of 5-minute history
  // (daily seasonal models running), then time 60 polls of one new point each.
  const series = 1000;
  const step = 5 * MIN;
  const warm = 4 * 288;
  const svc = new DetectionService([], { keepPoints: 120 });
  const rs = Array.from({ length: series }, (_, k) => rng(100 + k));
  const heapBefore = process.memoryUsage().heapUsed;
  for (let k = 0; k < series; k++) {
    const pts = Array.from({ length: warm }, (_, i) => ({ t: T0 + i * step, value: valueAt(itemAt(rs, k), i * 5, k) }));
    svc.observe(`svc${k % 50}/sli${k}`, pts);
  }
  const heapAfter = process.memoryUsage().heapUsed;
  const polls = 60;
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  let findings = 0;
  for (let m = 0; m < polls; m++) {
    const i = warm + m;
    for (let k = 0; k < series; k++) findings += svc.observe(`svc${k % 50}/sli${k}`, [{ t: T0 + i * step, value: valueAt(itemAt(rs, k), i * 5, k) }]).length;
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - w0;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const perPoll = cpuMs / polls;

  return {
    "points scored per CPU second (1 detector)": Math.round(n / secs),
    "points scored per wall second (1 detector)": Math.round(n / wallSecs),
    "CPU us per point": ((secs * 1e6) / n).toFixed(1),
    "CPU ms per 1,000 series-polls": perPoll.toFixed(1),
    "CPU share of one core (1,000 series, 1/min)": `${((perPoll / 60_000) * 100).toFixed(3)} %`,
    "wall ms for 60 polls of 1,000 series": wall.toFixed(0),
    "heap per series (KiB, approx.)": ((heapAfter - heapBefore) / series / 1024).toFixed(0),
    "findings in the timed polls (noise only)": findings,
  };
}
