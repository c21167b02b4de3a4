import type { MetricSeries, ServiceMetrics } from "../../src/diagnose/types.ts";

export const ONSET = 1_700_000_000;
export const STEP = 60;

/** Deterministic wiggle so robust scales are non-zero. */
function wiggle(i: number, salt: number): number {
  return Math.sin(i * 1.7 + salt * 3.1) * 0.6 + Math.sin(i * 0.37 + salt) * 0.4;
}

/**
 * A metric: `pre` samples at `level` (±noise) before onset, then `post` samples where `shape(k)`
 * gives the multiplier of the level at post-onset step k (1 = normal).
 */
export function metric(name: string, level: number, shape: (k: number) => number, opts: { pre?: number; post?: number; noise?: number; salt?: number } = {}): MetricSeries {
  const pre = opts.pre ?? 30;
  const post = opts.post ?? 20;
  const noise = opts.noise ?? 0.03;
  const salt = opts.salt ?? name.length;
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let i = -pre; i < post; i++) {
    timestamps.push(ONSET + i * STEP);
    const m = i < 0 ? 1 : shape(i);
    values.push(level * m * (1 + noise * wiggle(i, salt)));
  }
  return { metric: name, timestamps, values };
}

export const flat = (): number => 1;
/** Ramps to `factor` over 3 steps after `delay` steps and stays. */
export const step =
  (factor: number, delay = 0) =>
  (k: number): number =>
    k < delay ? 1 : 1 + (factor - 1) * Math.min(1, (k - delay + 1) / 3);

export function svc(service: string, ...series: MetricSeries[]): ServiceMetrics {
  return { service, series };
}

/** A healthy service with latency, errors and requests. */
export function healthy(service: string, salt = 0): ServiceMetrics {
  return svc(service, metric("latency_p99", 0.2, flat, { salt: salt + 1 }), metric("error_rate", 1, flat, { salt: salt + 2, noise: 0.2 }), metric("requests_total", 500, flat, { salt: salt + 3 }));
}
