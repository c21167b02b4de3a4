import { SERVICES, serviceSpec, type ServiceSpec } from "../catalog.ts";
import { callersFirst } from "../topology.ts";

/** Why a request failed; logs and metrics both draw on it. */
export type ErrorCause = "internal" | "defect" | "overload" | "no-pods" | "upstream-timeout" | "upstream-error" | "pool-exhausted" | "disk-full";

export interface Signals {
  /** Requests (or messages, queries) per second arriving. */
  rps: number;
  errorRatio: number;
  /** Error ratio per HTTP status code ("500", "502", "503", "504"). */
  codes: Record<string, number>;
  causes: Array<{ cause: ErrorCause; dep?: string; ratio: number }>;
  /** Latency quantiles in seconds and the log-normal spread behind them. */
  p50: number;
  p95: number;
  p99: number;
  sigma: number;
  /** Requests stuck for a fixed time (waiting on a pool): their share and duration (s). */
  slow: { fraction: number; seconds: number };
  utilization: number;
  readyPods: number;
  /** CPU cores used across the service's pods. */
  cpuCores: number;
  /** Database connections this service holds (client side), and its pool size. */
  poolInUse: number;
  poolMax: number;
}

/** Per-service conditions the rest of the world supplies for one step. */
export interface ServiceInputs {
  readyPods: number;
  /** Mean over ready pods of the faults' 500 ratio, and which fault it is. */
  podErrorRatio: number;
  podErrorCause: ErrorCause;
  leakedConnections: number;
  /** CPU burned by something other than requests (a runaway query). */
  extraCores: number;
  latencyFactor: number;
  capacityFactor: number;
  /** Worker: messages per second it consumes (set from the queue). */
  consumeRps?: number;
  /** Noise factor for this step (≈1). */
  noise: number;
}

export const POOL_PER_POD: Record<string, number> = { checkout: 20, payments: 10, inventory: 10, catalog: 5, "order-processor": 10 };
export const POOL_TIMEOUT_S: Record<string, number> = { payments: 5, checkout: 1, inventory: 1, catalog: 1, "order-processor": 5 };

/** Daily traffic shape: quiet at 04:00 UTC, peak in the evening, 0.3..1. */
export function dailyFactor(simMs: number): number {
  const h = (simMs / 3_600_000) % 24;
  const base = 0.62 + 0.28 * Math.sin((2 * Math.PI * (h - 10)) / 24);
  const evening = 0.12 * Math.exp(-((h - 19.5) ** 2) / 3);
  return Math.max(0.3, Math.min(1, base + evening));
}

