import type { TopologyDiscovery } from "./discovery.ts";
import { edgeAccuracy } from "./merge.ts";

export interface Checkpoint {
  /** Simulated minutes since the start. */
  minutes: number;
  precision: number;
  recall: number;
  edges: number;
}

export interface DiscoveryScore {
  label: string;
  checkpoints: Checkpoint[];
  /** At the end of the horizon. */
  final: Checkpoint & { missing: string[]; extra: string[] };
  /** First checkpoint where precision and recall both reach the target (undefined: never). */
  reachedAtMinutes?: number;
}

/**
 * Runs each discovery from the start of a system whose true graph is known, refreshing every
 * `everyMs` of system time up to `horizonMs`, and scores the discovered edges against the truth
 * at each refresh.
 */
export async function evaluateDiscovery(o: {
  runs: Array<{ label: string; discovery: TopologyDiscovery }>;
  truth: ReadonlyArray<{ from: string; to: string }>;
  /** Moves the system's clock forward. */
  advance: (ms: number) => void;
  horizonMs: number;
  everyMs: number;
  target?: number;
}): Promise<DiscoveryScore[]> {
  const target = o.target ?? 0.95;
  const scores = o.runs.map((r) => ({ label: r.label, checkpoints: [] as Checkpoint[], final: undefined as DiscoveryScore["final"] | undefined, reachedAtMinutes: undefined as number | undefined }));
  for (let elapsed = 0; ; elapsed += o.everyMs) {
    for (const [i, r] of o.runs.entries()) {
      await r.discovery.refresh();
      const edges = r.discovery.topology().edges;
      const acc = edgeAccuracy(edges, o.truth);
      const point: Checkpoint = { minutes: Math.round(elapsed / 60_000), precision: acc.precision, recall: acc.recall, edges: edges.length };
      const s = scores[i]!;
      s.checkpoints.push(point);
      s.final = { ...point, missing: acc.missing, extra: acc.extra };
      if (s.reachedAtMinutes === undefined && acc.precision >= target && acc.recall >= target) s.reachedAtMinutes = point.minutes;
    }
    if (elapsed + o.everyMs > o.horizonMs) break;
    o.advance(o.everyMs);
  }
  return scores.map((s) => ({ label: s.label, checkpoints: s.checkpoints, final: s.final!, reachedAtMinutes: s.reachedAtMinutes }));
}
