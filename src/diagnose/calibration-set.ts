import { syntheticCase } from "./synthetic.ts";
import type { SyntheticOptions } from "./synthetic.ts";
import type { NamedCase } from "./sockshop.ts";

/**
 * Generated cases of six data regimes for fitting and cross-validating the confidence mapping
 * (src/diagnose/calibration-fit.ts) next to the evaluation cases: full data, no baseline, no graph,
 * neither, only latency and requests, and 30 services. Fault size and distractors vary with the
 * seed so that every regime has easy and hard cases. Deterministic.
 */
export const CALIBRATION_REGIMES: Record<string, Partial<SyntheticOptions>> = {
  full: {},
  "no-baseline": { baseline: false },
  "no-graph": { graph: false },
  "no-graph-no-baseline": { graph: false, baseline: false },
  "latency-requests": { metrics: ["latency", "requests"] },
  "30-services": { services: 30 },
};

export function calibrationRegimeCases(perRegime = 30): Array<NamedCase & { group: string }> {
  const out: Array<NamedCase & { group: string }> = [];
  Object.entries(CALIBRATION_REGIMES).forEach(([regime, o], ri) => {
    for (let k = 0; k < perRegime; k++) {
      const c = syntheticCase({ seed: 20_000 + ri * 1000 + k, services: 12, magnitude: 0.3 + 0.1 * (k % 8), distractors: 1 + (k % 3), ...o });
      out.push({ ...c, id: `synthetic-${regime}/${k}`, group: `synthetic-${regime}` });
    }
  });
  return out;
}
