import { diagnose } from "../src/diagnose/engine.ts";
import { syntheticCase } from "../src/diagnose/synthetic.ts";
import { itemAt } from "../src/domain/indexed.ts";

/**
 * Diagnosis of a generated 50-service system with one hour of 1-minute metrics (5 metrics per
 * service: latency, errors, CPU, memory, requests), a 4-hour 1-minute baseline, a dependency graph,
 * deploys, pod signals and log signatures. Budget: under 2 s per diagnosis.
 */
export const name = "diagnose: 50 services, 1 h of 1-minute metrics";

export async function run(): Promise<Record<string, string | number>> {
  const runs = 5;
  const times: number[] = [];
  let correct = 0;
  let points = 0;
  let edges = 0;
  for (let i = 0; i < runs; i++) {
    const c = syntheticCase({ seed: 4242 + i, services: 50, preSamples: 30, postSamples: 30, stepS: 60, distractors: 3 });
    const input = {
      ...c.input,
      changes: [
        { service: c.answer, at: c.input.anomalyStart - 420, kind: "deploy", version: "v2" },
        { service: "svc-07", at: c.input.anomalyStart - 5 * 3600, kind: "deploy" },
      ],
      k8s: [{ service: c.answer, kind: "restarts", count: 2, at: c.input.anomalyStart + 300 }],
      logs: [{ service: c.answer, signature: "upstream connect error or disconnect/reset before headers", count: 120, firstSeen: c.input.anomalyStart + 60 }],
      runbooks: [],
    };
    points = input.services.reduce((a, s) => a + s.series.reduce((b, x) => b + x.values.length, 0), 0);
    edges = input.graph?.edges.length ?? 0;
    const t0 = performance.now();
    const d = diagnose(input);
    times.push(performance.now() - t0);
    if (d.hypotheses[0]?.service === c.answer) correct++;
  }
  times.sort((a, b) => a - b);
  const worst = itemAt(times, times.length - 1);
  return {
    services: 50,
    "metrics per service": 5,
    "samples in the incident window": points,
    "graph edges": edges,
    "median time (ms)": Number(itemAt(times, Math.floor(times.length / 2)).toFixed(1)),
    "worst time (ms)": Number(worst.toFixed(1)),
    "budget (ms)": 2000,
    "within budget": worst < 2000 ? "yes" : "NO",
    "leader = injected fault": `${correct}/${runs}`,
  };
}
