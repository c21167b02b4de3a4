import { REFERENCE_START } from "../../sandbox/sim/reference-start.ts";
import { discoverySources } from "../../app/topology.ts";
import { ClientNodeKubernetes } from "../../integrations/kubernetes/client-node-adapter.ts";
import { PrometheusHttpMetrics } from "../../integrations/prometheus/http-adapter.ts";
import { serveSimulation } from "../../sandbox/sim/serve.ts";
import { openDb } from "../../store/open.ts";
import { createStore } from "../../store/store.ts";
import { TopologyDiscovery } from "../../topology/discovery.ts";
import { type DiscoveryScore, evaluateDiscovery } from "../../topology/evaluate.ts";
import { NO_OVERRIDES } from "../../topology/overrides.ts";

export const summary = "evaluate topology discovery against the simulation's true graph: precision and recall per source and together";

/** The source sets scored: each source the simulation exposes alone, and all of them together. */
export const SOURCE_SETS: Array<{ label: string; sources: string[] }> = [
  { label: "kubernetes", sources: ["kubernetes"] },
  { label: "service-graph", sources: ["service-graph"] },
  { label: "istio", sources: ["istio"] },
  { label: "all", sources: ["kubernetes", "service-graph", "istio", "linkerd"] },
];

/** A fixed start (18:00 UTC on a Monday, evening traffic) so the figures reproduce. */
export const DEFAULT_START = REFERENCE_START;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * Starts the simulation alone, then discovers its graph through the real adapters
 * (@kubernetes/client-node against /k8s, the Prometheus HTTP API against /prometheus) once per
 * source set, each in its own in-memory store, refreshing every 15 simulated minutes for two
 * simulated hours, and scores every refresh against `GET /sandbox/topology`.
 */
export async function scoreTopologyDiscovery(o: { start?: string; seed?: number; horizonMinutes?: number; everyMinutes?: number } = {}): Promise<{ truthEdges: number; scores: DiscoveryScore[] }> {
  const served = await serveSimulation({ startTime: Date.parse(o.start ?? DEFAULT_START), seed: o.seed ?? 7, historyMs: 3 * 3_600_000 });
  const dbs: Array<{ close(): Promise<void> }> = [];
  try {
    const truth = (await (await fetch(`${served.url}/sandbox/topology`)).json()) as { edges: Array<{ from: string; to: string }> };
    const clock = served.sim.clock;
    const kubernetes = new ClientNodeKubernetes({ kubeconfigPath: served.sim.kubeconfigPath });
    const metrics = new PrometheusHttpMetrics({ baseUrl: `${served.url}/prometheus`, clock });
    const runs = [];
    for (const set of SOURCE_SETS) {
      const db = await openDb({ dataDir: "memory" });
      dbs.push(db);
      const sources = discoverySources({ kubernetes, metrics, names: set.sources, window: "1h" });
      runs.push({ label: set.label, discovery: new TopologyDiscovery({ repo: createStore(db).topology, sources, overrides: NO_OVERRIDES, clock, maxAgeMs: 24 * 3_600_000 }) });
    }
    const scores = await evaluateDiscovery({
      runs,
      truth: truth.edges,
      advance: (ms) => served.sim.tick(ms),
      horizonMs: (o.horizonMinutes ?? 120) * 60_000,
      everyMs: (o.everyMinutes ?? 15) * 60_000,
    });
    return { truthEdges: truth.edges.length, scores };
  } finally {
    for (const db of dbs) await db.close();
    await served.close();
  }
}

export async function run(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const start = option(args, "--start");
  if (start && Number.isNaN(Date.parse(start))) {
    process.stderr.write(`aisre eval-topology: --start expects an ISO time, got ${start}\n`);
    return 2;
  }
  const { truthEdges, scores } = await scoreTopologyDiscovery({ start, seed: option(args, "--seed") ? Number(option(args, "--seed")) : undefined });
  if (json) {
    process.stdout.write(`${JSON.stringify({ start: start ?? DEFAULT_START, truthEdges, scores }, null, 2)}\n`);
    return 0;
  }
  const f = (x: number): string => x.toFixed(3);
  const lines = [`true edges: ${truthEdges}   start: ${start ?? DEFAULT_START}   refresh: every 15 simulated minutes for 2 hours`, ""];
  lines.push(`${"source".padEnd(15)} ${"at start P/R".padEnd(14)} ${"after 2 h P/R".padEnd(14)} ${"edges".padEnd(6)} ≥0.95 from`);
  for (const s of scores) {
    const first = s.checkpoints[0]!;
    lines.push(`${s.label.padEnd(15)} ${`${f(first.precision)}/${f(first.recall)}`.padEnd(14)} ${`${f(s.final.precision)}/${f(s.final.recall)}`.padEnd(14)} ${String(s.final.edges).padEnd(6)} ${s.reachedAtMinutes === undefined ? "never" : `${s.reachedAtMinutes} min`}`);
    if (s.final.missing.length) lines.push(`${"".padEnd(15)} missing: ${s.final.missing.join(", ")}`);
    if (s.final.extra.length) lines.push(`${"".padEnd(15)} extra: ${s.final.extra.join(", ")}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return scores.every((s) => s.reachedAtMinutes !== undefined) ? 0 : 1;
}
