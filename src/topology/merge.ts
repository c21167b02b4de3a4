import type { SeenEdge, SeenService } from "../store/repos/topology.ts";
import { type DiscoveredEdge, type DiscoveredService, type DiscoveredTopology, OVERRIDE_SOURCE } from "./model.ts";
import type { ServiceOverrides } from "./overrides.ts";

const later = (a: string | undefined, b: string): string => (a && a > b ? a : b);
const earlier = (a: string | undefined, b: string): string => (a && a < b ? a : b);

/**
 * One graph from what every source saw: a service or an edge counts while any source saw it
 * within `maxAgeMs` of `now`; services.yaml adds edges, removes edges (`not_calls`) and drops
 * services (`ignore`). Self-calls are left out.
 */
export function mergeTopology(seenServices: readonly SeenService[], seenEdges: readonly SeenEdge[], overrides: ServiceOverrides, o: { now: number; maxAgeMs: number }): DiscoveredTopology {
  const cutoff = new Date(o.now - o.maxAgeMs).toISOString();
  const ignored = new Set(overrides.ignored);
  const removed = new Set(overrides.notCalls.map((e) => `${e.from}\u0000${e.to}`));
  const edges = new Map<string, DiscoveredEdge>();
  const services = new Map<string, DiscoveredService>();

  const service = (name: string): DiscoveredService => {
    let s = services.get(name);
    if (!s) {
      s = { name, sources: [], attributes: {} };
      services.set(name, s);
    }
    return s;
  };
  const addSource = (list: string[], source: string): void => {
    if (!list.includes(source)) list.push(source);
  };

  for (const s of seenServices) {
    if (s.lastSeen < cutoff || ignored.has(s.name)) continue;
    const d = service(s.name);
    addSource(d.sources, s.source);
    d.attributes = { ...s.attributes, ...d.attributes };
    d.firstSeen = earlier(d.firstSeen, s.firstSeen);
    d.lastSeen = later(d.lastSeen, s.lastSeen);
  }
  for (const e of seenEdges) {
    const key = `${e.from}\u0000${e.to}`;
    if (e.lastSeen < cutoff || e.from === e.to || ignored.has(e.from) || ignored.has(e.to) || removed.has(key)) continue;
    let d = edges.get(key);
    if (!d) {
      d = { from: e.from, to: e.to, sources: [] };
      edges.set(key, d);
    }
    addSource(d.sources, e.source);
    d.firstSeen = earlier(d.firstSeen, e.firstSeen);
    d.lastSeen = later(d.lastSeen, e.lastSeen);
  }
  for (const e of overrides.calls) {
    if (e.from === e.to || ignored.has(e.to)) continue;
    const key = `${e.from}\u0000${e.to}`;
    const d = edges.get(key) ?? { from: e.from, to: e.to, sources: [] };
    addSource(d.sources, OVERRIDE_SOURCE);
    edges.set(key, d);
  }
  for (const name of overrides.services) addSource(service(name).sources, OVERRIDE_SOURCE);
  for (const [name, team] of Object.entries(overrides.teams)) service(name).attributes.team = team;
  for (const e of edges.values()) {
    service(e.from);
    service(e.to);
    e.sources.sort();
  }
  for (const s of services.values()) s.sources.sort();
  const details = [...services.values()].sort((a, b) => a.name.localeCompare(b.name));
  return {
    services: details.map((s) => s.name),
    edges: [...edges.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to)),
    details,
  };
}

/** Precision and recall of discovered edges against a known graph (evaluation and tests). */
export function edgeAccuracy(found: ReadonlyArray<{ from: string; to: string }>, truth: ReadonlyArray<{ from: string; to: string }>): { precision: number; recall: number; missing: string[]; extra: string[] } {
  const key = (e: { from: string; to: string }): string => `${e.from} -> ${e.to}`;
  const f = new Set(found.map(key));
  const t = new Set(truth.map(key));
  const hit = [...f].filter((k) => t.has(k)).length;
  return {
    precision: f.size ? hit / f.size : t.size ? 0 : 1,
    recall: t.size ? hit / t.size : 1,
    missing: [...t].filter((k) => !f.has(k)).sort(),
    extra: [...f].filter((k) => !t.has(k)).sort(),
  };
}
