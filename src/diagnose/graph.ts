import type { DiagnosisGraph, PropagationEdge } from "./types.ts";
import { plural } from "../text/words.ts";
import { itemAt } from "../domain/indexed.ts";

/**
 * Fault-propagation graph: `down[s]` = services a fault in s can surface in (its dependents),
 * `up[s]` = services whose faults can surface in s (its dependencies).
 */
export interface PropGraph {
  nodes: string[];
  index: Map<string, number>;
  down: number[][];
  up: number[][];
  reversed: boolean;
}

/** From a call graph (`from` calls `to`): faults travel from callee to caller. */
export function propagationEdgesFromCalls(calls: ReadonlyArray<{ from: string; to: string }>): PropagationEdge[] {
  return calls.map((c) => ({ source: c.to, target: c.from }));
}

export function buildGraph(services: readonly string[], edges: readonly PropagationEdge[], reverse: boolean): PropGraph {
  const index = new Map<string, number>();
  const nodes: string[] = [];
  const add = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = nodes.length;
      index.set(s, i);
      nodes.push(s);
    }
    return i;
  };
  for (const s of services) add(s);
  for (const e of edges) {
    add(e.source);
    add(e.target);
  }
  const down: Set<number>[] = nodes.map(() => new Set());
  const up: Set<number>[] = nodes.map(() => new Set());
  for (const e of edges) {
    if (e.source === e.target) continue;
    const a = index.get(reverse ? e.target : e.source)!;
    const b = index.get(reverse ? e.source : e.target)!;
    itemAt(down, a).add(b);
    itemAt(up, b).add(a);
  }
  return { nodes, index, down: down.map((s) => [...s]), up: up.map((s) => [...s]), reversed: reverse };
}

/** BFS hop distances from `start` along `adj` (-1 = unreachable). */
export function distances(adj: number[][], start: number): Int32Array {
  const d = new Int32Array(adj.length).fill(-1);
  d[start] = 0;
  const queue = [start];
  for (let h = 0; h < queue.length; h++) {
    const u = itemAt(queue, h);
    for (const v of itemAt(adj, u)) {
      if (itemAt(d, v) < 0) {
        d[v] = itemAt(d, u) + 1;
        queue.push(v);
      }
    }
  }
  return d;
}

function countReachable(adj: number[][], start: number): number {
  let n = 0;
  for (const x of distances(adj, start)) if (x > 0) n++;
  return n;
}

/**
 * Decide the orientation. With "auto" and a known symptom: the symptom is where faults arrive, so
 * the orientation under which more services can reach the symptom is the propagation direction.
 * A graph written caller→callee puts the front end (where SLOs fire) at the top with no ancestors.
 */
export function inferOrientation(services: readonly string[], graph: DiagnosisGraph, symptomService: string | undefined): { reverse: boolean; note?: string } {
  if (graph.orientation === "as-given" || !symptomService) return { reverse: false };
  const g = buildGraph(services, graph.edges, false);
  const s = g.index.get(symptomService);
  if (s === undefined) return { reverse: false };
  const ancestors = countReachable(g.up, s);
  const descendants = countReachable(g.down, s);
  if (descendants > ancestors) {
    return {
      reverse: true,
      note: `graph direction reversed: as given, ${plural(ancestors, "service")} could propagate to the symptom ${symptomService} and ${descendants} lay downstream of it, so the edges read as caller→callee`,
    };
  }
  return { reverse: false };
}

export interface Explanation {
  /** Anomaly a service shows that neither its upstream nor load from its dependents explains. */
  own: Float64Array;
  /** Anomaly mass the hypothesis "root cause here" explains (itself, its dependents, load-hit dependencies). */
  explained: Float64Array;
  /** Part of each service's anomaly explained by a change in the load its dependents send. */
  loadExplained: Float64Array;
}

/**
 * Parsimony scoring: a root cause should (a) be anomalous on its own account, not because an
 * anomalous dependency or a change in the load its callers send explains it, and (b) explain as
 * much of the observed anomaly mass as possible: its own, the anomalies of the services a fault in
 * it reaches (weighted by how similarly they move), and the load-driven anomalies of the
 * dependencies it sends traffic to.
 */
export function explanationScores(g: PropGraph, anomaly: Float64Array, load: Float64Array, similarity: (u: number, v: number) => number, victimDiscount = 0.8): Explanation {
  const n = g.nodes.length;
  const loadExplained = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    let best = 0;
    for (const v of itemAt(g.down, u)) best = Math.max(best, similarity(u, v));
    loadExplained[u] = Math.min(itemAt(anomaly, u), itemAt(load, u) * best);
  }
  const own = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    let upExplained = 0;
    for (const v of itemAt(g.up, u)) upExplained = Math.max(upExplained, Math.max(0, itemAt(anomaly, v) - itemAt(loadExplained, v)) * similarity(u, v));
    own[u] = itemAt(anomaly, u) - victimDiscount * Math.min(itemAt(anomaly, u), Math.max(upExplained, itemAt(loadExplained, u)));
  }
  const explained = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    if (itemAt(anomaly, r) <= 0) {
      explained[r] = 0;
      continue;
    }
    let e = itemAt(anomaly, r);
    const d = distances(g.down, r);
    for (let v = 0; v < n; v++) if (itemAt(d, v) > 0 && itemAt(anomaly, v) > 0) e += itemAt(anomaly, v) * similarity(r, v);
    for (const u of itemAt(g.up, r)) if (itemAt(d, u) <= 0 && itemAt(load, u) > 0) e += Math.min(itemAt(anomaly, u), itemAt(load, u)) * similarity(u, r);
    explained[r] = e;
  }
  return { own, explained, loadExplained };
}
