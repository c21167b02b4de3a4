import { rng } from "../domain/random.ts";
import type { DiagnosisInput, MetricSeries, PropagationEdge, ServiceMetrics } from "./types.ts";
import { itemAt } from "../domain/indexed.ts";

/**
 * Synthetic microservice systems with an injected fault, for tests, the bench and sanity checks of
 * generalisation (the development cases all come from one system). Deterministic per seed.
 *
 * A random layered call graph (front ends call mid tiers call leaves), per service latency, error
 * rate, CPU, memory and request metrics at `stepS` resolution, a baseline day-part, and a fault in
 * one service whose effect travels to its (transitive) callers, attenuated, with noise and a few
 * unrelated distractor anomalies.
 */
export type FaultKind = "latency" | "errors" | "cpu" | "memory" | "overload";

export interface SyntheticOptions {
  seed: number;
  services?: number;
  /** Samples before onset and after onset in the incident window. */
  preSamples?: number;
  postSamples?: number;
  stepS?: number;
  faultKind?: FaultKind;
  /** Index of the faulty service (default: random among non-front-end services). */
  faultService?: number;
  /** Number of unrelated services given a distractor anomaly (default 1). */
  distractors?: number;
  /** Include a baseline period (default true). */
  baseline?: boolean;
  /** Include the graph (default true). */
  graph?: boolean;
  /** Fault magnitude multiplier (default 1; ~0.3 is hard to see). */
  magnitude?: number;
  /** Relative noise of every metric (default 0.08 for latency, scaled for the rest). */
  noise?: number;
  /** Metrics per service (default all five). */
  metrics?: SyntheticMetric[];
  /** A fixed system instead of a random one: service names (the first is the front end) and who calls whom. */
  topology?: { names: readonly string[]; calls: ReadonlyArray<readonly [string, string]> };
  /** Give the front end's SLO as the symptom (default true). */
  symptom?: boolean;
}

type SyntheticMetric = "latency" | "errors" | "cpu" | "memory" | "requests";

export interface SyntheticCase {
  input: DiagnosisInput;
  answer: string;
  calls: Array<{ from: string; to: string }>;
  frontEnd: string;
}

const START = 1_700_000_000;