function normCdf(x: number): number {
  // Abramowitz-Stegun 7.1.26
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/** P(latency > t) for a log-normal with median m and spread sigma. */
export function tailProbability(m: number, sigma: number, t: number): number {
  if (m <= 0) return 0;
  return 1 - normCdf((Math.log(t) - Math.log(m)) / sigma);
}

/** Log-normal CDF at t: the share of requests faster than t (histogram buckets). */
export function latencyCdf(sig: Pick<Signals, "p50" | "sigma" | "slow">, t: number): number {
  const slow = sig.slow.fraction;
  const fast = 1 - tailProbability(sig.p50, sig.sigma, t);
  return (1 - slow) * fast + (t >= sig.slow.seconds ? slow : 0);
}

/** Arrival rates, top-down: frontend traffic times the calls each caller makes. */
export function arrivalRates(simMs: number, inputs: Map<string, ServiceInputs>): Map<string, number> {
  const rps = new Map<string, number>();
  const daily = dailyFactor(simMs);
  for (const name of callersFirst()) {
    const s = serviceSpec(name);
    const inp = inputs.get(name)!;
    let r = s.ingressRps * daily * inp.noise;
    if (s.kind === "worker") r = inp.consumeRps ?? 0;
    if (s.kind === "job") r = inp.readyPods > 0 ? 1 : 0;
    for (const caller of SERVICES) {
      for (const c of caller.calls) if (c.to === name) r += (rps.get(caller.name) ?? 0) * c.perRequest;
    }
    rps.set(name, r);
  }
  return rps;
}

/** One step of the request model: latency and errors bottom-up, so callers see their callees. */
export function computeSignals(simMs: number, inputs: Map<string, ServiceInputs>): Map<string, Signals> {
  const rps = arrivalRates(simMs, inputs);
  const out = new Map<string, Signals>();
  for (const name of [...callersFirst()].reverse()) {
    out.set(name, serviceSignals(serviceSpec(name), rps.get(name) ?? 0, inputs.get(name)!, out));
  }
  return out;
}

function serviceSignals(s: ServiceSpec, rps: number, inp: ServiceInputs, deps: Map<string, Signals>): Signals {
  const external = s.kind === "external";
  const pods = external ? 1 : inp.readyPods;
  const cpuDemand = s.cpuIdleCores * Math.max(pods, 1) + rps * s.cpuPerRps + inp.extraCores;
  let util: number;
  if (s.kind === "database") util = cpuDemand / (s.cpuLimitCores * Math.max(pods, 1));
  else if (s.kind === "job") util = 0;
  else if (s.kind === "worker") util = pods > 0 ? Math.min(0.7, rps / (pods * s.podCapacityRps)) : Number.POSITIVE_INFINITY;
  else util = pods > 0 ? rps / (pods * s.podCapacityRps * inp.capacityFactor) : Number.POSITIVE_INFINITY;
  const u = Math.min(Number.isFinite(util) ? util : 1, 0.98);
  let queueing = 1 + (0.6 * u ** 3) / (1 - u);
  // A saturated database keeps slowing down as demand grows past its CPUs.
  if (s.kind === "database" && util > 0.98) queueing *= 1 + 8 * (util - 0.98);
  const own50 = (s.latencyMs / 1000) * queueing * inp.latencyFactor * inp.noise;
  const sigma = s.sigma * (1 + 0.4 * Math.min(u, 1));

  const causes: Signals["causes"] = [];
  const fails: Array<{ code: string; p: number; cause: ErrorCause; dep?: string }> = [];
  fails.push({ code: "500", p: s.baseErrorRatio * inp.noise, cause: "internal" });
  if (inp.podErrorRatio > 0) fails.push({ code: "500", p: inp.podErrorRatio, cause: inp.podErrorCause });
  if (pods === 0 && s.kind !== "job") fails.push({ code: "503", p: 1, cause: "no-pods" });
  else if (util > 1 && s.kind !== "database") fails.push({ code: "503", p: 1 - 1 / util, cause: "overload" });

  let add50 = 0;
  let add95 = 0;
  let add99 = 0;
  let maxTimeout = 0;
  for (const call of s.calls) {
    const d = deps.get(call.to);
    if (!d) continue;
    const timeout = call.timeoutMs / 1000;
    maxTimeout = Math.max(maxTimeout, timeout);
    const n = call.perRequest;
    const pTimeout = Math.min(1, (1 - d.slow.fraction) * tailProbability(d.p50, d.sigma, timeout) + (d.slow.seconds > timeout ? d.slow.fraction : 0));
    const pErr = d.errorRatio * (1 - pTimeout);
    const perRequest = (p: number): number => (n < 1 ? n * p : 1 - (1 - p) ** n);
    if (call.critical) {
      if (pTimeout > 1e-6) fails.push({ code: "504", p: perRequest(pTimeout), cause: "upstream-timeout", dep: call.to });
      if (pErr > 1e-6) fails.push({ code: "502", p: perRequest(pErr), cause: "upstream-error", dep: call.to });
    }
    const dSlow = d.slow.fraction > 0 ? Math.min(d.slow.seconds, timeout) : 0;
    add50 += n * Math.min(d.p50, timeout) + (d.slow.fraction > 0.5 ? n * dSlow : 0);
    add95 += n * Math.min(d.p95, timeout) + (d.slow.fraction > 0.05 ? dSlow : 0);
    add99 += Math.min(n < 1 ? Math.min(1, n * 5) * d.p99 : n * d.p99, timeout * Math.max(1, Math.ceil(n))) + (d.slow.fraction > 0.01 ? dSlow : 0);
  }

  // Database connection pool: Little's law demand plus whatever leaked.
  let poolMax = 0;
  let poolInUse = 0;
  let slow = { fraction: 0, seconds: 0 };
  const db = deps.get("orders-db");
  const dbCall = s.calls.find((c) => c.to === "orders-db");
  if (db && dbCall && POOL_PER_POD[s.name] && pods > 0) {
    poolMax = POOL_PER_POD[s.name]! * pods;
    // payments holds its connection (open transaction) across the card provider call.
    const held = s.name === "payments" ? (deps.get("payment-provider")?.p50 ?? 0) : 0;
    const demand = rps * (dbCall.perRequest * (db.p50 + 0.002) + held) * 1.5 + 1;
    const free = Math.max(0, poolMax - inp.leakedConnections);
    poolInUse = Math.min(poolMax, inp.leakedConnections + demand);
    if (demand > free) {
      const starved = free <= 0 ? 1 : 1 - free / demand;
      const timeout = POOL_TIMEOUT_S[s.name] ?? 1;
      slow = { fraction: starved, seconds: timeout };
      fails.push({ code: "500", p: starved, cause: "pool-exhausted", dep: "orders-db" });
    }
  }

  let ok = 1;
  const codes: Record<string, number> = { "500": 0, "502": 0, "503": 0, "504": 0 };
  for (const f of fails) ok *= 1 - Math.min(1, Math.max(0, f.p));
  const errorRatio = Math.min(1, 1 - ok);
  const rawTotal = fails.reduce((a, f) => a + Math.max(0, f.p), 0) || 1;
  for (const f of fails) {
    const share = (errorRatio * Math.max(0, f.p)) / rawTotal;
    codes[f.code] = (codes[f.code] ?? 0) + share;
    if (share > 0) causes.push({ cause: f.cause, dep: f.dep, ratio: share });
  }

  const cap = maxTimeout > 0 ? maxTimeout + own50 * 4 : Number.POSITIVE_INFINITY;
  const p50 = Math.min(own50 + add50, cap);
  const p95 = Math.min(own50 * Math.exp(1.645 * sigma) + add95, cap);
  let p99 = Math.min(own50 * Math.exp(2.326 * sigma) + add99, cap);
  if (slow.fraction > 0.01) p99 = Math.max(p99, slow.seconds);
  return {
    rps,
    errorRatio,
    codes,
    causes,
    p50,
    p95: Math.max(p95, slow.fraction > 0.05 ? slow.seconds : 0),
    p99,
    sigma,
    slow,
    utilization: Number.isFinite(util) ? util : 1,
    readyPods: pods,
    cpuCores: s.kind === "external" ? 0 : Math.min(cpuDemand, s.cpuLimitCores * Math.max(pods, 1)),
    poolInUse,
    poolMax,
  };
}