export function syntheticCase(o: SyntheticOptions): SyntheticCase {
  const r = rng(o.seed);
  const gauss = (): number => {
    const u = Math.max(r(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  };
  const n = o.topology ? o.topology.names.length : Math.max(4, o.services ?? 12);
  const step = o.stepS ?? 60;
  const pre = o.preSamples ?? 30;
  const post = o.postSamples ?? 30;
  const names = o.topology ? [...o.topology.names] : Array.from({ length: n }, (_, i) => (i === 0 ? "frontend" : `svc-${String(i).padStart(2, "0")}`));
  const calls: Array<{ from: string; to: string }> = [];
  const callees: number[][] = names.map(() => []);
  if (o.topology) {
    for (const [from, to] of o.topology.calls) {
      calls.push({ from, to });
      itemAt(callees, names.indexOf(from), `caller ${from}`).push(names.indexOf(to));
    }
  } else {
    randomCalls(r, names, calls, callees);
  }
  const callers: number[][] = names.map(() => []);
  callees.forEach((out, i) => {
    for (const j of out) itemAt(callers, j, "callee").push(i);
  });

  const kinds: FaultKind[] = ["latency", "errors", "cpu", "memory", "overload"];
  const faultKind = o.faultKind ?? itemAt(kinds, Math.floor(r() * kinds.length));
  const fault = o.faultService ?? 1 + Math.floor(r() * (n - 1));
  // Impact per service: 1 at the fault, attenuated through callers.
  const impact = new Float64Array(n);
  impact[fault] = 1;
  const queue = [fault];
  while (queue.length) {
    const u = queue.shift()!;
    for (const c of itemAt(callers, u)) {
      const v = itemAt(impact, u) * (0.55 + 0.3 * r());
      if (v > itemAt(impact, c)) {
        impact[c] = v;
        queue.push(c);
      }
    }
  }
  const distractors = new Set<number>();
  const nd = o.distractors ?? 1;
  while (distractors.size < Math.min(nd, n - 2)) {
    const d = 1 + Math.floor(r() * (n - 1));
    if (d !== fault) distractors.add(d);
  }

  const metricList: SyntheticMetric[] = o.metrics ?? ["latency", "errors", "cpu", "memory", "requests"];
  const base = names.map(() => ({ lat: 0.02 + r() * 0.2, err: r() * 0.5, cpu: 10 + r() * 40, mem: 200 + r() * 800, req: 50 + r() * 500 }));
  const onset = START + pre * step;
  const baselineStart = START - 86400;
  const services: ServiceMetrics[] = [];
  const baseline: ServiceMetrics[] = [];
  const mag = o.magnitude ?? 1;
  const nz = (o.noise ?? 0.08) / 0.08;
  const ramp = (k: number): number => mag * Math.min(1, (k + 1) / 3);
  for (let i = 0; i < n; i++) {
    const b = itemAt(base, i);
    const faultBase = itemAt(base, fault, "fault service");
    const mk = (len: number, t0: number, faulty: boolean): Map<SyntheticMetric, { t: number[]; v: number[] }> => {
      const out = new Map(metricList.map((m) => [m, { t: [] as number[], v: [] as number[] }]));
      const distractAt = Math.floor(len * (0.2 + 0.6 * r()));
      for (let k = 0; k < len; k++) {
        const t = t0 + k * step;
        const after = faulty && t >= onset;
        const kk = Math.floor((t - onset) / step);
        const f = after ? itemAt(impact, i) * ramp(kk) : 0;
        const own = after && i === fault ? ramp(kk) : 0;
        let lat = b.lat * (1 + 0.08 * nz * gauss());
        let err = Math.max(0, b.err + 0.1 * nz * gauss());
        let cpu = b.cpu * (1 + 0.05 * nz * gauss());
        let mem = b.mem * (1 + 0.02 * nz * gauss());
        let req = b.req * (1 + 0.05 * nz * gauss());
        switch (faultKind) {
          case "latency":
            lat += f * 6 * faultBase.lat;
            break;
          case "errors":
            err += f * 15;
            lat *= 1 + 0.2 * f;
            break;
          case "cpu":
            cpu += own * (95 - b.cpu);
            lat += f * 3 * faultBase.lat;
            break;
          case "memory":
            mem += own * b.mem * 0.05 * (kk + 1);
            if (kk > post / 3) err += f * 5;
            lat += f * faultBase.lat * (kk > post / 3 ? 2 : 0.3);
            break;
          case "overload":
            // Extra load enters at the fault service and flows to its callees; it saturates.
            req *= 1 + 2 * own;
            cpu += own * (90 - b.cpu);
            lat += f * 4 * faultBase.lat;
            break;
        }
        if (after && faultKind === "overload" && i !== fault && itemAt(callees, fault).includes(i)) req *= 2.5;
        if (faulty && distractors.has(i) && k >= distractAt && k < distractAt + 4) {
          // An unrelated blip somewhere else in the window.
          cpu *= 1 + 0.8 * Math.max(0.5, mag);
          lat *= 1 + 0.6 * Math.max(0.5, mag);
        }
        const vals: Record<SyntheticMetric, number> = { latency: lat, errors: err, cpu, memory: mem, requests: Math.round(req) };
        for (const [m, series] of out) {
          series.t.push(t);
          series.v.push(vals[m]);
        }
      }
      return out;
    };
    const names5: Record<SyntheticMetric, string> = { latency: "http_request_duration_p95", errors: "error_rate_5xx", cpu: "container_cpu_usage", memory: "memory_working_set_bytes", requests: "requests_total" };
    const toSeries = (rec: Map<SyntheticMetric, { t: number[]; v: number[] }>): MetricSeries[] => [...rec].map(([m, s]) => ({ metric: names5[m], timestamps: s.t, values: s.v }));
    const service = itemAt(names, i, "service");
    services.push({ service, series: toSeries(mk(pre + post, START, true)) });
    if (o.baseline !== false) baseline.push({ service, series: toSeries(mk(240, baselineStart, false)) });
  }
  const frontEnd = itemAt(names, 0, "front end");
  const edges: PropagationEdge[] = calls.map((c) => ({ source: c.to, target: c.from }));
  const input: DiagnosisInput = {
    services,
    anomalyStart: onset,
    ...(o.symptom !== false ? { symptom: { service: frontEnd, metric: faultKind === "errors" ? "error_rate_5xx" : "http_request_duration_p95" } } : {}),
    ...(o.graph !== false ? { graph: { edges } } : {}),
    ...(o.baseline !== false ? { baseline } : {}),
  };
  return { input, answer: itemAt(names, fault, "fault service"), calls, frontEnd };
}

/** A random layered call graph: front end → mid tiers → leaves; every service has a caller. */
function randomCalls(r: () => number, names: string[], calls: Array<{ from: string; to: string }>, callees: number[][]): void {
  const n = names.length;
  // Layers: 0 = front end; each service calls 1-3 services in deeper layers.
  const layers = Math.max(3, Math.round(Math.log2(n)));
  const layerOf = names.map((_, i) => (i === 0 ? 0 : 1 + Math.floor(((i - 1) / (n - 1)) * (layers - 1))));
  for (let i = 0; i < n; i++) {
    const layer = itemAt(layerOf, i);
    const deeper = layerOf.flatMap((l, j) => (l === layer + 1 || (l > layer + 1 && r() < 0.1) ? [j] : []));
    if (deeper.length === 0) continue;
    const k = Math.min(deeper.length, 1 + Math.floor(r() * 3));
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(itemAt(deeper, Math.floor(r() * deeper.length)));
    for (const j of chosen) {
      calls.push({ from: itemAt(names, i), to: itemAt(names, j) });
      itemAt(callees, i).push(j);
    }
  }
  // Make sure every non-front-end service has a caller.
  for (let j = 1; j < n; j++) {
    const name = itemAt(names, j);
    if (!calls.some((c) => c.to === name)) {
      const layer = itemAt(layerOf, j);
      const shallower = layerOf.flatMap((l, i) => (l < layer ? [i] : []));
      const i = itemAt(shallower, Math.floor(r() * shallower.length), "shallower service");
      calls.push({ from: itemAt(names, i), to: name });
      itemAt(callees, i).push(j);
    }
  }
}
